"""NSD and Knot as secondaries of `danemail serve` (RFC 5936 AXFR, RFC 1995 IXFR, RFC 1996 NOTIFY, RFC 8945
TSIG), judged by what they serve and by unbound validating it.

On loopback, each on port 53 of its own address: danemail (127.2.0.1) signs example.test inline and lists
NSD (127.2.0.2) and Knot (127.2.0.3) as secondaries with one hmac-sha256 key. Checks: both pull the zone by
AXFR signed with the key; a transfer without the key from a secondary's address is refused; two unbounds
(127.2.0.4 stubbed to NSD, 127.2.0.5 to Knot) with the zone's KSK as trust anchor answer with AD; after the
zone file changes and danemail reloads (SIGHUP), its NOTIFY makes both fetch the change by IXFR (danemail
logs one line per transfer with its kind) and the new record validates through both unbounds. The primary is
hidden: the zone's NS RRset names only the two secondaries.
"""
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import require_tool, run

ZONE = "example.test"
PRIMARY, NSD_ADDRESS, KNOT_ADDRESS = "127.2.0.1", "127.2.0.2", "127.2.0.3"
UNBOUND_NSD, UNBOUND_KNOT = "127.2.0.4", "127.2.0.5"
TSIG_NAME = "xfr-key"
TSIG_SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="
TSIG = f"hmac-sha256:{TSIG_NAME}:{TSIG_SECRET}"
ZONE_TEXT = f"""$ORIGIN {ZONE}.
$TTL 300
@   IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@      NS  ns1
@      NS  ns2
@      MX  10 mx
ns1    A   127.2.0.2
ns2    A   127.2.0.3
mx     A   192.0.2.25
www    A   192.0.2.80
"""


def dig(server, *args, check=False):
    return run([require_tool("dig"), f"@{server}", "+norec", "+time=2", "+tries=1", *args], check=check,
               timeout=30).stdout


def wait_for(what, predicate, timeout=60, logs=()):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            text = "\n".join(f"--- {log}:\n{Path(log).read_text() if Path(log).exists() else ''}" for log in logs)
            pytest.fail(f"timed out waiting for {what}\n{text}")
        time.sleep(0.2)


class Processes:
    """Daemons started by this test, each stopped (SIGTERM, then SIGKILL) at the end."""

    def __init__(self):
        self.procs = []

    def start(self, args, log: Path):
        out = open(log, "w")
        proc = subprocess.Popen([str(a) for a in args], stdout=out, stderr=subprocess.STDOUT)
        out.close()
        self.procs.append(proc)
        return proc

    def stop_all(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)


def write_danemail(directory: Path, danemail) -> Path:
    (directory / "zone.db").write_text(ZONE_TEXT)
    keys = directory / "keys"
    run([danemail, "key", "generate", "--zone", ZONE, "--role", "ksk", "--dir", keys])
    run([danemail, "key", "generate", "--zone", ZONE, "--role", "zsk", "--dir", keys])
    (directory / "tsig.keys").write_text(
        f'key "{TSIG_NAME}" {{ algorithm hmac-sha256; secret "{TSIG_SECRET}"; }};\n')
    config = directory / "danemail.toml"
    config.write_text(f"""[dns]
listen = ["{PRIMARY}:53"]
workers = 1
state = "state"
tsig_keys = "tsig.keys"

[[dns.secondary]]
address = "{NSD_ADDRESS}"
key = "{TSIG_NAME}"

[[dns.secondary]]
address = "{KNOT_ADDRESS}"
key = "{TSIG_NAME}"

[[dns.zone]]
name = "{ZONE}"
file = "zone.db"
keys = "keys"
nsec3 = true
""")
    return config


