"""`danemail serve` judged by dig, kdig and delv over loopback (RFC 1034 §4.3.2, RFC 4035 §3.1, RFC 5155 §7.2,
RFC 6891, RFC 7766, RFC 1035 §4.2).

A zone with a KSK and a ZSK is signed in memory by `danemail serve` (NSEC3) and served on 127.0.0.1 at a free
high port over UDP and TCP, and on ::1. Checks: AA answers, RRSIGs with DO, NXDOMAIN with NSEC3 proof, TCP, the question's
case echoed, REFUSED for other zones, FORMERR for a malformed packet (raw socket), BADVERS with an OPT for EDNS
version 1, NOTIMP for an unknown opcode, TC=1 with a small EDNS buffer and without EDNS (512 bytes) then a TCP
retry, TCP pipelining (kdig +keepopen, raw sockets, a signed AXFR and queries on one connection), a 65535 length
prefix with a short body, a flood of 600 connections held under the cap while UDP answers on, AXFR only to the
allowed address with its TSIG key (dnssec-verify judges what arrived),
delv "fully validated" with the zone's KSK as trust anchor, SIGHUP reload (a broken zone keeps the old one
serving), a config error naming file:line, and SIGTERM ending the process with status 0 within a few seconds.
"""
import os
import random
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

from conftest import require_tool, run

ZONE = "example.test"
BIG_TXT = "\n".join(f'big TXT "{chr(97 + i) * 200}"' for i in range(12))
ZONE_TEXT = f"""$ORIGIN {ZONE}.
$TTL 3600
@   IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@      NS  ns1
@      MX  10 mx
@      A   192.0.2.1
ns1    A   192.0.2.53
mx     A   192.0.2.25
www    A   192.0.2.80
{BIG_TXT}
"""


def free_port():
    """A high port free for UDP and TCP on 127.0.0.1 and ::1 right now (the server retries if it is taken)."""
    for _ in range(50):
        port = random.randint(20000, 60000)
        try:
            for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    with socket.socket(family, kind) as s:
                        s.bind((address, port))
            return port
        except OSError:
            continue
    pytest.fail("no free port on 127.0.0.1")


# The TSIG key (RFC 8945) the secondary at 127.0.0.2 signs its transfers with.
TSIG_NAME = "xfr-key"
TSIG_SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="
TSIG_KEY_TEXT = f'key "{TSIG_NAME}" {{ algorithm hmac-sha256; secret "{TSIG_SECRET}"; }};\n'


def write_setup(directory: Path, danemail, port: int, zone_text: str = ZONE_TEXT):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "zone.db").write_text(zone_text)
    keys = directory / "keys"
    if not keys.exists():
        run([danemail, "key", "generate", "--zone", ZONE, "--role", "ksk", "--dir", keys])
        run([danemail, "key", "generate", "--zone", ZONE, "--role", "zsk", "--dir", keys])
    (directory / "tsig.keys").write_text(TSIG_KEY_TEXT)
    config = directory / "danemail.toml"
    config.write_text(f"""[dns]
listen = ["127.0.0.1:{port}", "[::1]:{port}"]
workers = 2
state = "state"
tsig_keys = "tsig.keys"

[[dns.secondary]]
address = "127.0.0.2"
key = "{TSIG_NAME}"
notify = false

[[dns.zone]]
name = "{ZONE}"
file = "zone.db"
keys = "keys"
nsec3 = true
validity = "14d"
""")
    return config


def dig(port, *args, check=True):
    return run([require_tool("dig"), "@127.0.0.1", "-p", port, "+norec", "+time=2", "+tries=1", *args],
               check=check, timeout=30).stdout


