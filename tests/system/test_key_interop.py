"""Key files interoperate with BIND 9 (RFC 4034 §5 DS, BIND's K<zone>+<alg>+<tag> file format).

Keys that dnssec-keygen writes are read by `danemail key ds` / `key list`, and the DS records agree with
dnssec-dsfromkey's. Keys that `danemail key generate` writes (algorithms 8, 13, 14, 15) are read by
dnssec-dsfromkey (same DS), sign a small zone with dnssec-signzone (smart signing with -S, and with explicit
key names), and the signed zone passes dnssec-verify.
"""
import stat

import pytest

from conftest import require_tool, run

ZONE = "example.com"

ZONE_TEXT = """$ORIGIN example.com.
$TTL 3600
@        IN SOA   ns1 hostmaster 2026112301 7200 3600 1209600 3600
@        IN NS    ns1
@        IN MX    10 mail
@        IN TXT   "v=spf1 mx -all"
ns1      IN A     192.0.2.53
mail     IN A     192.0.2.25
mail     IN AAAA  2001:db8::25
_25._tcp.mail IN TLSA 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6
www      IN CNAME mail
"""

DANEMAIL_ALGORITHMS = {"rsasha256": 8, "ecdsap256": 13, "ecdsap384": 14, "ed25519": 15}
BIND_ALGORITHMS = {"RSASHA256": 8, "ECDSAP256SHA256": 13, "ECDSAP384SHA384": 14, "ED25519": 15}


def ds_records(text):
    """DS lines as sorted lists of fields, so spacing and order do not matter."""
    return sorted(line.split() for line in text.splitlines() if line.strip())


def generate(danemail, keys, role, algorithm):
    out = run([danemail, "key", "generate", "--zone", ZONE, "--role", role, "--algorithm", algorithm,
               "--dir", keys]).stdout.strip()
    assert out.startswith(f"K{ZONE}.+{DANEMAIL_ALGORITHMS[algorithm]:03d}+"), out
    return out


def sign_and_verify(tmp_path, name, signzone_args, zone_text=ZONE_TEXT, verify_args=()):
    """Signs ZONE_TEXT with dnssec-signzone (arguments from `signzone_args(zone_file)`), checks the result
    with dnssec-verify and returns the signed zone's text."""
    signzone, verify = require_tool("dnssec-signzone"), require_tool("dnssec-verify")
    zone_file = tmp_path / f"{name}.zone"
    zone_file.write_text(zone_text)
    signed = tmp_path / f"{name}.signed"
    run([signzone, "-o", ZONE, "-f", signed, *signzone_args(zone_file)], cwd=tmp_path)
    run([verify, *verify_args, "-o", ZONE, signed])
    return signed.read_text()


@pytest.mark.parametrize("bind_algorithm", sorted(BIND_ALGORITHMS))
def test_bind_keys_are_read_by_danemail(danemail, tmp_path, bind_algorithm):
    keygen, dsfromkey = require_tool("dnssec-keygen"), require_tool("dnssec-dsfromkey")
    keys = tmp_path / "keys"
    keys.mkdir()
    ksk = run([keygen, "-a", bind_algorithm, "-f", "KSK", "-K", keys, ZONE]).stdout.strip()
    zsk = run([keygen, "-a", bind_algorithm, "-K", keys, ZONE]).stdout.strip()

    ours = run([danemail, "key", "ds", "--zone", ZONE, "--dir", keys]).stdout
    theirs = run([dsfromkey, "-2", keys / f"{ksk}.key"]).stdout
    assert ds_records(ours) == ds_records(theirs)
    assert len(ds_records(ours)) == 1  # the ZSK has no DS

    ours_all = run([danemail, "key", "ds", "--zone", ZONE.upper() + ".", "--dir", keys, "--digest", "all"]).stdout
    theirs_all = theirs + run([dsfromkey, "-a", "SHA-384", keys / f"{ksk}.key"]).stdout
    assert ds_records(ours_all) == ds_records(theirs_all)

    listing = run([danemail, "key", "list", "--zone", ZONE, "--dir", keys]).stdout
    rows = {line.split()[-1]: line.split() for line in listing.splitlines()[1:]}
    assert set(rows) == {ksk, zsk}
    algorithm = str(BIND_ALGORITHMS[bind_algorithm])
    assert rows[ksk][1:4] == ["ksk", algorithm, f"({bind_algorithm})"] and rows[ksk][4:6] == ["257", "yes"]
    assert rows[zsk][1:4] == ["zsk", algorithm, f"({bind_algorithm})"] and rows[zsk][4:6] == ["256", "yes"]


