"""Time travel (issue 3): a small signed hierarchy on loopback — the root zone and the TLD `tt.`, each served
by danemail, and unbound validating from the root — all three under libfaketime, sharing one clock that this
test moves forward an hour at a time for eight simulated days. The TLD runs short lifetimes: signatures valid
2 days and refreshed when under 1 day remains, a ZSK rolled every 3 days, the KSK after 4 days. The test
plays the registrar: when the TLD's CDS RRset changes, it puts the matching DS into the root zone (RFC 7344
§4, RFC 8078) and reloads the root; the TLD sees the change by asking the root for its DS (parents = [...]).

After every simulated hour unbound must validate a positive answer, an NXDOMAIN and the DNSKEY RRset: not one
failure is allowed, through re-signing, a ZSK pre-publication rollover and a double-DS KSK rollover.
"""
import os
import subprocess
import time
from pathlib import Path

import dns.dnssec
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from conftest import require_tool, run

ROOT_ADDRESS = "127.3.0.1"
TLD_ADDRESS = "127.3.0.2"
RESOLVER_ADDRESS = "127.3.0.53"
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
HOURS = 8 * 24
DS_TTL = 10800

ROOT_ZONE = """$TTL 86400
@ SOA a.root hostmaster 1 1800 900 604800 300
@ NS a.root
a.root A {root}
tt. NS ns.tt.
ns.tt. A {tld}
"""

TLD_ZONE = """$TTL 7200
@ 7200 SOA ns hostmaster 1 1800 900 604800 300
@ NS ns
ns A {tld}
www A 192.0.2.80
mx A 192.0.2.25
"""


def write_server(directory: Path, name: str, address: str, zone_text: str, extra: str):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "zone.db").write_text(zone_text)
    (directory / "danemail.toml").write_text(f"""[dns]
listen = ["{address}:53"]
workers = 1
state = "state"

[[dns.zone]]
name = "{name}"
file = "zone.db"
{extra}
""")
    return directory / "danemail.toml"


def query(server, name, rtype, want_dnssec=True):
    message = dns.message.make_query(name, rtype, want_dnssec=want_dnssec)
    message.flags |= dns.flags.RD if server == RESOLVER_ADDRESS else 0
    return dns.query.udp(message, server, timeout=3)


class Clock:
    """The shared fake clock: an offset in seconds from real time, in a file every faked process re-reads."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.set(0)

    def set(self, offset):
        self.offset = offset
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"+{offset}\n")
        os.replace(tmp, self.path)

    def env(self):
        env = dict(os.environ)
        env.update(LD_PRELOAD=LIBFAKETIME, FAKETIME_TIMESTAMP_FILE=str(self.path), FAKETIME_NO_CACHE="1",
                   FAKETIME_DONT_FAKE_MONOTONIC="1")
        return env


@pytest.fixture
def hierarchy(danemail, tmp_path):
    require_tool("unbound")
    assert Path(LIBFAKETIME).exists(), "faketime is not installed; run tools/install-deps.sh"
    clock = Clock(tmp_path / "faketime")
    procs = []

    root_dir, tld_dir = tmp_path / "root", tmp_path / "tt"
    # Keys made beforehand: the root's KSK is the trust anchor, the TLD's first KSK gets its DS in the root.
    for zone, directory in ((".", root_dir), ("tt.", tld_dir)):
        keys = directory / "state" / "keys" / ("root" if zone == "." else "tt")
        keys.mkdir(parents=True)
        run([danemail, "key", "generate", "--zone", zone, "--role", "ksk", "--dir", keys])
        run([danemail, "key", "generate", "--zone", zone, "--role", "zsk", "--dir", keys])
    root_ds = run([danemail, "key", "ds", "--zone", ".", "--dir", root_dir / "state/keys/root"]).stdout
    tld_ds = run([danemail, "key", "ds", "--zone", "tt.", "--dir", tld_dir / "state/keys/tt"]).stdout
    root_zone = ROOT_ZONE.format(root=ROOT_ADDRESS, tld=TLD_ADDRESS)
    root_config = write_server(root_dir, ".", ROOT_ADDRESS, root_zone + ds_lines(tld_ds),
                               'validity = "30d"\nrefresh = "10d"\nzsk_lifetime = 0\nksk_lifetime = 0')
    tld_config = write_server(tld_dir, "tt", TLD_ADDRESS, TLD_ZONE.format(tld=TLD_ADDRESS),
                              'nsec3 = true\nvalidity = "2d"\nrefresh = "1d"\nzsk_lifetime = "3d"\n'
                              f'ksk_lifetime = "4d"\nparents = ["{ROOT_ADDRESS}"]\nds_ttl = {DS_TTL}')

    resolver = tmp_path / "unbound"
    resolver.mkdir()
    (resolver / "root.hints").write_text(f". 3600000 NS a.root.\na.root. 3600000 A {ROOT_ADDRESS}\n")
    (resolver / "root.key").write_text(root_ds)
    (resolver / "unbound.conf").write_text(f"""server:
    interface: {RESOLVER_ADDRESS}
    port: 53
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    chroot: ""
    username: ""
    directory: "{resolver}"
    pidfile: "{resolver}/unbound.pid"
    logfile: "{resolver}/unbound.log"
    use-syslog: no
    verbosity: 1
    val-log-level: 2
    root-hints: "{resolver}/root.hints"
    trust-anchor-file: "{resolver}/root.key"
    module-config: "validator iterator"
    qname-minimisation: no
    harden-referral-path: no
