"""Zone signing judged by real tools (RFC 4033-4035, RFC 5155, RFC 9276, RFC 6605, RFC 5702, RFC 8080).

Forward: danemail generates keys and signs test zones (NSEC; NSEC3 with and without opt-out, with salt and
iterations; every algorithm we sign with; KSK+ZSK and CSK); dnssec-verify, ldns-verify-zone, kzonecheck,
named-checkzone and `danemail zone verify` must all accept the result, and a structural check (records kept,
NSEC/NSEC3 owner set, parameters, TTLs, nothing signed below a cut) must pass. A record changed after signing
must make danemail's verifier, dnssec-verify and ldns-verify-zone fail.
Reverse: zones signed by dnssec-signzone, ldns-signzone and kzonesign must pass `danemail zone verify`; broken
zones made from them (expired signatures, a broken NSEC/NSEC3 chain, a type bitmap listing a type that is
not there, a missing NSEC3 at an empty non-terminal, a missing signature, a wrong trust anchor) must fail it.
Keys from dnssec-keygen must sign with danemail. The peers first sign the same fixture zones and all judges
accept them, so a failure here is danemail's, not the fixture's. Every judge tool is required: a missing tool
fails the test (tools/install-deps.sh installs them).
"""
import base64
import time
from pathlib import Path

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rdtypes.ANY.NSEC3
import dns.zone
import pytest

from conftest import require_tool, run

DNSSEC_TYPES = {dns.rdatatype.RRSIG, dns.rdatatype.NSEC, dns.rdatatype.NSEC3, dns.rdatatype.NSEC3PARAM,
                dns.rdatatype.DNSKEY}
ALGORITHM_NUMBERS = {"ecdsap256": 13, "ecdsap384": 14, "rsasha256": 8, "ed25519": 15}
BIND_ALGORITHMS = {"ecdsap256": "ECDSAP256SHA256", "ecdsap384": "ECDSAP384SHA384", "rsasha256": "RSASHA256",
                   "ed25519": "ED25519"}
KNOT_ALGORITHMS = {"ecdsap256": "ecdsap256sha256", "ecdsap384": "ecdsap384sha384", "rsasha256": "rsasha256",
                   "ed25519": "ed25519"}
SOA_MINIMUM = 300  # NSEC/NSEC3 TTL = min(SOA TTL, SOA MINIMUM) = 300 (RFC 9077 §3.2, RFC 4034 §4, RFC 5155 §3)


# ---------------------------------------------------------------------------------------------------------
# Fixture zones
# ---------------------------------------------------------------------------------------------------------

def zone_text(origin: str, edge: bool = False) -> str:
    """A zone exercising what signing must get right. `edge` adds RFC 3597 unknown types and odd labels."""
    text = f"""$ORIGIN {origin}
$TTL 3600
@               IN SOA  ns1 hostmaster 2024010101 7200 3600 1209600 {SOA_MINIMUM}
@                  NS   ns1
@                  NS   ns2.example.net.
@                  MX   10 mx
@                  A    192.0.2.1
@                  AAAA 2001:db8::1
@                  TXT  "v=spf1 mx -all"
@                  CAA  0 issue "ca.example.net"
ns1                A    192.0.2.53
ns1                AAAA 2001:db8::53
mx                 A    192.0.2.25
mx                 AAAA 2001:db8::25
_25._tcp.mx        TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
_submission._tcp   SRV  0 1 587 mx
www         600    CNAME host
alias              CNAME www.example.net.
host               A    192.0.2.80
host               A    192.0.2.81
host               AAAA 2001:db8::80
host               TXT  "a host with several types" "and two strings"
MixedCase          A    192.0.2.82
*.wild             A    192.0.2.99
*.wild             TXT  "synthesised from the wildcard"
a.b.ent            TXT  "below two empty non-terminals"
; secure delegation: DS in the parent, in-bailiwick glue
secure             NS   ns.secure
secure             DS   12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.secure          A    192.0.2.100
ns.secure          AAAA 2001:db8::100
; insecure delegations: in-bailiwick glue, out-of-zone name servers, sibling glue, below an ENT
insecure           NS   ns.insecure
ns.insecure        A    192.0.2.101
outside            NS   ns1.example.net.
outside            NS   ns2.example.net.
sib1               NS   ns.sib2
sib2               NS   ns.sib2
ns.sib2            A    192.0.2.102
deep.ent2          NS   ns.deep.ent2
ns.deep.ent2       A    192.0.2.103
"""
    for i in range(1, 13):
        text += f"h{i:02d}  300  A  198.51.100.{i}\n"
    if edge:
        text += rf"""unknown            TYPE65280 \# 4 0a000001
unknown            TYPE65281 \# 0
dot\.inside        A    192.0.2.120
x\032space         TXT  "a label with a space"
UPPER.Sub          TXT  "upper case owner"
long               TXT  "{"7" * 255}" "x"
"""
    return text


def write_zone(directory: Path, origin: str, edge: bool = False) -> Path:
    path = directory / f"{origin.rstrip('.')}.zone"
    path.write_text(zone_text(origin, edge))
    return path


def load(path, origin: str) -> dns.zone.Zone:
    return dns.zone.from_file(str(path), origin, relativize=False, check_origin=False)


def save(zone: dns.zone.Zone, path: Path) -> Path:
    with open(path, "w") as f:
        zone.to_file(f, relativize=False, sorted=True, want_origin=False)
    return path


# ---------------------------------------------------------------------------------------------------------
# Judges
# ---------------------------------------------------------------------------------------------------------

def judge_command(judge: str, origin: str, path, danemail=None, csk=False):
    if judge == "danemail":
        return [danemail, "zone", "verify", "--zone", origin, path]
    if judge == "dnssec-verify":
        # A zone whose only key is a CSK (SEP flag) needs -z: "all records signed with KSKs".
        return [require_tool("dnssec-verify"), *(["-z"] if csk else []), "-o", origin, path]
    if judge == "ldns-verify-zone":
        return [require_tool("ldns-verify-zone"), "-V", "3", path]
    if judge == "kzonecheck":
        return [require_tool("kzonecheck"), "-o", origin, "-d", "on", path]
    if judge == "named-checkzone":
        return [require_tool("named-checkzone"), origin, path]
    raise AssertionError(judge)


