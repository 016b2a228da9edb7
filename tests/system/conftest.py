"""Shared fixtures for danemail's system tests: the binary under test and a runner for commands.

Run with Debian's /usr/bin/python3 (python3-pytest, python3-dnspython): `make system-test`.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def danemail():
    """Absolute path of the danemail binary (DANEMAIL env var, else build/danemail)."""
    path = Path(os.environ.get("DANEMAIL", REPO / "build" / "danemail"))
    if not path.exists():
        pytest.fail(f"danemail binary not found at {path}; run `make build` first")
    return str(path)


def run(args, check=True, timeout=600, **kwargs):
    """Runs a command, returns CompletedProcess with text output; fails the test on a non-zero exit when check."""
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and proc.returncode != 0:
        pytest.fail(f"command failed ({proc.returncode}): {' '.join(map(str, args))}\n"
                    f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def require_tool(name):
    """Path of a judge tool; fails (never skips) when missing: tools/install-deps.sh installs them all."""
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
    if not path:
        pytest.fail(f"judge tool {name} is not installed; run tools/install-deps.sh")
    return path