class Server:
    def __init__(self, danemail, directory: Path):
        self.danemail = danemail
        self.directory = directory
        self.proc = None
        self.port = None
        self.log = directory / "serve.log"

    def start(self):
        for _ in range(5):  # a port taken between free_port() and bind: pick another
            self.port = free_port()
            config = write_setup(self.directory, self.danemail, self.port)
            log = open(self.log, "w")
            self.proc = subprocess.Popen([self.danemail, "serve", "-c", config], stdout=log,
                                         stderr=subprocess.STDOUT)
            log.close()
            if self.wait_ready():
                return self
            self.stop()
            if "Address already in use" not in self.log.read_text():
                break
        pytest.fail(f"danemail serve did not start:\n{self.log.read_text()}")

    def wait_ready(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            out = dig(self.port, f"{ZONE}.", "SOA", "+short", check=False)
            if "hostmaster" in out:
                return True
            time.sleep(0.1)
        return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(danemail, tmp_path_factory):
    srv = Server(danemail, tmp_path_factory.mktemp("serve"))
    try:
        yield srv.start()
    finally:
        srv.stop()


def test_authoritative_answer(server):
    out = dig(server.port, f"www.{ZONE}.", "A")
    assert "status: NOERROR" in out
    assert " aa" in out.split("flags:")[1].split(";")[0]
    assert "192.0.2.80" in out
    assert "RRSIG" not in out  # no DO, no signatures (RFC 4035 §3.1)


def test_dnssec_answer_carries_rrsig(server):
    out = dig(server.port, f"www.{ZONE}.", "A", "+dnssec")
    assert "192.0.2.80" in out
    assert "RRSIG\tA 13" in out or "RRSIG A 13" in out


def test_nxdomain_with_nsec3_proof(server):
    out = dig(server.port, f"nothere.{ZONE}.", "A", "+dnssec")
    assert "status: NXDOMAIN" in out
    assert "IN\tNSEC3\t1 0 0 -" in out or "NSEC3 1 0 0 -" in out
    assert "RRSIG\tNSEC3" in out or "RRSIG NSEC3" in out
    assert "IN\tSOA" in out


def test_tcp_and_kdig(server):
    out = dig(server.port, f"www.{ZONE}.", "A", "+tcp")
    assert "192.0.2.80" in out and "status: NOERROR" in out
    kdig = run([require_tool("kdig"), "@127.0.0.1", "-p", server.port, "+tcp", "+dnssec", f"mx.{ZONE}.", "A"],
               timeout=30).stdout
    assert "192.0.2.25" in kdig and "RRSIG" in kdig
    kdig = run([require_tool("kdig"), "@127.0.0.1", "-p", server.port, "+notcp", f"{ZONE}.", "MX"],
               timeout=30).stdout
    assert "10 mx.example.test." in kdig.lower()


class FramedReader:
    """Length-prefixed messages from a TCP socket (RFC 1035 §4.2.2), buffered across reads."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def next(self):
        while len(self.buf) < 2 or len(self.buf) < 2 + struct.unpack("!H", self.buf[:2])[0]:
            chunk = self.sock.recv(65535)
            assert chunk, "connection closed early"
            self.buf += chunk
        n = struct.unpack("!H", self.buf[:2])[0]
        message, self.buf = self.buf[2:2 + n], self.buf[2 + n:]
        return message


def test_tcp_pipelining_in_one_connection(server):
    """Three queries written at once on one connection, three answers; RFC 7766 §6.2.1.1 lets them come in any
    order."""
    def query(qid, name):
        wire = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
        for label in name.split("."):
            wire += bytes([len(label)]) + label.encode()
        wire += b"\x00" + struct.pack("!HH", 1, 1)
        return struct.pack("!H", len(wire)) + wire

    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(query(1, "www." + ZONE) + query(2, "mx." + ZONE) + query(3, "nx." + ZONE))
        ids = []
        buf = b""
        while len(ids) < 3:
            chunk = s.recv(65535)
            assert chunk, "connection closed early"
            buf += chunk
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]
                ids.append((struct.unpack("!H", buf[2:4])[0], buf[5] & 0x0F))
                buf = buf[2 + n:]
    assert sorted(ids) == [(1, 0), (2, 0), (3, 3)]


def test_kdig_several_queries_on_one_tcp_connection(server):
    """kdig +tcp +keepopen sends its queries over one connection (RFC 7766 §6.2.1): every one answered."""
    out = run([require_tool("kdig"), "@127.0.0.1", "-p", server.port, "+tcp", "+keepopen", "+norec",
               f"www.{ZONE}.", "A", f"mx.{ZONE}.", "A", f"{ZONE}.", "MX", f"nx.{ZONE}.", "A"], timeout=30).stdout
    assert "192.0.2.80" in out and "192.0.2.25" in out and "10 mx.example.test." in out.lower()
    assert out.count("status: NOERROR") == 3 and out.count("status: NXDOMAIN") == 1, out
    assert out.count("(TCP)") == 4, out


def test_signed_axfr_and_queries_pipelined_on_one_connection(server):
    """A TSIG-signed AXFR from the secondary's address followed at once by two SOA queries on the same
    connection: the transfer arrives whole and signed, and both queries are answered, in whatever order the
    server chose (RFC 7766 §6.2.1.1)."""
    import dns.message
    import dns.rdatatype
    import dns.tsigkeyring

    keyring = dns.tsigkeyring.from_text({TSIG_NAME: ("hmac-sha256", TSIG_SECRET)})
    axfr = dns.message.make_query(f"{ZONE}.", "AXFR", want_dnssec=False)
    axfr.id = 0x0A0A
    axfr.use_tsig(keyring, keyname=TSIG_NAME, algorithm="hmac-sha256")
    axfr_wire = axfr.to_wire()
    soas = []
    for qid in (1, 2):
        q = dns.message.make_query(f"{ZONE}.", "SOA")
        q.id = qid
        soas.append(q.to_wire())
    data = b"".join(struct.pack("!H", len(w)) + w for w in [axfr_wire] + soas)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", server.port))
        s.sendall(data)
        reader = FramedReader(s)
        soa_ids, records, soa_in_transfer, ctx = set(), 0, 0, None
        while soa_in_transfer < 2 or len(soa_ids) < 2:
            wire = reader.next()
            qid = struct.unpack("!H", wire[:2])[0]
            if qid == 0x0A0A:
                message = dns.message.from_wire(wire, keyring=keyring, request_mac=axfr.mac, xfr=True,
                                                origin=None, tsig_ctx=ctx, multi=ctx is not None)
                ctx = message.tsig_ctx
                assert message.rcode() == 0
                for rrset in message.answer:
                    records += len(rrset)
                    if rrset.rdtype == dns.rdatatype.SOA:
                        soa_in_transfer += len(rrset)
            else:
                answer = dns.message.from_wire(wire)
                assert answer.rcode() == 0 and answer.answer[0].rdtype == dns.rdatatype.SOA
                soa_ids.add(qid)
    assert soa_ids == {1, 2}
    assert records > 20  # the whole signed zone between its two SOAs


def test_edns_version_1_gets_badvers(server):
    """RFC 6891 §6.1.3: an EDNS version we do not implement gets BADVERS, with an OPT of the version we do."""
    out = dig(server.port, f"www.{ZONE}.", "A", "+edns=1", "+noednsneg", check=False)
    assert "status: BADVERS" in out, out
    assert "OPT PSEUDOSECTION" in out and "EDNS: version: 0" in out, out
    assert "192.0.2.80" not in out


def test_unknown_opcode_gets_notimp(server):
    """An opcode the server does not implement (3 is unassigned) gets NOTIMP (RFC 1035 §4.1.1)."""
    import dns.message
    import dns.rcode

    query = bytearray(dns.message.make_query(f"www.{ZONE}.", "A").to_wire())
    query[2] = (query[2] & 0x87) | (3 << 3)  # the opcode bits of the flags
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(bytes(query), ("127.0.0.1", server.port))
        reply, _ = s.recvfrom(4096)
    assert reply[:2] == query[:2]
    assert reply[2] & 0x80  # QR
    assert (reply[2] >> 3) & 0x0F == 3  # the opcode echoed
    assert reply[3] & 0x0F == dns.rcode.NOTIMP


def test_no_edns_truncates_to_512_then_tcp(server):
    """Without EDNS a UDP answer is at most 512 bytes (RFC 1035 §4.2.1); one that does not fit has TC=1 and dig
    retries over TCP, where the whole answer arrives (RFC 7766 §5)."""
    out = dig(server.port, f"big.{ZONE}.", "TXT", "+noedns", "+ignore")
    assert " tc" in out.split("flags:")[1].split(";")[0], out
    assert "OPT PSEUDOSECTION" not in out
    size = int(out.split("MSG SIZE  rcvd:")[1].split()[0])
    assert size <= 512, out
    out = dig(server.port, f"big.{ZONE}.", "TXT", "+noedns")  # dig retries over TCP
    assert "status: NOERROR" in out and "Truncated, retrying in TCP mode" in out, out
    assert out.count("\tTXT\t") == 12


def test_ipv6_loopback_udp_and_tcp(server):
    for transport in ("+notcp", "+tcp"):
        out = run([require_tool("dig"), "@::1", "-p", server.port, "+norec", "+time=2", "+tries=1", transport,
                   "+dnssec", f"www.{ZONE}.", "A"], timeout=30).stdout
        assert "192.0.2.80" in out and "RRSIG" in out and "status: NOERROR" in out


def test_zero_length_tcp_closes(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"\x00\x00")
        assert s.recv(10) == b""  # closed, nothing answered


def test_huge_length_prefix_then_close(server):
    """A length prefix of 65535 followed by a few bytes and a close (RFC 7766 §8 bad input): the server drops that
    connection, stays up, and answers the next client."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"\xff\xff" + b"short body")
        try:
            assert s.recv(10) == b""  # closed, nothing answered
        except ConnectionResetError:
            pass
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"\xff\xff" + b"short body")  # and a client that gives up first
    assert server.proc.poll() is None
    assert "192.0.2.80" in dig(server.port, f"www.{ZONE}.", "A", "+short", "+tcp")