JUDGES = ["danemail", "dnssec-verify", "ldns-verify-zone", "kzonecheck", "named-checkzone"]
PEER_JUDGES = JUDGES[1:]


def accepts(judge, origin, path, danemail=None, csk=False):
    proc = run(judge_command(judge, origin, path, danemail, csk), check=False, timeout=300)
    return proc.returncode == 0, f"{judge} exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"


def assert_accepts(judge, origin, path, danemail=None, csk=False):
    ok, message = accepts(judge, origin, path, danemail, csk)
    assert ok, f"{judge} rejected {path}:\n{message}"


def assert_rejects(judge, origin, path, danemail=None, csk=False):
    ok, message = accepts(judge, origin, path, danemail, csk)
    assert not ok, f"{judge} accepted the broken zone {path}:\n{message}"


# ---------------------------------------------------------------------------------------------------------
# danemail's signer: keys, signing, the matrix of cases
# ---------------------------------------------------------------------------------------------------------

# id: (algorithm, csk, nsec3 parameters or None, edge zone)
CASES = {
    "p256-nsec": ("ecdsap256", False, None, False),
    "p256-nsec3": ("ecdsap256", False, {"iterations": 0, "salt": "", "opt_out": False}, False),
    "p256-nsec3-optout": ("ecdsap256", False, {"iterations": 0, "salt": "", "opt_out": True}, False),
    "p256-nsec3-salt": ("ecdsap256", False, {"iterations": 5, "salt": "aabbccdd", "opt_out": False}, False),
    "p256-csk-nsec": ("ecdsap256", True, None, False),
    "p384-nsec3": ("ecdsap384", False, {"iterations": 0, "salt": "", "opt_out": False}, False),
    "p384-csk-nsec": ("ecdsap384", True, None, False),
    "rsa-nsec": ("rsasha256", False, None, False),
    "rsa-csk-nsec3-optout-salt": ("rsasha256", True, {"iterations": 3, "salt": "0f1e2d3c4b5a", "opt_out": True},
                                  False),
    "ed25519-nsec": ("ed25519", False, None, False),
    "ed25519-csk-nsec3": ("ed25519", True, {"iterations": 0, "salt": "", "opt_out": False}, False),
    "edge-nsec": ("ecdsap256", False, None, True),
    "edge-nsec3": ("ecdsap256", False, {"iterations": 0, "salt": "", "opt_out": False}, True),
}


def danemail_generate_keys(danemail, origin, keydir: Path, algorithm, csk):
    keydir.mkdir(parents=True, exist_ok=True)
    roles = ["csk"] if csk else ["ksk", "zsk"]
    for role in roles:
        run([danemail, "key", "generate", "--zone", origin, "--role", role, "--algorithm", algorithm,
             "--dir", keydir])
    keys = sorted(keydir.glob("K*.key"))
    assert len(keys) == len(roles), f"expected {len(roles)} key files in {keydir}, found {keys}"
    return keys


def nsec3_args(nsec3):
    if nsec3 is None:
        return []
    args = ["--nsec3"]
    if nsec3["iterations"] or nsec3["salt"]:
        args += ["--iterations", str(nsec3["iterations"]), "--salt", nsec3["salt"] or "-"]
    if nsec3["opt_out"]:
        args += ["--opt-out"]
    return args


def danemail_sign(danemail, origin, keydir, zonefile, out, nsec3=None, extra=()):
    run([danemail, "zone", "sign", "--zone", origin, "--keys", keydir, *nsec3_args(nsec3), *extra,
         "--out", out, zonefile])
    assert Path(out).exists(), f"danemail zone sign wrote no {out}"
    return Path(out)


class Signed:
    def __init__(self, case, origin, keydir, zonefile, out):
        self.case, self.origin, self.keydir, self.zonefile, self.out = case, origin, keydir, zonefile, out
        self.algorithm, self.csk, self.nsec3, self.edge = CASES[case]


@pytest.fixture(scope="module")
def signed_by_danemail(danemail, tmp_path_factory):
    """signed_by_danemail(case) signs that case once per module and returns a Signed."""
    root = tmp_path_factory.mktemp("danemail-signed")
    cache = {}

    def get(case):
        if case not in cache:
            algorithm, csk, nsec3, edge = CASES[case]
            origin = f"{case}.test."
            work = root / case
            work.mkdir()
            zonefile = write_zone(work, origin, edge)
            danemail_generate_keys(danemail, origin, work / "keys", algorithm, csk)
            out = danemail_sign(danemail, origin, work / "keys", zonefile, work / "signed.zone", nsec3)
            cache[case] = Signed(case, origin, work / "keys", zonefile, out)
        return cache[case]
    return get


@pytest.mark.parametrize("judge", JUDGES)
@pytest.mark.parametrize("case", list(CASES))
def test_danemail_signed_zone_is_accepted(signed_by_danemail, danemail, case, judge):
    s = signed_by_danemail(case)
    assert_accepts(judge, s.origin, s.out, danemail, csk=s.csk)


# ---------------------------------------------------------------------------------------------------------
# Structure of a signed zone, checked directly (what the verifiers do not all check)
# ---------------------------------------------------------------------------------------------------------