def write_nsd(directory: Path) -> Path:
    directory.mkdir()
    (directory / "xfr").mkdir()
    config = directory / "nsd.conf"
    config.write_text(f"""server:
  ip-address: {NSD_ADDRESS}
  port: 53
  do-ip6: no
  server-count: 1
  username: ""
  chroot: ""
  database: ""
  zonesdir: "{directory}"
  pidfile: "{directory}/nsd.pid"
  xfrdfile: "{directory}/xfrd.state"
  zonelistfile: "{directory}/zone.list"
  xfrdir: "{directory}/xfr"
  verbosity: 2
  rrl-ratelimit: 0
remote-control:
  control-enable: no
key:
  name: "{TSIG_NAME}"
  algorithm: hmac-sha256
  secret: "{TSIG_SECRET}"
zone:
  name: "{ZONE}"
  zonefile: "{ZONE}.zone"
  outgoing-interface: {NSD_ADDRESS}
  request-xfr: {PRIMARY}@53 {TSIG_NAME}
  allow-notify: {PRIMARY} {TSIG_NAME}
""")
    return config


def write_knot(directory: Path) -> Path:
    directory.mkdir()
    config = directory / "knot.conf"
    config.write_text(f"""server:
    rundir: "{directory}"
    listen: {KNOT_ADDRESS}@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1

log:
  - target: stderr
    any: info

database:
    storage: "{directory}"
    journal-db: "{directory}/journal"
    kasp-db: "{directory}/kasp"
    timer-db: "{directory}/timer"

key:
  - id: {TSIG_NAME}
    algorithm: hmac-sha256
    secret: {TSIG_SECRET}

remote:
  - id: primary
    address: {PRIMARY}@53
    via: {KNOT_ADDRESS}
    key: {TSIG_NAME}

acl:
  - id: notify-from-primary
    address: {PRIMARY}
    key: {TSIG_NAME}
    action: notify

template:
  - id: default
    storage: "{directory}"
    zonefile-sync: -1
    journal-content: changes

zone:
  - domain: {ZONE}
    file: "{directory}/{ZONE}.zone"
    master: primary
    acl: notify-from-primary
""")
    return config


def write_unbound(directory: Path, address: str, secondary: str, anchor: Path) -> Path:
    directory.mkdir()
    config = directory / "unbound.conf"
    config.write_text(f"""server:
  interface: {address}
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  directory: "{directory}"
  pidfile: "{directory}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  val-log-level: 2
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  # RFC 6761 makes test. special: unbound answers it locally unless told otherwise.
  local-zone: "test." nodefault
  trust-anchor-file: "{anchor}"
  module-config: "validator iterator"
remote-control:
  control-enable: no
stub-zone:
  name: "{ZONE}"
  stub-addr: {secondary}@53
""")
    return config


def soa_serial(server):
    out = dig(server, f"{ZONE}.", "SOA", "+short").split()
    return int(out[2]) if len(out) >= 3 and out[2].isdigit() else None


def validated(resolver, name, expected):
    """True when `resolver` answers `name` A with `expected` and the AD flag."""
    out = dig(resolver, name, "A", "+dnssec", "+rec")
    flags = next((line for line in out.splitlines() if line.startswith(";; flags:")), ";; flags:;")
    return "ad" in flags.split("flags:")[1].split(";")[0].split() and expected in out


