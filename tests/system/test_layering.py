"""The layering check (tools/check-layering.sh) catches a lower folder under src/ including a higher one.

Builds small fake trees under tmp_path and runs the script on them with --root; also runs its own self-test.
"""
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tools" / "check-layering.sh"


def write(root: Path, rel: str, *lines: str):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def check(root: Path):
    return subprocess.run(["bash", str(SCRIPT), "--root", str(root)], capture_output=True, text=True, timeout=60)


def clean_tree(root: Path):
    write(root, "src/base/result.h", "#pragma once", "#include <string>")
    write(root, "src/dns/name.h", "#pragma once", '#include "base/result.h"', "#include <arpa/inet.h>")
    write(root, "src/dnssec/key.h", "#pragma once", '#include "dns/name.h"')
    write(root, "src/tls/tlsa.cpp", '#include "tls/tlsa.h"', '#include "dnssec/key.h"')
    write(root, "src/zone/signer.h", "#pragma once", '#include "dnssec/key.h"')
    write(root, "src/app/main.cpp", '#include "zone/signer.h"', '#include "tls/tlsa.h"')
    write(root, "CMakeLists.txt", "danemail_library(base fmt::fmt)", "danemail_library(dns danemail_base)",
          "danemail_library(tls danemail_base danemail_dnssec OpenSSL::SSL)")


def test_clean_tree_passes(tmp_path):
    clean_tree(tmp_path)
    proc = check(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_lower_folder_including_higher_fails_with_file_line_and_include(tmp_path):
    clean_tree(tmp_path)
    write(tmp_path, "src/dns/rdata.cpp", "// rdata", '#include "dns/name.h"', '#include "zone/signer.h"')
    proc = check(tmp_path)
    assert proc.returncode != 0
    assert 'src/dns/rdata.cpp:3: dns must not include zone: #include "zone/signer.h"' in proc.stderr, proc.stderr


def test_tls_may_use_dnssec_but_not_zone(tmp_path):
    clean_tree(tmp_path)
    write(tmp_path, "src/tls/dane.h", "#pragma once", '#include "dnssec/key.h"', '#include <zone/signer.h>')
    proc = check(tmp_path)
    assert proc.returncode != 0
    assert "src/tls/dane.h:3: tls must not include zone" in proc.stderr, proc.stderr
    assert "dnssec/key.h" not in proc.stderr


def test_relative_include_escaping_the_folder_is_caught(tmp_path):
    clean_tree(tmp_path)
    write(tmp_path, "src/base/log.cpp", '#include "../app/config.h"')
    proc = check(tmp_path)
    assert proc.returncode != 0
    assert "src/base/log.cpp:1: base must not include app" in proc.stderr, proc.stderr


def test_cmake_link_against_higher_library_is_caught(tmp_path):
    clean_tree(tmp_path)
    with open(tmp_path / "CMakeLists.txt", "a") as f:
        f.write("danemail_library(dnssec danemail_dns danemail_zone)\n")
    proc = check(tmp_path)
    assert proc.returncode != 0
    assert "CMakeLists.txt:4: danemail_dnssec must not link danemail_zone" in proc.stderr, proc.stderr


def test_unknown_folder_is_reported(tmp_path):
    clean_tree(tmp_path)
    write(tmp_path, "src/newthing/a.cpp", '#include "base/result.h"')
    proc = check(tmp_path)
    assert proc.returncode != 0
    assert "src/newthing/: folder is not in the layering table" in proc.stderr, proc.stderr


def test_self_test_mode():
    proc = subprocess.run(["bash", str(SCRIPT), "--self-test"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_repository_itself_is_layered():
    proc = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