class ZoneShape:
    """Names of an unsigned zone: cuts, occluded names, authoritative names, empty non-terminals."""

    def __init__(self, zone: dns.zone.Zone, origin: dns.name.Name):
        self.origin = origin
        names = set(zone.nodes)
        self.cuts = {n for n in names if n != origin and zone[n].get_rdataset(dns.rdataclass.IN, dns.rdatatype.NS)}
        self.secure_cuts = {n for n in self.cuts if zone[n].get_rdataset(dns.rdataclass.IN, dns.rdatatype.DS)}
        self.insecure_cuts = self.cuts - self.secure_cuts
        self.occluded = {n for n in names if any(n != c and n.is_subdomain(c) for c in self.cuts)}
        self.authoritative = names - self.occluded  # includes the cuts themselves
        self.ents = set()
        for n in self.authoritative:
            parent = n.parent()
            while parent != origin and parent.is_subdomain(origin):
                if parent not in names:
                    self.ents.add(parent)
                parent = parent.parent()
        # ENTs with something below them other than insecure delegations (RFC 5155 §7.1: only those are
        # required under opt-out).
        self.ents_needed_with_opt_out = {e for e in self.ents
                                         if any(n.is_subdomain(e) for n in self.authoritative - self.insecure_cuts)}


def nsec3_owner(name: dns.name.Name, origin: dns.name.Name, salt: str, iterations: int) -> dns.name.Name:
    label = dns.dnssec.nsec3_hash(name, salt or None, iterations, 1).lower()
    return dns.name.Name((label.encode(),) + origin.labels)


def rdatasets(zone, name):
    node = zone.get_node(name)
    return list(node.rdatasets) if node else []


@pytest.mark.parametrize("case", list(CASES))
def test_danemail_signed_zone_structure(signed_by_danemail, case):
    s = signed_by_danemail(case)
    origin = dns.name.from_text(s.origin)
    unsigned = load(s.zonefile, s.origin)
    signed = load(s.out, s.origin)
    shape = ZoneShape(unsigned, origin)
    problems = []

    # 1. Every record of the input is in the output, with its TTL; nothing else apart from DNSSEC records
    #    (the SOA serial may change).
    for name, node in unsigned.nodes.items():
        for rds in node.rdatasets:
            out = signed.get_rdataset(name, rds.rdtype)
            if out is None:
                problems.append(f"{name} {dns.rdatatype.to_text(rds.rdtype)} missing from the signed zone")
                continue
            if rds.rdtype == dns.rdatatype.SOA:
                a, b = rds[0], out[0]
                same = (a.mname, a.rname, a.refresh, a.retry, a.expire, a.minimum) == \
                       (b.mname, b.rname, b.refresh, b.retry, b.expire, b.minimum)
            else:
                same = set(rds) == set(out)
            if not same or rds.ttl != out.ttl:
                problems.append(f"{name} {dns.rdatatype.to_text(rds.rdtype)} changed: {rds} -> {out}")
    for name, node in signed.nodes.items():
        for rds in node.rdatasets:
            if rds.rdtype not in DNSSEC_TYPES and unsigned.get_rdataset(name, rds.rdtype) is None:
                problems.append(f"unexpected {name} {dns.rdatatype.to_text(rds.rdtype)} in the signed zone")

    # 2. Keys: the DNSKEY RRset holds exactly the key files' keys; a SEP key signs it.
    key_tags = {}
    for keyfile in s.keydir.glob("K*.key"):
        tag = int(keyfile.name.rsplit("+", 1)[1].split(".")[0])
        key_tags[tag] = keyfile
    dnskeys = signed.get_rdataset(origin, dns.rdatatype.DNSKEY)
    if dnskeys is None:
        pytest.fail("no DNSKEY RRset at the apex")
    tags = {dns.dnssec.key_id(k): k for k in dnskeys}
    if set(tags) != set(key_tags):
        problems.append(f"DNSKEY tags {sorted(tags)} differ from the key files' {sorted(key_tags)}")
    if {k.algorithm for k in dnskeys} != {ALGORITHM_NUMBERS[s.algorithm]}:
        problems.append(f"DNSKEY algorithms {[int(k.algorithm) for k in dnskeys]} for {s.algorithm}")
    sep = {t for t, k in tags.items() if k.flags & 1}
    zsk = {t for t, k in tags.items() if not k.flags & 1}
    if s.csk and (len(sep) != 1 or zsk):
        problems.append(f"CSK case: expected one key with flags 257, got {[k.flags for k in dnskeys]}")
    if not s.csk and (len(sep) != 1 or len(zsk) != 1):
        problems.append(f"KSK+ZSK case: expected flags 257 and 256, got {[k.flags for k in dnskeys]}")
    dnskey_sigs = signed.get_rdataset(origin, dns.rdatatype.RRSIG, dns.rdatatype.DNSKEY)
    if not dnskey_sigs or not ({sig.key_tag for sig in dnskey_sigs} & sep):
        problems.append("the DNSKEY RRset is not signed by the KSK/CSK")

    # 3. Signatures: none below a cut, none over a delegation's NS; other RRsets signed by the ZSK (or the
    #    CSK) with the RRset's TTL as original TTL and as the RRSIG's TTL (RFC 4034 §3).
    signer_tags = zsk if zsk else sep
    for name, node in signed.nodes.items():
        for rds in node.rdatasets:
            if rds.rdtype == dns.rdatatype.RRSIG:
                covered = signed.get_rdataset(name, rds.covers)
                if covered is None:
                    problems.append(f"{name} RRSIG covers absent {dns.rdatatype.to_text(rds.covers)}")
                elif name in shape.occluded:
                    problems.append(f"{name} is below a zone cut but has an RRSIG")
                elif name in shape.cuts and rds.covers == dns.rdatatype.NS:
                    problems.append(f"{name}: delegation NS RRset is signed")
                else:
                    if rds.ttl != covered.ttl or any(sig.original_ttl != covered.ttl for sig in rds):
                        problems.append(f"{name} RRSIG {dns.rdatatype.to_text(rds.covers)}: TTL {rds.ttl}, "
                                        f"original TTL {[sig.original_ttl for sig in rds]}, RRset TTL {covered.ttl}")
                    if rds.covers != dns.rdatatype.DNSKEY and not ({sig.key_tag for sig in rds} & signer_tags):
                        problems.append(f"{name} {dns.rdatatype.to_text(rds.covers)} not signed by the "
                                        f"{'CSK' if s.csk else 'ZSK'}")
            elif name in shape.occluded or (name in shape.cuts and rds.rdtype in (dns.rdatatype.NS,)):
                continue
            elif not signed.get_rdataset(name, dns.rdatatype.RRSIG, rds.rdtype):
                problems.append(f"{name} {dns.rdatatype.to_text(rds.rdtype)} has no RRSIG")

    # 4. Denial of existence: the exact owner set, parameters and TTLs.
    soa = signed.get_rdataset(origin, dns.rdatatype.SOA)
    negative_ttl = min(soa.ttl, soa[0].minimum)
    nsecs = {n: node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NSEC) for n, node in signed.nodes.items()}
    nsecs = {n: r for n, r in nsecs.items() if r}
    nsec3s = {n: node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NSEC3) for n, node in signed.nodes.items()}
    nsec3s = {n: r for n, r in nsec3s.items() if r}
    param = signed.get_rdataset(origin, dns.rdatatype.NSEC3PARAM)
    if s.nsec3 is None:
        if nsec3s or param:
            problems.append("NSEC zone has NSEC3 or NSEC3PARAM records")
        if set(nsecs) != shape.authoritative:
            problems.append(f"NSEC owners differ from the authoritative names: missing "
                            f"{sorted(map(str, shape.authoritative - set(nsecs)))}, extra "
                            f"{sorted(map(str, set(nsecs) - shape.authoritative))}")
        bad_ttl = {str(n): r.ttl for n, r in nsecs.items() if r.ttl != negative_ttl}
        if bad_ttl:
            problems.append(f"NSEC TTLs {bad_ttl} should be min(SOA TTL, SOA MINIMUM) = {negative_ttl}")
    else:
        iterations, salt, opt_out = s.nsec3["iterations"], s.nsec3["salt"], s.nsec3["opt_out"]
        if nsecs:
            problems.append(f"NSEC3 zone has NSEC records at {sorted(map(str, nsecs))[:5]}")
        if param is None or len(param) != 1:
            problems.append("no single NSEC3PARAM at the apex")
        else:
            p = param[0]
            # RFC 5155 §4.1.2: NSEC3PARAM flags are zero (opt-out lives in NSEC3 only).
            if (p.algorithm, p.flags, p.iterations, p.salt.hex()) != (1, 0, iterations, salt.lower()):
                problems.append(f"NSEC3PARAM {p} should be 1 0 {iterations} {salt or '-'}")
        for n, rds in nsec3s.items():
            for r in rds:
                if (r.algorithm, r.iterations, r.salt.hex()) != (1, iterations, salt.lower()):
                    problems.append(f"{n} NSEC3 parameters {r.algorithm} {r.iterations} {r.salt.hex()}")
                if bool(r.flags & 1) != opt_out:
                    problems.append(f"{n} NSEC3 opt-out flag {r.flags & 1}, wanted {int(opt_out)}")
            if rds.ttl != negative_ttl:
                problems.append(f"{n} NSEC3 TTL {rds.ttl} should be min(SOA TTL, SOA MINIMUM) = {negative_ttl}")
        owners = set(nsec3s)

        def hashed(names):
            return {nsec3_owner(n, origin, salt, iterations): n for n in names}
        if opt_out:
            required = hashed((shape.authoritative - shape.insecure_cuts) | shape.ents_needed_with_opt_out)
            allowed = hashed(shape.authoritative | shape.ents)
            forbidden = hashed(shape.insecure_cuts)
            missing = set(required) - owners
            extra = owners - set(allowed)
            # RFC 5155 §7.1 lets opted-out delegations have an NSEC3; leaving them out is what opt-out is for,
            # and what BIND, ldns and Knot do.
            present_forbidden = owners & set(forbidden)
            if present_forbidden:
                problems.append(f"opt-out zone has NSEC3 for insecure delegations "
                                f"{sorted(str(forbidden[h]) for h in present_forbidden)}")
        else:
            required = hashed(shape.authoritative | shape.ents)
            missing = set(required) - owners
            extra = owners - set(required)
        if missing:
            problems.append(f"no NSEC3 for {sorted(str(required[h]) for h in missing)}")
        if extra:
            problems.append(f"{len(extra)} NSEC3 records match no name of the zone")

    assert not problems, "signed zone problems:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------------------------------------------