def test_nsd_and_knot_as_secondaries(danemail, tmp_path):
    for tool in ("nsd", "knotd", "unbound", "dig", "kdig"):
        require_tool(tool)
    procs = Processes()
    logs = [tmp_path / "danemail.log", tmp_path / "nsd.log", tmp_path / "knot.log", tmp_path / "unbound-nsd.log",
            tmp_path / "unbound-knot.log"]
    try:
        primary = procs.start([danemail, "serve", "-c", write_danemail(tmp_path, danemail)], logs[0])
        wait_for("danemail to serve", lambda: soa_serial(PRIMARY) is not None, logs=logs[:1])
        serial = soa_serial(PRIMARY)

        procs.start([require_tool("nsd"), "-d", "-c", write_nsd(tmp_path / "nsd")], logs[1])
        procs.start([require_tool("knotd"), "-c", write_knot(tmp_path / "knot")], logs[2])
        # Both pull the zone by AXFR, signed with the key.
        for address in (NSD_ADDRESS, KNOT_ADDRESS):
            wait_for(f"{address} to serve serial {serial}", lambda a=address: soa_serial(a) == serial, logs=logs)
            wait_for(f"danemail to log the AXFR to {address}",
                     lambda a=address: f"transfer to {a}: {ZONE}. AXFR serial {serial}" in logs[0].read_text(),
                     timeout=10, logs=logs[:1])

        # Without the key a transfer is refused, even from a secondary's address.
        for address in (NSD_ADDRESS, KNOT_ADDRESS):
            out = run([require_tool("dig"), "-b", address, f"@{PRIMARY}", "+time=2", "+tries=1", f"{ZONE}.", "AXFR"],
                      check=False, timeout=30).stdout
            assert "Transfer failed" in out, out
        out = run([require_tool("kdig"), "-b", NSD_ADDRESS, f"@{PRIMARY}", "+timeout=2", "+retry=0", f"{ZONE}.",
                   "AXFR"], check=False, timeout=30)
        assert "REFUSED" in out.stdout + out.stderr, out.stdout + out.stderr
        assert f"transfer refused: peer {NSD_ADDRESS}, zone {ZONE}., AXFR: not TSIG-signed" in logs[0].read_text()

        # What NSD and Knot serve validates through unbound, with the zone's KSK as trust anchor.
        keys = dig(PRIMARY, f"{ZONE}.", "DNSKEY", "+noall", "+answer", check=True)
        anchor = tmp_path / "anchor.keys"
        anchor.write_text("\n".join(line for line in keys.splitlines() if "DNSKEY\t257 " in line) + "\n")
        assert "257" in anchor.read_text(), keys
        for address, secondary, log in ((UNBOUND_NSD, NSD_ADDRESS, logs[3]), (UNBOUND_KNOT, KNOT_ADDRESS, logs[4])):
            name = "unbound-nsd" if secondary == NSD_ADDRESS else "unbound-knot"
            config = write_unbound(tmp_path / name, address, secondary, anchor)
            procs.start([require_tool("unbound"), "-d", "-c", config], log)
        for resolver in (UNBOUND_NSD, UNBOUND_KNOT):
            wait_for(f"{resolver} to validate www.{ZONE}", lambda r=resolver: validated(r, f"www.{ZONE}.", "192.0.2.80"),
                     timeout=30, logs=logs)

        # A change: the zone file gains a record, danemail reloads, signs a new version with a higher serial,
        # keeps the difference in its journal and sends NOTIFY; both secondaries fetch it by IXFR.
        (tmp_path / "zone.db").write_text(ZONE_TEXT + "new    A   192.0.2.99\n")
        primary.send_signal(signal.SIGHUP)
        wait_for("danemail to serve the new record",
                 lambda: "192.0.2.99" in dig(PRIMARY, f"new.{ZONE}.", "A", "+short"), timeout=30, logs=logs[:1])
        new_serial = soa_serial(PRIMARY)
        assert new_serial != serial
        for address in (NSD_ADDRESS, KNOT_ADDRESS):
            wait_for(f"{address} to serve serial {new_serial}", lambda a=address: soa_serial(a) == new_serial,
                     timeout=30, logs=logs)
            assert "192.0.2.99" in dig(address, f"new.{ZONE}.", "A", "+short")
            log = logs[0].read_text()
            assert f"NOTIFY {ZONE}. serial {new_serial} to {address}:53: acknowledged" in log, log
            assert f"transfer to {address}: {ZONE}. IXFR serial {new_serial} (client {serial})" in log, log
        for resolver in (UNBOUND_NSD, UNBOUND_KNOT):
            wait_for(f"{resolver} to validate new.{ZONE}",
                     lambda r=resolver: validated(r, f"new.{ZONE}.", "192.0.2.99"), timeout=30, logs=logs)
        assert "IXFR" in logs[2].read_text(), logs[2].read_text()  # Knot logs the kind of each transfer

        # TSIG on ordinary queries (secondaries sign their SOA refresh queries): a signed answer over UDP
        # and TCP, which kdig verifies.
        for transport in ("+notcp", "+tcp"):
            out = run([require_tool("kdig"), "-y", TSIG, "-b", NSD_ADDRESS, f"@{PRIMARY}", f"{ZONE}.", "SOA",
                       transport], check=False, timeout=30)
            text = out.stdout + out.stderr
            assert "NOERROR" in text and "hostmaster" in text, text
            assert "WARNING" not in text and "ERROR:" not in text, text
    finally:
        procs.stop_all()
