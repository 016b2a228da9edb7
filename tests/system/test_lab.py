"""The lab (`danemail lab up|down|status`) judged by unbound and delv: a DNS hierarchy on loopback — root,
test., alpha.test (NSEC), beta.test (NSEC3), plain.test (insecure), broken.test (bogus) — each zone served
by its own `danemail serve`, and the lab's own unbound validating from the lab root's trust anchor.

unbound must set AD on secure data and TLSA records (RFC 4035 §3.2.3, RFC 6698), answer SERVFAIL for the
bogus name (RFC 4035 §5.5), leave AD off in the insecure zone (§5.2), and validate NXDOMAIN, NODATA and
wildcard answers with NSEC (RFC 4035 §5.4) and NSEC3 (RFC 5155 §8) proofs. delv must print "fully
validated" for a secure name (it exits 0 even when validation fails: its output is what counts). `lab status`
and `lab down` behave; after down nothing listens on the lab's addresses and no process is left; a second
`up` keeps the trust anchor.
"""
import hashlib
import socket
import subprocess

import pytest

from conftest import require_tool, run
from lab import ADDRESSES, MAIL_HOSTS, RESOLVER, dig, lab, lab_processes, listening  # noqa: F401 (fixture)

SECURE = ["alpha.test", "beta.test"]  # NSEC, NSEC3


def tlsa_311(cert_pem):
    """The 3 1 1 association data of a PEM certificate, computed by openssl (SHA-256 of the SPKI)."""
    openssl = require_tool("openssl")
    spki = subprocess.run([openssl, "x509", "-noout", "-pubkey", "-in", cert_pem], capture_output=True,
                          check=True).stdout
    der = subprocess.run([openssl, "pkey", "-pubin", "-outform", "DER"], input=spki, capture_output=True,
                         check=True).stdout
    return hashlib.sha256(der).hexdigest()


def delv(lab_dir, name, rrtype):
    tool = require_tool("delv")
    proc = run([tool, "-a", lab_dir / "delv.conf", f"@{RESOLVER}", name, rrtype], check=False, timeout=60)
    return proc.stdout + proc.stderr


# Runs first, before the module's lab is up (the addresses are fixed).
def test_up_failing_names_the_zone_and_stops_what_it_started(danemail, tmp_path):
    directory = tmp_path / "lab"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.1.2.1", 53))  # beta.test's address: its server cannot bind
        proc = run([danemail, "lab", "up", "--dir", directory, "--timeout", "20"], check=False, timeout=120)
    assert proc.returncode != 0
    assert "beta.test." in proc.stderr and str(directory / "beta.test" / "serve.log") in proc.stderr, proc.stderr
    assert "Address already in use" in proc.stderr, proc.stderr
    assert lab_processes(directory) == []
    for address in ADDRESSES:
        assert not listening(address), f"something still listens on {address}:53"
    assert not list(directory.glob("*/serve.pid")) and not (directory / "unbound.pid").exists()


@pytest.mark.parametrize("zone", SECURE)
def test_secure_mail_host_validates(lab, zone):
    answer = dig(f"mx.{zone}", "A")
    assert answer.status == "NOERROR", answer.text
    assert answer.ad, answer.text
    assert answer.data("A") == [[MAIL_HOSTS[zone]]]
    mx = dig(zone, "MX")
    assert mx.ad and mx.data("MX") == [["10", f"mx.{zone}."]], mx.text


@pytest.mark.parametrize("zone", SECURE)
def test_tlsa_validates_and_matches_the_certificate(lab, zone):
    answer = dig(f"_25._tcp.mx.{zone}", "TLSA")
    assert answer.status == "NOERROR" and answer.ad, answer.text
    [fields] = answer.data("TLSA")
    assert fields[:3] == ["3", "1", "1"]
    assert "".join(fields[3:]).lower() == tlsa_311(lab.dir / zone / "mx" / "cert.pem")
    assert (lab.dir / zone / "mx" / "key.pem").stat().st_mode & 0o077 == 0