# Tampering with danemail's output
# ---------------------------------------------------------------------------------------------------------

def replace_rdata(zone, name, rdtype, old_text, new_text, origin):
    """Changes one record of an RRset in place, leaving its RRSIG as it was."""
    o = dns.name.from_text(origin)
    name = dns.name.from_text(name, o)
    rds = zone.find_rdataset(name, rdtype)
    old = dns.rdata.from_text(dns.rdataclass.IN, rdtype, old_text, origin=o, relativize=False)
    new = dns.rdata.from_text(dns.rdataclass.IN, rdtype, new_text, origin=o, relativize=False)
    assert old in rds, f"{name} {dns.rdatatype.to_text(rdtype)} has no {old_text}: {rds}"
    rds.remove(old)
    rds.add(new)


TAMPERS = {
    "a-address": ("host", dns.rdatatype.A, "192.0.2.80", "192.0.2.66"),
    "txt": ("@", dns.rdatatype.TXT, '"v=spf1 mx -all"', '"v=spf1 +all"'),
    "mx": ("@", dns.rdatatype.MX, "10 mx", "10 host"),
    "wildcard": ("*.wild", dns.rdatatype.A, "192.0.2.99", "192.0.2.98"),
    "ds": ("secure", dns.rdatatype.DS,
           "12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
           "12345 13 2 1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
}
TAMPER_CASES = ["p256-nsec", "p256-nsec3", "rsa-nsec", "ed25519-csk-nsec3"]


@pytest.mark.parametrize("tamper", list(TAMPERS))
@pytest.mark.parametrize("case", TAMPER_CASES)
def test_tampered_danemail_output_is_rejected(signed_by_danemail, danemail, tmp_path, case, tamper):
    s = signed_by_danemail(case)
    zone = load(s.out, s.origin)
    # Control: the same zone written back untouched is still accepted, so a rejection below is the change's.
    control = save(zone, tmp_path / "control.zone")
    assert_accepts("danemail", s.origin, control, danemail, s.csk)
    assert_accepts("dnssec-verify", s.origin, control, csk=s.csk)
    name, rdtype, old, new = TAMPERS[tamper]
    replace_rdata(zone, name, rdtype, old, new, s.origin)
    broken = save(zone, tmp_path / "tampered.zone")
    for judge in ("danemail", "dnssec-verify", "ldns-verify-zone"):
        assert_rejects(judge, s.origin, broken, danemail, s.csk)


# ---------------------------------------------------------------------------------------------------------
# Validity period, time of verification, trust anchor
# ---------------------------------------------------------------------------------------------------------

def utc(seconds):
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(seconds))