@pytest.mark.parametrize("algorithm", sorted(DANEMAIL_ALGORITHMS))
def test_danemail_keys_work_with_bind(danemail, tmp_path, algorithm):
    dsfromkey = require_tool("dnssec-dsfromkey")
    keys = tmp_path / "keys"  # created by `key generate`
    ksk = generate(danemail, keys, "ksk", algorithm)
    zsk = generate(danemail, keys, "zsk", algorithm)
    for base in (ksk, zsk):
        assert stat.S_IMODE((keys / f"{base}.private").stat().st_mode) == 0o600

    ours = run([danemail, "key", "ds", "--zone", ZONE, "--dir", keys, "--digest", "all"]).stdout
    theirs = (run([dsfromkey, "-2", keys / f"{ksk}.key"]).stdout +
              run([dsfromkey, "-a", "SHA-384", keys / f"{ksk}.key"]).stdout)
    assert ds_records(ours) == ds_records(theirs)

    ksk_tag, zsk_tag = int(ksk.rsplit("+", 1)[1]), int(zsk.rsplit("+", 1)[1])
    number = DANEMAIL_ALGORITHMS[algorithm]

    # Smart signing: dnssec-signzone finds the keys in -K by zone name and reads their timing metadata.
    smart = sign_and_verify(tmp_path, "smart", lambda zone_file: ["-S", "-K", keys, zone_file])
    # Explicit key names: the zone includes the .key files (BIND parses them as zone data), -k names the
    # KSK and the ZSK follows the zone file.
    includes = "".join(f"$INCLUDE {keys / base}.key\n" for base in (ksk, zsk))
    explicit = sign_and_verify(tmp_path, "explicit", lambda zone_file: ["-k", keys / ksk, zone_file, keys / zsk],
                               zone_text=ZONE_TEXT + includes)
    for signed in (smart, explicit):
        assert f"DNSKEY {number} 2 3600" in " ".join(signed.split())  # RRSIG over the DNSKEY RRset
        assert f" {ksk_tag} {ZONE}." in signed and f" {zsk_tag} {ZONE}." in signed


def test_danemail_csk_signs_alone(danemail, tmp_path):
    keys = tmp_path / "keys"
    csk = generate(danemail, keys, "csk", "ecdsap256")
    listing = run([danemail, "key", "list", "--zone", ZONE, "--dir", keys]).stdout
    assert listing.splitlines()[1].split()[1] == "csk"
    # -z: the KSK signs everything (there is no ZSK), for dnssec-signzone and dnssec-verify alike.
    signed = sign_and_verify(tmp_path, "csk", lambda zone_file: ["-S", "-z", "-K", keys, zone_file],
                             verify_args=["-z"])
    assert f" {int(csk.rsplit('+', 1)[1])} {ZONE}." in signed


def test_damaged_key_files_are_reported(danemail, tmp_path):
    keys = tmp_path / "keys"
    ksk = generate(danemail, keys, "ksk", "ecdsap256")
    other = generate(danemail, tmp_path / "other", "ksk", "ecdsap256")
    # Put another key's private part beside this key's public part.
    (keys / f"{ksk}.private").write_bytes((tmp_path / "other" / f"{other}.private").read_bytes())
    proc = run([danemail, "key", "ds", "--zone", ZONE, "--dir", keys], check=False)
    assert proc.returncode == 1
    assert "private key does not match public key in" in proc.stderr
    assert proc.stdout == ""
