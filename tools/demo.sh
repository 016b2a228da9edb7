#!/usr/bin/env bash
# `make demo`: the main job of issue 2 on embedded defaults, in a scratch directory, with nothing but this
# machine: keys for a demo zone, the zone signed with NSEC3, verified by danemail and by BIND's dnssec-verify,
# then the DS record for the parent and a TLSA record for the mail host's certificate.
# Usage: tools/demo.sh /path/to/danemail      (DEMO_KEEP=1 keeps the scratch directory)
set -euo pipefail
danemail=$(readlink -f "${1:?usage: tools/demo.sh DANEMAIL}")
work=$(mktemp -d "${TMPDIR:-/tmp}/danemail-demo.XXXXXX")
if [ "${DEMO_KEEP:-0}" = 1 ]; then echo "(keeping $work)"; else trap 'rm -rf "$work"' EXIT; fi
cd "$work"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "1. A zone for demo.test: mail host, a wildcard, a secure and an insecure delegation"
cat >demo.test.zone <<'ZONE'
$ORIGIN demo.test.
$TTL 3600
@           SOA   ns1 hostmaster ( 2026112301 7200 3600 1209600 300 )
            NS    ns1
            NS    ns2
            MX    10 mx
            TXT   "v=spf1 mx -all"
ns1         A     127.0.53.1
ns2         AAAA  ::1
mx          A     127.0.25.1
            AAAA  ::1
webmail     CNAME mx
*.users     TXT   "every user has a page"
child       NS    ns.child
            DS    12345 13 2 3f7b7f6e1cbe2e1e7d3a9f3f0bd83b5c4e6a1f0e2d4c6b8a9f0e1d2c3b4a5968
ns.child    A     127.0.53.2
legacy      NS    ns.legacy.example.
ZONE
show "$danemail" zone check --zone demo.test demo.test.zone

step "2. Keys: a KSK and a ZSK, ECDSA P-256 (algorithm 13), in BIND's key-file format"
show "$danemail" key generate --zone demo.test --role ksk --algorithm ecdsap256 --dir keys
show "$danemail" key generate --zone demo.test --role zsk --algorithm ecdsap256 --dir keys

step "3. Sign with NSEC3 (0 iterations, no salt, RFC 9276); the serial follows today's date"
show "$danemail" zone sign --zone demo.test --keys keys --nsec3 --serial date --out demo.test.signed demo.test.zone
grep -E '\s(SOA|RRSIG\s+MX|NSEC3PARAM)\s' demo.test.signed | cut -c1-110

step "4. Verify: danemail's verifier, then BIND's dnssec-verify as an independent judge"
show "$danemail" zone verify --zone demo.test demo.test.signed
show dnssec-verify -q -o demo.test demo.test.signed && echo "dnssec-verify: zone verified"

step "5. The DS record to hand to the parent zone (test.)"
show "$danemail" key ds --zone demo.test --dir keys

step "6. A certificate for mx.demo.test and its TLSA record (DANE-EE, SPKI, SHA-256) for SMTP on port 25"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout mx.key -out mx.crt \
    -subj /CN=mx.demo.test -days 90 2>/dev/null
show "$danemail" tlsa --cert mx.crt --host mx.demo.test
printf '\ndemo: done. Publish the TLSA line in the zone, sign again, and the DS at the parent.\n'