def test_validity_days_and_verify_time(danemail, tmp_path):
    origin = "validity.test."
    zonefile = write_zone(tmp_path, origin)
    danemail_generate_keys(danemail, origin, tmp_path / "keys", "ecdsap256", False)
    now = time.time()
    out = danemail_sign(danemail, origin, tmp_path / "keys", zonefile, tmp_path / "signed.zone",
                        {"iterations": 0, "salt": "", "opt_out": False}, extra=["--validity", "10"])
    zone = load(out, origin)
    expirations, inceptions = set(), set()
    for _, node in zone.nodes.items():
        for rds in node.rdatasets:
            if rds.rdtype == dns.rdatatype.RRSIG:
                expirations |= {sig.expiration for sig in rds}
                inceptions |= {sig.inception for sig in rds}
    day = 86400
    assert expirations and min(expirations) >= now + 9 * day and max(expirations) <= now + 11 * day, \
        f"--validity 10: expirations {utc(min(expirations))}..{utc(max(expirations))}, now {utc(now)}"
    assert max(inceptions) <= now + 60, f"inception {utc(max(inceptions))} is in the future (now {utc(now)})"
    assert_accepts("danemail", origin, out, danemail)
    run([danemail, "zone", "verify", "--zone", origin, "--time", utc(now + 5 * day), out])
    for when in (now + 12 * day, now + 3650 * day, min(inceptions) - 2 * day):
        proc = run([danemail, "zone", "verify", "--zone", origin, "--time", utc(when), out], check=False)
        assert proc.returncode != 0, f"danemail zone verify --time {utc(when)} accepted signatures valid " \
                                     f"{utc(min(inceptions))}..{utc(max(expirations))}"


def test_trust_anchor(danemail, tmp_path):
    origin = "anchor.test."
    zonefile = write_zone(tmp_path, origin)
    danemail_generate_keys(danemail, origin, tmp_path / "keys", "ecdsap256", False)
    out = danemail_sign(danemail, origin, tmp_path / "keys", zonefile, tmp_path / "signed.zone")
    ds = run([danemail, "key", "ds", "--zone", origin, "--dir", tmp_path / "keys"]).stdout
    assert " DS " in f" {ds} " or "\tDS\t" in ds, f"key ds printed no DS record:\n{ds}"
    (tmp_path / "ds").write_text(ds)
    run([danemail, "zone", "verify", "--zone", origin, "--anchor", tmp_path / "ds", out])
    # Another key's DS must not anchor this zone.
    danemail_generate_keys(danemail, origin, tmp_path / "other", "ecdsap256", True)
    other = run([danemail, "key", "ds", "--zone", origin, "--dir", tmp_path / "other"]).stdout
    (tmp_path / "other.ds").write_text(other)
    proc = run([danemail, "zone", "verify", "--zone", origin, "--anchor", tmp_path / "other.ds", out], check=False)
    assert proc.returncode != 0, "danemail zone verify accepted a zone under a DS of an unrelated key"


# ---------------------------------------------------------------------------------------------------------
# Keys made by dnssec-keygen, used by danemail's signer
# ---------------------------------------------------------------------------------------------------------

def bind_keygen(keydir: Path, origin, algorithm, csk=False):
    keydir.mkdir(parents=True, exist_ok=True)
    keygen = require_tool("dnssec-keygen")
    alg = BIND_ALGORITHMS[algorithm]
    size = ["-b", "2048"] if algorithm == "rsasha256" else []
    names = [run([keygen, "-q", "-K", keydir, "-a", alg, *size, "-f", "KSK", origin]).stdout.strip()]
    if not csk:
        names.append(run([keygen, "-q", "-K", keydir, "-a", alg, *size, origin]).stdout.strip())
    return [keydir / n for n in names]


@pytest.mark.parametrize("algorithm,csk,nsec3", [
    ("ecdsap256", False, True), ("ecdsap384", False, False), ("rsasha256", False, True),
    ("ed25519", False, False), ("ecdsap256", True, True)],
    ids=["p256-nsec3", "p384-nsec", "rsa-nsec3", "ed25519-nsec", "p256-csk-nsec3"])
def test_dnssec_keygen_keys_sign_with_danemail(danemail, tmp_path, algorithm, csk, nsec3):
    origin = "bindkeys.test."
    zonefile = write_zone(tmp_path, origin)
    bind_keygen(tmp_path / "keys", origin, algorithm, csk)
    out = danemail_sign(danemail, origin, tmp_path / "keys", zonefile, tmp_path / "signed.zone",
                        {"iterations": 0, "salt": "", "opt_out": False} if nsec3 else None)
    for judge in ("dnssec-verify", "ldns-verify-zone", "danemail"):
        assert_accepts(judge, origin, out, danemail, csk)


# ---------------------------------------------------------------------------------------------------------
# Zones signed by the peers: the fixtures are right, and danemail's verifier accepts them
# ---------------------------------------------------------------------------------------------------------