def open_sockets(pid):
    """How many sockets the process holds (an fd may close while we look)."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except FileNotFoundError:
            pass
    return count


def test_flood_of_tcp_connections_is_capped(server):
    """600 TCP connections at once (the server caps them at 512, RFC 7766 §6.2.2): the excess are closed, the
    server never holds more than the cap, UDP answers on meanwhile, and TCP works again afterwards."""
    cap = 512
    before = open_sockets(server.proc.pid)
    clients = []
    try:
        for _ in range(600):
            clients.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        assert "192.0.2.80" in dig(server.port, f"www.{ZONE}.", "A", "+short")  # UDP, during the flood
        query = struct.pack("!HHHHHH", 7, 0, 1, 0, 0, 0) + b"\x03www\x07example\x04test\x00" + \
            struct.pack("!HH", 1, 1)
        answered = 0
        for c in clients:
            try:
                c.sendall(struct.pack("!H", len(query)) + query)
                if c.recv(2):
                    answered += 1
            except (ConnectionResetError, BrokenPipeError, socket.timeout):
                pass
        held = open_sockets(server.proc.pid) - before
        assert 0 < answered <= cap, answered
        assert held <= cap, held
        assert "192.0.2.80" in dig(server.port, f"www.{ZONE}.", "A", "+short")
    finally:
        for c in clients:
            c.close()
    deadline = time.monotonic() + 10
    while open_sockets(server.proc.pid) > before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.proc.poll() is None
    assert "192.0.2.80" in dig(server.port, f"www.{ZONE}.", "A", "+short", "+tcp")


def test_question_case_preserved(server):
    out = dig(server.port, f"WwW.ExAmPle.TeSt.", "A")
    assert ";WwW.ExAmPle.TeSt.\t\tIN\tA" in out
    assert "192.0.2.80" in out


def test_refused_for_other_zone(server):
    out = dig(server.port, "www.example.org.", "A")
    assert "status: REFUSED" in out


def test_formerr_for_malformed_packet(server):
    # QDCOUNT=1 but the question stops inside its first label.
    packet = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x03ww"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(packet, ("127.0.0.1", server.port))
        reply, _ = s.recvfrom(4096)
    qid, flags = struct.unpack("!HH", reply[:4])
    assert qid == 0x1234
    assert flags & 0x8000  # QR
    assert flags & 0x000F == 1  # FORMERR


def test_garbage_never_stops_the_server(server):
    """Random datagrams and TCP streams (bounded: 2000 and 50): FORMERR or silence, and the server answers on."""
    rng = random.Random(3)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _ in range(2000):
            s.sendto(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 600))), ("127.0.0.1", server.port))
    for _ in range(50):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as t:
            t.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
    assert server.proc.poll() is None
    assert "192.0.2.80" in dig(server.port, f"www.{ZONE}.", "A", "+short")
    assert "192.0.2.80" in dig(server.port, f"www.{ZONE}.", "A", "+short", "+tcp")


def test_small_edns_buffer_truncates_then_tcp(server):
    out = dig(server.port, f"big.{ZONE}.", "TXT", "+dnssec", "+bufsize=512", "+ignore")
    assert " tc" in out.split("flags:")[1].split(";")[0]
    out = dig(server.port, f"big.{ZONE}.", "TXT", "+dnssec", "+bufsize=512")  # dig retries over TCP
    assert "status: NOERROR" in out
    assert out.count("\tTXT\t") == 12


def test_delv_fully_validated(server):
    ksk = None
    for key in (server.directory / "keys").glob("*.key"):
        for line in key.read_text().splitlines():
            fields = line.split()
            if not line.startswith(";") and "DNSKEY" in fields and fields[fields.index("DNSKEY") + 1] == "257":
                i = fields.index("DNSKEY")
                ksk = (fields[i + 1], fields[i + 2], fields[i + 3], "".join(fields[i + 4:]))
    assert ksk, "no KSK written"
    anchor = server.directory / "anchor.conf"
    anchor.write_text(f'trust-anchors {{ "{ZONE}." static-key {ksk[0]} {ksk[1]} {ksk[2]} "{ksk[3]}"; }};\n')
    delv = require_tool("delv")
    for name, rtype in ((f"www.{ZONE}", "A"), (f"big.{ZONE}", "TXT"), (f"nothere.{ZONE}", "A"),
                        (f"www.{ZONE}", "AAAA")):
        proc = run([delv, "@127.0.0.1", "-p", server.port, "-a", anchor, f"+root={ZONE}", name, rtype],
                   check=False, timeout=30)
        out = proc.stdout + proc.stderr
        assert "fully validated" in out, out  # delv exits 0 even when validation fails


def test_axfr_only_to_allowed_address(server):
    """AXFR (RFC 5936) to 127.0.0.2 signed with its TSIG key (RFC 8945): dig and kdig verify every signed
    message, and dnssec-verify accepts what arrived. Refused without the key, and refused with the key from an
    address that is not the secondary's."""
    tsig = f"hmac-sha256:{TSIG_NAME}:{TSIG_SECRET}"
    out = run([require_tool("dig"), "-y", tsig, "-b", "127.0.0.2", "@127.0.0.1", "-p", server.port, f"{ZONE}.",
               "AXFR"], timeout=30).stdout
    assert "Transfer failed" not in out and "; TSIG error" not in out, out
    transferred = server.directory / "axfr.zone"
    # dig prints each message's TSIG record (class ANY), which is no zone data.
    transferred.write_text("\n".join(line for line in out.splitlines() if "\tANY\tTSIG\t" not in line))
    verify = run([require_tool("dnssec-verify"), "-o", ZONE, transferred], timeout=60)
    assert "Zone fully signed" in verify.stdout + verify.stderr
    kdig = run([require_tool("kdig"), "-y", tsig, "-b", "127.0.0.2", "@127.0.0.1", "-p", server.port,
                f"{ZONE}.", "AXFR"], timeout=30)
    assert "NSEC3PARAM" in kdig.stdout and "big.example.test." in kdig.stdout
    # kdig verifies every message's TSIG and says so when one fails.
    assert "ERROR:" not in kdig.stdout + kdig.stderr and "WARNING" not in kdig.stdout + kdig.stderr, kdig
    unsigned = run([require_tool("dig"), "-b", "127.0.0.2", "@127.0.0.1", "-p", server.port, "+time=2",
                    "+tries=1", f"{ZONE}.", "AXFR"], check=False, timeout=30).stdout
    assert "Transfer failed" in unsigned, unsigned
    other_address = run([require_tool("dig"), "-y", tsig, "@127.0.0.1", "-p", server.port, "+time=2", "+tries=1",
                         f"{ZONE}.", "AXFR"], check=False, timeout=30).stdout
    assert "Transfer failed" in other_address, other_address
    log = server.log.read_text()
    assert "transfer refused: peer 127.0.0.1" in log and "not TSIG-signed" in log, log


