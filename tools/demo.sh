#!/usr/bin/env bash
# `make demo`: the main job of issues 2 and 3 on embedded defaults, in a scratch directory, with nothing but
# this machine: keys for a demo zone, the zone signed with NSEC3, verified by danemail and by BIND's
# dnssec-verify, then the DS record for the parent and a TLSA record for the mail host's certificate; then the
# lab (a DNS Internet on loopback served by danemail) comes up, unbound and delv validate an answer from it,
# the bogus zone is refused, and the lab goes down again (also when a step fails). Each step is headed and
# explained in one line, shows the commands it runs, and stops the demo with a non-zero exit if it fails.
# Last, a provider of its own (issue 4): `danemail init` writes its configuration, certificate, signed zone
# with TLSA records and admin account; `danemail serve` runs its DNS and SMTP; swaks sends it a message over
# STARTTLS that openssl has verified against the published TLSA record; the message is in the INBOX.
# Usage: tools/demo.sh /path/to/danemail      (DEMO_KEEP=1 keeps the scratch directory and says where)
set -Eeuo pipefail

danemail=$(readlink -f "${1:?usage: tools/demo.sh DANEMAIL}")
[[ -x $danemail ]] || { echo "demo: $danemail is not an executable" >&2; exit 2; }
for tool in dnssec-verify openssl timeout dig delv unbound swaks; do
    command -v "$tool" >/dev/null || { echo "demo: $tool is missing; run tools/install-deps.sh" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/danemail-demo.XXXXXX")
lab_started=0
provider_pid=""
cleanup() {
    # A failing demo never leaves the lab or the provider running.
    if [[ $lab_started == 1 ]]; then timeout 60 "$danemail" lab down --dir "$work/lab" >/dev/null || true; fi
    if [[ -n $provider_pid ]]; then kill "$provider_pid" 2>/dev/null && wait "$provider_pid" 2>/dev/null || true; fi
    if [[ ${DEMO_KEEP:-0} == 1 ]]; then echo "demo: files kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
cd "$work"

number=0
title=""
step() {  # step TITLE EXPLANATION
    number=$((number + 1))
    title=$1
    printf '\n\033[1m== %d. %s\033[0m\n%s\n' "$number" "$1" "$2"
}
trap 'echo "demo: step $number ($title) FAILED" >&2' ERR
# show CMD...: prints the command, runs it with a time bound (each takes well under a second here).
show() { printf '$ %s\n' "$*"; timeout 120 "$@"; }

step "A zone for demo.test" \
     "Mail host, loopback addresses, a TXT, a CNAME, a wildcard, a signed child (glue, DS) and an unsigned one."
# The signed child's own key, so that the DS we publish for it is a real one.
timeout 60 "$danemail" key generate --zone child.demo.test --role csk --dir child-keys >/dev/null
child_ds=$(timeout 60 "$danemail" key ds --zone child.demo.test --dir child-keys | grep -m1 -E '\sDS\s')
cat >demo.test.zone <<ZONE
\$ORIGIN demo.test.
\$TTL 3600
@           SOA   ns1 hostmaster ( 2026112301 7200 3600 1209600 300 )
            NS    ns1
            NS    ns2
            MX    10 mx
            A     127.0.0.80
            AAAA  ::1
            TXT   "v=spf1 mx -all"
ns1         A     127.0.53.1
ns2         AAAA  ::1
mx          A     127.0.25.1
            AAAA  ::1
webmail     CNAME mx
*.users     TXT   "every user has a page"
; a signed child: delegation, in-bailiwick glue, and the DS that carries the chain of trust to it
child       NS    ns.child
ns.child    A     127.0.53.2
$child_ds
; an unsigned child: delegation and glue, no DS (an insecure delegation)
legacy      NS    ns.legacy
ns.legacy   A     127.0.53.3
ZONE
sed 's/^/    /' demo.test.zone
show "$danemail" zone check --zone demo.test demo.test.zone

step "Keys" "A KSK (signs the DNSKEY set; its DS goes to the parent) and a ZSK, ECDSA P-256, in BIND's key-file format."
show "$danemail" key generate --zone demo.test --role ksk --algorithm ecdsap256 --dir keys
show "$danemail" key generate --zone demo.test --role zsk --algorithm ecdsap256 --dir keys

step "Sign with NSEC3" "0 extra iterations and no salt (RFC 9276); the serial follows today's date."
show "$danemail" zone sign --zone demo.test --keys keys --nsec3 --serial date --out demo.test.signed demo.test.zone
grep -E '\s(SOA|NSEC3PARAM)\s|\sRRSIG\s+MX\s' demo.test.signed | cut -c1-110

step "Verify with danemail" "Every signature and its validity period, the DNSKEY set signed by the KSK, the NSEC3 chain."
show "$danemail" zone verify --zone demo.test demo.test.signed

step "Verify with BIND's dnssec-verify" "An independent implementation must agree that the zone is fully and correctly signed."
show dnssec-verify -q -o demo.test demo.test.signed
echo "dnssec-verify: zone verified"

step "The DS record for the parent" "Hand it to the parent zone (test.) so validators can follow the chain of trust to demo.test."
show "$danemail" key ds --zone demo.test --dir keys

step "A certificate for mx.demo.test and its TLSA record" \
     "DANE-EE, SPKI, SHA-256 (3 1 1) at _25._tcp.mx.demo.test: sending servers then require TLS with this key."
show openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout mx.key -out mx.crt \
    -subj /CN=mx.demo.test -addext subjectAltName=DNS:mx.demo.test -days 90 2>/dev/null
show "$danemail" tlsa --cert mx.crt --usage 3 --selector 1 --match 1 --port 25 --host mx.demo.test

step "The lab: a DNS Internet on loopback" \
     "Root, test., alpha.test (NSEC), beta.test (NSEC3), plain.test (no DS), broken.test (bogus), each served by danemail; unbound on 127.1.0.53."
lab_started=1
show "$danemail" lab up --dir "$work/lab"

step "Validated by unbound" "The lab's unbound follows the chain of trust from the lab root's anchor: the 'ad' flag says it validated."
answer=$(show dig @127.1.0.53 +dnssec +time=5 mx.alpha.test A)
echo "$answer" | grep -E '^(\$|;; ->>HEADER|;; flags|mx\.alpha\.test\.)'
echo "$answer" | grep -qE '^;; flags:[a-z ]* ad[ ;]' || { echo "demo: no ad flag in unbound's answer" >&2; false; }
tlsa=$(show dig @127.1.0.53 +dnssec +time=5 _25._tcp.mx.alpha.test TLSA)
echo "$tlsa" | grep -E '^(\$|;; flags|_25\._tcp)' | grep -v RRSIG
echo "$tlsa" | grep -qE '^;; flags:[a-z ]* ad[ ;]' || { echo "demo: TLSA answer not validated" >&2; false; }

step "Validated by delv" "BIND's validator, given only the lab root's trust anchor (delv.conf), must say 'fully validated'."
validated=$(show delv -a "$work/lab/delv.conf" @127.1.0.53 mx.alpha.test A 2>&1)
echo "$validated" | grep -v RRSIG
echo "$validated" | grep -q '; fully validated' || { echo "demo: delv did not validate" >&2; false; }

step "The bogus zone is refused" "broken.test has a corrupted signature over mx.broken.test A: unbound answers SERVFAIL, never the data."
bogus=$(show dig @127.1.0.53 +time=5 mx.broken.test A)
echo "$bogus" | grep -E '^(\$|;; ->>HEADER)'
echo "$bogus" | grep -q 'status: SERVFAIL' || { echo "demo: the bogus answer was not refused" >&2; false; }

step "Lab down" "Every server of the lab stops; its files (keys, zones, unbound.conf) stay for the next 'lab up'."
show "$danemail" lab down --dir "$work/lab"
lab_started=0

step "A provider of its own: danemail init" \
     "Configuration, mail host key and certificate, the zone with MX and TLSA 3 1 1 for 25/465/587, keys, an admin account."
show "$danemail" init mail.demo.test --dir provider --address 127.0.25.10 | tee init.txt
password=$(sed -n 's/^admin password: //p' init.txt)
[[ -n $password ]] || { echo "demo: init printed no admin password" >&2; false; }

step "danemail serve: DNS and SMTP in one process" "The zone is signed on start; SMTP listens on 25, 587 and 465."
"$danemail" serve -c provider/danemail.toml >provider/serve.log 2>&1 &
provider_pid=$!
for _ in $(seq 100); do
    dig @127.0.25.10 +short +time=1 +tries=1 mail.demo.test SOA >/dev/null 2>&1 && \
        timeout 1 bash -c '</dev/tcp/127.0.25.10/25' 2>/dev/null && break
    sleep 0.2
done
cat provider/serve.log
tlsa=$(dig @127.0.25.10 +short +time=5 _25._tcp.mx.mail.demo.test TLSA | tr -d '\n')
show dig @127.0.25.10 +dnssec +noall +answer +time=5 _25._tcp.mx.mail.demo.test TLSA

step "The certificate on port 25 matches the published TLSA" "openssl's DANE check (RFC 7671) of the STARTTLS handshake."
verdict=$(echo QUIT | show openssl s_client -brief -starttls smtp -connect 127.0.25.10:25 \
    -dane_tlsa_domain mx.mail.demo.test -dane_tlsa_rrdata "$tlsa" 2>&1)
echo "$verdict" | grep -E 'Verification|DANE|Protocol|Ciphersuite'
echo "$verdict" | grep -q 'Verification: OK' || { echo "demo: DANE verification failed" >&2; false; }

step "Mail in over STARTTLS, and submission with AUTH" \
     "swaks delivers to admin@ on port 25 with STARTTLS, then submits as admin on 587 (STARTTLS, then AUTH PLAIN)."
show swaks --silent 2 --server 127.0.25.10:25 --tls --from friend@elsewhere.test --to admin@mail.demo.test \
    --header "Subject: hello from the demo"
show swaks --silent 2 --server 127.0.25.10:587 --tls --auth PLAIN --auth-user admin@mail.demo.test \
    --auth-password "$password" --from admin@mail.demo.test --to admin@mail.demo.test --header "Subject: submitted"
show "$danemail" mailbox list admin@mail.demo.test -c provider/danemail.toml
count=$("$danemail" mailbox list admin@mail.demo.test -c provider/danemail.toml | wc -l)
[[ $count == 2 ]] || { echo "demo: expected 2 messages in the INBOX, found $count" >&2; false; }
kill "$provider_pid"; wait "$provider_pid" || true; provider_pid=""

trap - ERR
printf '\ndemo: all %d steps passed. Publish the TLSA line in the zone, sign again, and the DS at the parent.\n' \
    "$number"