# id: (signer, algorithm, csk, nsec3 or None)
PEER_CASES = {
    "bind-p256-nsec": ("dnssec-signzone", "ecdsap256", False, None),
    "bind-p256-nsec3": ("dnssec-signzone", "ecdsap256", False, {"iterations": 0, "salt": "", "opt_out": False}),
    "bind-p256-nsec3-optout-salt": ("dnssec-signzone", "ecdsap256", False,
                                    {"iterations": 5, "salt": "aabbccdd", "opt_out": True}),
    "bind-rsa-nsec3": ("dnssec-signzone", "rsasha256", False, {"iterations": 0, "salt": "", "opt_out": False}),
    "bind-p384-nsec": ("dnssec-signzone", "ecdsap384", False, None),
    "bind-ed25519-csk-nsec": ("dnssec-signzone", "ed25519", True, None),
    "ldns-p256-nsec": ("ldns-signzone", "ecdsap256", False, None),
    "ldns-p256-nsec3": ("ldns-signzone", "ecdsap256", False, {"iterations": 0, "salt": "", "opt_out": False}),
    "ldns-rsa-nsec3-optout": ("ldns-signzone", "rsasha256", False, {"iterations": 0, "salt": "", "opt_out": True}),
    "ldns-ed25519-nsec3": ("ldns-signzone", "ed25519", False, {"iterations": 2, "salt": "beef", "opt_out": False}),
    "knot-p256-nsec3": ("kzonesign", "ecdsap256", False, {"iterations": 0, "salt": "", "opt_out": False}),
    "knot-p256-nsec": ("kzonesign", "ecdsap256", False, None),
    "knot-ed25519-csk-nsec3-optout": ("kzonesign", "ed25519", True, {"iterations": 0, "salt": "", "opt_out": True}),
}


def bind_sign(work: Path, origin, zonefile, algorithm, csk, nsec3, out_name="signed.zone", extra=()):
    keydir = work / "keys"
    if not keydir.exists():
        bind_keygen(keydir, origin, algorithm, csk)
    # -d: the dsset- file goes beside the keys, not into the current directory.
    args = [require_tool("dnssec-signzone"), "-q", "-S", "-K", keydir, "-d", work, "-o", origin, *extra]
    if csk:
        args.append("-z")
    if nsec3:
        args += ["-3", nsec3["salt"] or "-", "-H", str(nsec3["iterations"])]
        if nsec3["opt_out"]:
            args.append("-A")
    out = work / out_name
    run([*args, "-f", out, zonefile])
    return out


def ldns_sign(work: Path, origin, zonefile, algorithm, csk, nsec3):
    keys = bind_keygen(work / "keys", origin, algorithm, csk)
    args = [require_tool("ldns-signzone"), "-o", origin]
    if nsec3:
        args += ["-n", "-t", str(nsec3["iterations"])]
        if nsec3["salt"]:
            args += ["-s", nsec3["salt"]]
        if nsec3["opt_out"]:
            args.append("-p")
    out = work / "signed.zone"
    run([*args, "-f", out, zonefile, *keys])
    return out


def knot_config(work: Path, origin, zonefile, algorithm, csk, nsec3, threads=2):
    """kzonesign configuration as in shared/bench/peer-configs.md (YAML)."""
    storage = work / "knot"
    storage.mkdir(exist_ok=True)
    policy = [f"algorithm: {KNOT_ALGORITHMS[algorithm]}", f"signing-threads: {threads}",
              f"single-type-signing: {'on' if csk else 'off'}"]
    if nsec3:
        salt_length = len(nsec3["salt"]) // 2
        policy += ["nsec3: on", f"nsec3-iterations: {nsec3['iterations']}", f"nsec3-salt-length: {salt_length}",
                   f"nsec3-opt-out: {'on' if nsec3['opt_out'] else 'off'}"]
    else:
        policy.append("nsec3: off")
    indent = "\n    "
    conf = work / "knot.conf"
    conf.write_text(f"""server:
  rundir: "{storage}"
database:
  storage: "{storage}"
policy:
  - id: judge
    {indent.join(policy)}
template:
  - id: default
    storage: "{storage}"
zone:
  - domain: {origin}
    file: "{zonefile}"
    dnssec-signing: on
    dnssec-policy: judge
""")
    return conf


def knot_sign(work: Path, origin, zonefile, algorithm, csk, nsec3):
    conf = knot_config(work, origin, zonefile, algorithm, csk, nsec3)
    outdir = work / "knot-out"
    outdir.mkdir(exist_ok=True)
    run([require_tool("kzonesign"), "-c", conf, "-o", outdir, origin])  # the first run creates the keys
    produced = list(outdir.iterdir())
    assert len(produced) == 1, f"kzonesign wrote {produced}"
    return produced[0]


@pytest.fixture(scope="module")
def signed_by_peer(tmp_path_factory):
    root = tmp_path_factory.mktemp("peer-signed")
    cache = {}

    def get(case):
        if case not in cache:
            signer, algorithm, csk, nsec3 = PEER_CASES[case]
            origin = f"{case}.test."
            work = root / case
            work.mkdir()
            zonefile = write_zone(work, origin)
            sign = {"dnssec-signzone": bind_sign, "ldns-signzone": ldns_sign, "kzonesign": knot_sign}[signer]
            out = sign(work, origin, zonefile, algorithm, csk, nsec3)
            cache[case] = (origin, out, csk, work, zonefile)
        return cache[case]
    return get


@pytest.mark.parametrize("judge", PEER_JUDGES)
@pytest.mark.parametrize("case", list(PEER_CASES))
def test_fixture_signed_by_peer_passes_peer_judges(signed_by_peer, case, judge):
    """The fixture zones are right: each peer signs them and every peer judge accepts the result."""
    origin, out, csk, _, _ = signed_by_peer(case)
    assert_accepts(judge, origin, out, csk=csk)