def test_reload_and_sigterm(danemail, tmp_path):
    srv = Server(danemail, tmp_path / "reload").start()
    try:
        zone = srv.directory / "zone.db"
        zone.write_text(ZONE_TEXT + "new A 192.0.2.99\n")
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while "192.0.2.99" not in dig(srv.port, f"new.{ZONE}.", "A", "+short", check=False):
            assert time.monotonic() < deadline, srv.log.read_text()
            time.sleep(0.1)
        # A broken zone file on reload: the old zone keeps serving and the error is reported.
        zone.write_text(ZONE_TEXT + "broken A not-an-address\n")
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while "reload failed" not in srv.log.read_text():
            assert time.monotonic() < deadline, srv.log.read_text()
            time.sleep(0.1)
        assert "192.0.2.99" in dig(srv.port, f"new.{ZONE}.", "A", "+short")

        # An idle TCP connection must not hold up the shutdown.
        idle = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        started = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(timeout=5) == 0
        assert time.monotonic() - started < 5
        idle.close()
    finally:
        srv.stop()


def test_config_errors_name_file_and_line(danemail, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[dns]\nlisten = ["127.0.0.1:5353"]\nworkers = "two"\n')
    proc = run([danemail, "serve", "-c", config], check=False, timeout=30)
    assert proc.returncode == 2
    assert f"{config}:3" in proc.stderr and "workers" in proc.stderr
    config.write_text('[dns]\nlisten = ["localhost"]\n[[dns.zone]]\nname = "a.test"\nfile = "z"\nkeys = "k"\n')
    proc = run([danemail, "serve", "-c", config], check=False, timeout=30)
    assert proc.returncode == 2 and "listen address 'localhost'" in proc.stderr