def test_bogus_zone_is_servfail(lab):
    answer = dig("mx.broken.test", "A")
    assert answer.status == "SERVFAIL", answer.text
    # The data is there, only its signature is bad: with checking disabled unbound hands it out.
    unchecked = dig("mx.broken.test", "A", "+cd")
    assert unchecked.status == "NOERROR" and unchecked.data("A") == [[MAIL_HOSTS["broken.test"]]], unchecked.text
    assert not unchecked.ad
    # The rest of broken.test. is correctly signed, and its DS in test. is right.
    txt = dig("broken.test", "TXT")
    assert txt.status == "NOERROR" and txt.ad, txt.text


def test_insecure_zone_answers_without_ad(lab):
    answer = dig("mx.plain.test", "A")
    assert answer.status == "NOERROR", answer.text
    assert not answer.ad, answer.text
    assert answer.data("A") == [[MAIL_HOSTS["plain.test"]]]
    # The absence of a DS for plain.test is itself proven: the delegation's NSEC answer is secure.
    ds = dig("plain.test", "DS")
    assert ds.status == "NOERROR" and ds.ad and not ds.data("DS"), ds.text


@pytest.mark.parametrize("zone", SECURE)
def test_nxdomain_validates(lab, zone):
    answer = dig(f"no-such-name.{zone}", "A")
    assert answer.status == "NXDOMAIN", answer.text
    assert answer.ad, answer.text


@pytest.mark.parametrize("zone", SECURE)
def test_nodata_validates(lab, zone):
    answer = dig(f"mx.{zone}", "AAAA")
    assert answer.status == "NOERROR", answer.text
    assert answer.ad, answer.text
    assert answer.data("AAAA") == []


@pytest.mark.parametrize("zone", SECURE)
def test_wildcard_validates(lab, zone):
    answer = dig(f"anything.wild.{zone}", "TXT")
    assert answer.status == "NOERROR", answer.text
    assert answer.ad, answer.text
    assert answer.data("TXT") == [['"wildcard"']]


def test_delv_fully_validates_a_secure_name(lab):
    out = delv(lab.dir, "mx.alpha.test", "A")
    assert "; fully validated" in out, out
    assert "127.1.1.25" in out
    out = delv(lab.dir, "_25._tcp.mx.beta.test", "TLSA")
    assert "; fully validated" in out, out


def test_delv_does_not_validate_the_bogus_name(lab):
    out = delv(lab.dir, "mx.broken.test", "A")
    assert "fully validated" not in out, out
    assert "resolution failed" in out or "validation" in out, out


def test_status_reports_every_server(lab):
    proc = lab.status()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines()[1:] if line.strip()]
    assert len(lines) == len(ADDRESSES), proc.stdout
    for address in ADDRESSES:
        [line] = [line for line in lines if f"{address}:53" in line]
        assert "running (pid" in line and line.rstrip().endswith("answers"), proc.stdout


def test_up_on_a_running_lab_refuses(lab):
    proc = lab.up(check=False)
    assert proc.returncode != 0
    assert "already running" in proc.stderr


def test_files_for_validators(lab):
    root_key = (lab.dir / "root.key").read_text()
    assert ". 3600 IN DS " in root_key
    assert "static-ds" in (lab.dir / "delv.conf").read_text()
    conf = (lab.dir / "unbound.conf").read_text()
    assert f"interface: {RESOLVER}" in conf and "domain-insecure" not in conf
    checkconf = require_tool("unbound-checkconf")
    run([checkconf, lab.dir / "unbound.conf"])


# Runs last: takes the module's lab down and up again.
def test_down_stops_everything_and_up_keeps_the_anchor(lab):
    anchor = (lab.dir / "root.key").read_text().splitlines()[1]
    proc = lab.down()
    assert "stopped unbound" in proc.stdout, proc.stdout
    assert lab_processes(lab.dir) == []
    for address in ADDRESSES:
        assert not listening(address), f"something still listens on {address}:53"
    status = lab.status()
    assert status.returncode == 3, status.stdout
    assert "running" not in status.stdout
    again = lab.down()
    assert "nothing was running" in again.stdout

    lab.up()
    assert (lab.dir / "root.key").read_text().splitlines()[1] == anchor
    answer = dig("mx.beta.test", "A")
    assert answer.status == "NOERROR" and answer.ad, answer.text