@pytest.mark.parametrize("case", list(PEER_CASES))
def test_danemail_verifies_peer_signed_zone(signed_by_peer, danemail, case):
    origin, out, csk, _, _ = signed_by_peer(case)
    assert_accepts("danemail", origin, out, danemail, csk)


# ---------------------------------------------------------------------------------------------------------
# Broken zones that danemail's verifier must reject
# ---------------------------------------------------------------------------------------------------------

def zsk_signer(keydir: Path, origin):
    """(private key, DNSKEY rdata) of the ECDSA P-256 ZSK that bind_keygen made, for re-signing one RRset."""
    from cryptography.hazmat.primitives.asymmetric import ec
    for keyfile in keydir.glob("K*.key"):
        line = next(ln for ln in keyfile.read_text().splitlines() if ln and not ln.startswith(";"))
        rdata_text = line.split("DNSKEY", 1)[1]
        dnskey = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, rdata_text)
        if dnskey.flags & 1:
            continue
        private = keyfile.with_suffix(".private").read_text()
        b64 = next(ln.split(":", 1)[1].strip() for ln in private.splitlines() if ln.startswith("PrivateKey:"))
        scalar = int.from_bytes(base64.b64decode(b64), "big")
        return ec.derive_private_key(scalar, ec.SECP256R1()), dnskey
    raise AssertionError(f"no ZSK in {keydir}")


def resign(zone, name, rdtype, keydir, origin):
    """Replaces the RRSIG over (name, rdtype) with a fresh ZSK signature of the RRset as it is now."""
    key, dnskey = zsk_signer(keydir, origin)
    rds = zone.find_rdataset(name, rdtype)
    old = zone.find_rdataset(name, dns.rdatatype.RRSIG, rdtype)
    template = next(iter(old))
    sig = dns.dnssec.sign((name, rds), key, dns.name.from_text(origin), dnskey,
                          inception=template.inception, expiration=template.expiration)
    zone.delete_rdataset(name, dns.rdatatype.RRSIG, rdtype)
    zone.find_rdataset(name, dns.rdatatype.RRSIG, rdtype, create=True).update(
        dns.rdataset.from_rdata(rds.ttl, sig))


def delete_rrset(zone, name, rdtype):
    node = zone.find_node(name)
    assert node.get_rdataset(dns.rdataclass.IN, rdtype), f"{name} has no {dns.rdatatype.to_text(rdtype)}"
    zone.delete_rdataset(name, rdtype)
    zone.delete_rdataset(name, dns.rdatatype.RRSIG, rdtype)


def nsec3_chain(zone, origin):
    return {n: zone.find_rdataset(n, dns.rdatatype.NSEC3) for n, node in zone.nodes.items()
            if node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NSEC3)}


def next_owner(rdata, origin):
    label = base64.b32encode(rdata.next).decode().translate(
        str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV")).lower()
    return dns.name.Name((label.encode(),) + dns.name.from_text(origin).labels)


@pytest.fixture
def bind_zone(tmp_path):
    """bind_zone(nsec3) -> (origin, zone, keydir): a fresh dnssec-signzone P-256 zone to break."""
    def make(nsec3, origin="broken.test."):
        work = tmp_path / origin.rstrip(".")
        work.mkdir()
        zonefile = write_zone(work, origin)
        params = {"iterations": 0, "salt": "", "opt_out": False} if nsec3 else None
        out = bind_sign(work, origin, zonefile, "ecdsap256", False, params)
        return origin, load(out, origin), work / "keys"
    return make


def check_broken(danemail, origin, zone, path, peers_must_reject=("dnssec-verify", "kzonecheck")):
    """Writes the broken zone; the peers named must reject it (so the case really is broken: see
    test_editing_machinery_keeps_valid_zones_valid for the unbroken control), and so must danemail."""
    save(zone, path)
    for judge in peers_must_reject:  # the case really is broken, by a peer's judgement too
        assert_rejects(judge, origin, path)
    assert_rejects("danemail", origin, path, danemail)


def test_editing_machinery_keeps_valid_zones_valid(danemail, bind_zone, tmp_path):
    """Write-back and re-signing used by the broken cases below do not by themselves break a zone."""
    for nsec3 in (False, True):
        origin, zone, keydir = bind_zone(nsec3, origin=f"control{int(nsec3)}.test.")
        host = dns.name.from_text("host", dns.name.from_text(origin))
        resign(zone, host, dns.rdatatype.A, keydir, origin)
        path = save(zone, tmp_path / f"control{int(nsec3)}.zone")
        for judge in ("dnssec-verify", "ldns-verify-zone", "kzonecheck", "danemail"):
            assert_accepts(judge, origin, path, danemail)


def test_expired_signatures_are_rejected(danemail, tmp_path):
    origin = "expired.test."
    zonefile = write_zone(tmp_path, origin)
    out = bind_sign(tmp_path, origin, zonefile, "ecdsap256", False,
                    {"iterations": 0, "salt": "", "opt_out": False},
                    extra=["-s", "20200101000000", "-e", "20200201000000", "-P"])
    assert_rejects("dnssec-verify", origin, out)
    assert_rejects("danemail", origin, out, danemail)
    # Within its validity period the same zone is fine: the verdict above is about time.
    run([danemail, "zone", "verify", "--zone", origin, "--time", "20200115000000", out])


def test_signatures_not_yet_valid_or_expired_at_time_are_rejected(danemail, signed_by_peer):
    origin, out, csk, _, _ = signed_by_peer("bind-p256-nsec3")
    for when in ("20990101000000", "20000101000000"):
        proc = run([danemail, "zone", "verify", "--zone", origin, "--time", when, out], check=False)
        assert proc.returncode != 0, f"danemail zone verify --time {when} accepted {out}"


def test_missing_signature_is_rejected(danemail, bind_zone, tmp_path):
    origin, zone, _ = bind_zone(True)
    host = dns.name.from_text("host", dns.name.from_text(origin))
    zone.delete_rdataset(host, dns.rdatatype.RRSIG, dns.rdatatype.AAAA)
    check_broken(danemail, origin, zone, tmp_path / "broken.zone")


def test_broken_nsec_chain_is_rejected(danemail, bind_zone, tmp_path):
    origin, zone, _ = bind_zone(False)
    delete_rrset(zone, dns.name.from_text("mx", dns.name.from_text(origin)), dns.rdatatype.NSEC)
    check_broken(danemail, origin, zone, tmp_path / "broken.zone")


def test_broken_nsec3_chain_is_rejected(danemail, bind_zone, tmp_path):
    origin, zone, _ = bind_zone(True)
    o = dns.name.from_text(origin)
    delete_rrset(zone, nsec3_owner(dns.name.from_text("mx", o), o, "", 0), dns.rdatatype.NSEC3)
    check_broken(danemail, origin, zone, tmp_path / "broken.zone")


@pytest.mark.parametrize("nsec3", [False, True], ids=["nsec", "nsec3"])
def test_bitmap_listing_an_absent_type_is_rejected(danemail, bind_zone, tmp_path, nsec3):
    """The TXT RRset at host and its RRSIG are gone; the NSEC/NSEC3 there still lists TXT (signatures valid)."""
    origin, zone, _ = bind_zone(nsec3)
    delete_rrset(zone, dns.name.from_text("host", dns.name.from_text(origin)), dns.rdatatype.TXT)
    check_broken(danemail, origin, zone, tmp_path / "broken.zone")


def test_resigned_bitmap_missing_a_type_is_rejected(danemail, bind_zone, tmp_path):
    """host's NSEC bitmap loses AAAA and is re-signed: every signature is valid, only the bitmap is wrong."""
    origin, zone, keydir = bind_zone(False)
    host = dns.name.from_text("host", dns.name.from_text(origin))
    nsec = zone.find_rdataset(host, dns.rdatatype.NSEC)
    old = nsec[0]
    fields = old.to_text().split()
    assert "AAAA" in fields, fields
    new = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC, " ".join(f for f in fields if f != "AAAA"))
    nsec.remove(old)
    nsec.add(new)
    resign(zone, host, dns.rdatatype.NSEC, keydir, origin)
    check_broken(danemail, origin, zone, tmp_path / "broken.zone")