remote-control:
    control-enable: no
""")

    def start(args, log):
        handle = open(log, "w")
        proc = subprocess.Popen([str(a) for a in args], stdout=handle, stderr=subprocess.STDOUT, env=clock.env())
        handle.close()
        procs.append(proc)
        return proc

    try:
        start([danemail, "serve", "-c", root_config], root_dir / "serve.log")
        start([danemail, "serve", "-c", tld_config], tld_dir / "serve.log")
        wait_for(lambda: answers(ROOT_ADDRESS, ".") and answers(TLD_ADDRESS, "tt."), "the two servers")
        start([require_tool("unbound"), "-d", "-c", resolver / "unbound.conf"], resolver / "stdout.log")
        wait_for(lambda: answers(RESOLVER_ADDRESS, "tt."), "unbound")
        yield dict(danemail=danemail, clock=clock, root=root_dir, tld=tld_dir, root_config=root_config,
                   tld_config=tld_config, root_zone=root_zone, resolver=resolver)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def ds_lines(text):
    """`danemail key ds` output (or CDS RDATA) as DS records for tt. with the test's DS TTL."""
    lines = []
    for line in text.splitlines():
        fields = line.split()
        if "DS" in fields:
            fields = fields[fields.index("DS") + 1:]
        if len(fields) >= 4:
            lines.append(f"tt. {DS_TTL} IN DS {' '.join(fields)}\n")
    return "".join(lines)


def answers(server, name):
    try:
        return query(server, name, "SOA", want_dnssec=False).rcode() == dns.rcode.NOERROR
    except Exception:  # noqa: BLE001 - not up yet
        return False


def wait_for(condition, what, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not come up"
        time.sleep(0.1)


def test_no_validation_failure_through_resigning_and_rollovers(hierarchy):
    danemail, clock = hierarchy["danemail"], hierarchy["clock"]
    root_zone_file = hierarchy["root"] / "zone.db"
    published_ds = None
    failures = []
    zsk_tags, ksk_tags, serials = set(), set(), set()

    for hour in range(1, HOURS + 1):
        clock.set(hour * 3600)
        time.sleep(0.35)  # the servers look at the clock every 0.2 s

        # The registrar: the TLD's CDS RRset, copied into the root as DS when it changed (RFC 8078 §3).
        cds = query(TLD_ADDRESS, "tt.", "CDS", want_dnssec=False)
        wanted = sorted(rdata.to_text() for rrset in cds.answer for rdata in rrset
                        if rrset.rdtype == dns.rdatatype.CDS)
        if wanted and wanted != published_ds:
            root_zone_file.write_text(hierarchy["root_zone"] + ds_lines("\n".join(wanted)))
            reply = run([danemail, "dns", "reload", "-c", hierarchy["root_config"]], check=False, timeout=30)
            assert reply.returncode == 0, reply.stdout + reply.stderr
            published_ds = wanted

        checks = (("www.tt.", "A", dns.rcode.NOERROR), ("missing.tt.", "A", dns.rcode.NXDOMAIN),
                  ("tt.", "DNSKEY", dns.rcode.NOERROR))
        for name, rtype, rcode in checks:
            response = query(RESOLVER_ADDRESS, name, rtype)
            if response.rcode() != rcode or not response.flags & dns.flags.AD:
                failures.append(f"hour {hour}: {name} {rtype}: {dns.rcode.to_text(response.rcode())}, "
                                f"AD={'yes' if response.flags & dns.flags.AD else 'no'}")
        keys = query(TLD_ADDRESS, "tt.", "DNSKEY", want_dnssec=False)
        for rrset in keys.answer:
            for rdata in rrset:
                (ksk_tags if rdata.flags & 1 else zsk_tags).add(dns.dnssec.key_id(rdata))
        soa = query(TLD_ADDRESS, "tt.", "SOA", want_dnssec=False)
        serials.add(soa.answer[0][0].serial)

    log = (hierarchy["tld"] / "serve.log").read_text()
    assert not failures, "\n".join(failures[:20]) + "\n--- tt. log ---\n" + log[-4000:] + "\n--- unbound ---\n" + \
        (hierarchy["resolver"] / "unbound.log").read_text()[-3000:]
    assert len(zsk_tags) >= 3, f"ZSKs seen {zsk_tags}: expected two rollovers in 8 days\n{log[-3000:]}"
    assert len(ksk_tags) >= 2, f"KSKs seen {ksk_tags}: expected a KSK rollover\n{log[-3000:]}"
    assert len(serials) >= 8, f"serials {sorted(serials)}: expected re-signing at least daily"
    keys = run([danemail, "dns", "keys", "tt", "-c", hierarchy["tld_config"]]).stdout
    assert "KSK" in keys and "ZSK" in keys
