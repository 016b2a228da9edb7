"""Inline signing while serving (issue 3), judged from outside through dig, dnspython and dnssec-verify:
keys made by the server on first start, a reload that re-signs only what changed and raises the serial, a
restart that serves the saved version at once, `danemail dns status|keys|ds-seen|sign-now`, and missing keys:
the last signed version keeps serving, an alarm is logged, and the zone is never served unsigned.
"""
import subprocess
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from conftest import require_tool, run

ADDRESS = "127.4.0.1"
PORT = 5354
ZONE = "inline.test"
ZONE_TEXT = """$TTL 300
@ SOA ns hostmaster 2026010100 1800 900 604800 300
@ NS ns
ns A 127.4.0.1
www A 192.0.2.80
mail A 192.0.2.25
"""


def ask(name, rtype, dnssec=True):
    query = dns.message.make_query(name, rtype, want_dnssec=dnssec)
    return dns.query.udp(query, ADDRESS, port=PORT, timeout=3)


def serial():
    return ask(f"{ZONE}.", "SOA", dnssec=False).answer[0][0].serial


def signatures(name, rtype):
    response = ask(name, rtype)
    return sorted(rdata.to_text() for rrset in response.answer if rrset.rdtype == dns.rdatatype.RRSIG
                  for rdata in rrset)


class Server:
    def __init__(self, danemail, directory: Path):
        self.danemail, self.directory = danemail, directory
        self.config = directory / "danemail.toml"
        self.log = directory / "serve.log"
        self.proc = None
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "zone.db").write_text(ZONE_TEXT)
        self.config.write_text(f"""[dns]
listen = ["{ADDRESS}:{PORT}"]
workers = 1
state = "state"

[[dns.zone]]
name = "{ZONE}"
file = "zone.db"
nsec3 = true
""")

    def start(self):
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([self.danemail, "serve", "-c", self.config], stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if ask(f"{ZONE}.", "SOA", dnssec=False).rcode() == dns.rcode.NOERROR:
                    return self
            except dns.exception.Timeout:
                pass
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def dns(self, *args, check=True):
        proc = run([self.danemail, "dns", *args, "-c", self.config], check=False, timeout=60)
        if check:
            assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc


@pytest.fixture
def server(danemail, tmp_path):
    srv = Server(danemail, tmp_path / "inline")
    try:
        yield srv.start()
    finally:
        srv.stop()


def test_keys_made_on_first_start_and_zone_verifies(server):
    keys = list((server.directory / "state" / "keys" / ZONE).glob("*.key"))
    assert len(keys) == 2, keys  # a KSK and a ZSK, made because there were none
    assert oct((server.directory / "state").stat().st_mode & 0o777) == "0o700"
    for private in (server.directory / "state" / "keys" / ZONE).glob("*.private"):
        assert private.stat().st_mode & 0o077 == 0
    axfr_free = server.directory / "state" / "zones" / f"{ZONE}.served.zone"
    verify = run([require_tool("dnssec-verify"), "-o", ZONE, axfr_free], timeout=60)
    assert "Zone fully signed" in verify.stdout + verify.stderr
    status = server.dns("status").stdout
    assert f"{ZONE}. serial 2026010100 signing inline" in status
    keys_text = server.dns("keys", ZONE).stdout
    assert "KSK" in keys_text and "ZSK" in keys_text


def test_reload_resigns_only_what_changed(server):
    before_serial = serial()
    www_before = signatures(f"www.{ZONE}.", "A")
    mail_before = signatures(f"mail.{ZONE}.", "A")
    assert www_before and mail_before
    (server.directory / "zone.db").write_text(ZONE_TEXT.replace("192.0.2.25", "192.0.2.26"))
    reply = server.dns("reload").stdout
    assert "1 changed" in reply
    assert serial() == before_serial + 1  # the operator kept the serial: raised for them (RFC 1982)
    assert signatures(f"www.{ZONE}.", "A") == www_before  # unchanged RRset, same signature
    assert signatures(f"mail.{ZONE}.", "A") != mail_before
    assert "192.0.2.26" in ask(f"mail.{ZONE}.", "A").answer[0].to_text()
    # A reload without edits changes nothing.
    assert "0 changed" in server.dns("reload").stdout
    assert serial() == before_serial + 1


def test_restart_serves_the_saved_version(server):
    (server.directory / "zone.db").write_text(ZONE_TEXT + "extra A 192.0.2.99\n")
    server.dns("reload")
    saved_serial = serial()
    www = signatures(f"www.{ZONE}.", "A")
    server.stop()
    server.start()
    assert serial() == saved_serial
    assert signatures(f"www.{ZONE}.", "A") == www  # nothing signed again at start


def test_missing_keys_keep_the_last_signed_version(server):
    keys_dir = server.directory / "state" / "keys" / ZONE
    good_serial = serial()
    for private in keys_dir.glob("*.private"):
        private.rename(private.with_suffix(".private.away"))
    (server.directory / "zone.db").write_text(ZONE_TEXT + "late A 192.0.2.77\n")
    reply = server.dns("reload", check=False)
    assert reply.returncode == 1, reply.stdout + reply.stderr
    assert "ALARM" in server.log.read_text()
    assert serial() == good_serial  # the old version, still signed
    assert signatures(f"www.{ZONE}.", "A")
    assert ask(f"late.{ZONE}.", "A").rcode() == dns.rcode.NXDOMAIN
    sign = server.dns("sign-now", ZONE, check=False)
    assert sign.returncode == 1 and ".private" in sign.stdout + sign.stderr
    # The keys come back: the change is signed and served.
    for away in keys_dir.glob("*.private.away"):
        away.rename(away.with_suffix(""))
    server.dns("reload")
    assert serial() == good_serial + 1
    assert ask(f"late.{ZONE}.", "A").rcode() == dns.rcode.NOERROR
    assert signatures(f"late.{ZONE}.", "A")


def test_ds_seen_confirms_the_first_ds_then_refuses(server):
    """The server made the zone's first KSK, so its DS is awaited until the operator (or a parent query)
    confirms it; a second confirmation has nothing to confirm."""
    assert "pending" in server.dns("keys", ZONE).stdout
    assert "seen" in server.dns("ds-seen", ZONE).stdout
    proc = server.dns("ds-seen", ZONE, check=False)
    assert proc.returncode == 1
    proc = server.dns("keys", "other.test", check=False)
    assert proc.returncode == 1 and "no zone other.test" in proc.stdout + proc.stderr