def test_missing_nsec3_at_empty_non_terminal_is_rejected(danemail, bind_zone, tmp_path):
    """The NSEC3 of the empty non-terminal b.ent and its RRSIG removed (the chain breaks there too)."""
    origin, zone, _ = bind_zone(True)
    o = dns.name.from_text(origin)
    delete_rrset(zone, nsec3_owner(dns.name.from_text("b.ent", o), o, "", 0), dns.rdatatype.NSEC3)
    check_broken(danemail, origin, zone, tmp_path / "broken.zone")


def test_missing_nsec3_at_empty_non_terminal_with_relinked_chain_is_rejected(danemail, bind_zone, tmp_path):
    """As above, but the previous NSEC3 now points past the removed one and is re-signed: the chain is whole
    and every signature valid; only the empty non-terminal b.ent has no NSEC3 (RFC 5155 §7.1)."""
    origin, zone, keydir = bind_zone(True)
    o = dns.name.from_text(origin)
    gone = nsec3_owner(dns.name.from_text("b.ent", o), o, "", 0)
    gone_next = zone.find_rdataset(gone, dns.rdatatype.NSEC3)[0].next
    chain = nsec3_chain(zone, origin)
    previous = [n for n, rds in chain.items() if next_owner(rds[0], origin) == gone]
    assert len(previous) == 1, f"no NSEC3 points at {gone}"
    prev_rds = chain[previous[0]]
    old = prev_rds[0]
    new = dns.rdtypes.ANY.NSEC3.NSEC3(old.rdclass, old.rdtype, old.algorithm, old.flags, old.iterations,
                                      old.salt, gone_next, old.windows)
    prev_rds.remove(old)
    prev_rds.add(new)
    resign(zone, previous[0], dns.rdatatype.NSEC3, keydir, origin)
    delete_rrset(zone, gone, dns.rdatatype.NSEC3)
    check_broken(danemail, origin, zone, tmp_path / "broken.zone")


def test_nsec3_missing_for_secure_delegation_under_opt_out_is_rejected(danemail, tmp_path):
    """Opt-out may skip insecure delegations, never a secure one (RFC 5155 §7.1): remove secure's NSEC3."""
    origin = "optout.test."
    zonefile = write_zone(tmp_path, origin)
    params = {"iterations": 0, "salt": "", "opt_out": True}
    out = bind_sign(tmp_path, origin, zonefile, "ecdsap256", False, params)
    assert_accepts("danemail", origin, out, danemail)
    zone = load(out, origin)
    o = dns.name.from_text(origin)
    delete_rrset(zone, nsec3_owner(dns.name.from_text("secure", o), o, "", 0), dns.rdatatype.NSEC3)
    check_broken(danemail, origin, zone, tmp_path / "broken.zone")


def test_unrelated_trust_anchor_is_rejected(danemail, signed_by_peer, tmp_path):
    origin, out, _, work, _ = signed_by_peer("bind-p256-nsec")
    ksk = next(k for k in (work / "keys").glob("K*.key") if " 257 " in k.read_text())
    ds = run([require_tool("dnssec-dsfromkey"), "-2", ksk]).stdout
    (tmp_path / "good.ds").write_text(ds)
    run([danemail, "zone", "verify", "--zone", origin, "--anchor", tmp_path / "good.ds", out])
    wrong = ds.split()
    wrong[-1] = ("0" if wrong[-1][0] != "0" else "1") + wrong[-1][1:]
    (tmp_path / "wrong.ds").write_text(" ".join(wrong) + "\n")
    proc = run([danemail, "zone", "verify", "--zone", origin, "--anchor", tmp_path / "wrong.ds", out], check=False)
    assert proc.returncode != 0, "danemail zone verify accepted a DS digest that matches no DNSKEY"
