#!/usr/bin/env bash
# Zone-signing benchmark (issue 2): a zone of N A records, ECDSA P-256 KSK + ZSK, NSEC3 with 0 iterations and
# no salt (RFC 9276), signed in the same run by danemail, kzonesign (Knot, 2 signing threads), ldns-signzone
# and dnssec-signzone (BIND, 2 threads, post-sign verification off); wall time, signatures per second and
# peak RSS of each, ratios against danemail, and the OpenSSL ceiling (openssl speed sign/s x cores).
# Then verification of danemail's signed zone: danemail zone verify against dnssec-verify.
#
# Usage: bench/sign_bench.sh DANEMAIL [SIZES]   SIZES default "100000 1000000" (or env BENCH_SIZES)
# Each signer runs RUNS times (env BENCH_RUNS, default 3 for zones up to 200k records, else 1): the median counts.
set -euo pipefail

danemail=$(readlink -f "${1:?usage: sign_bench.sh DANEMAIL [SIZES]}")
sizes=${2:-${BENCH_SIZES:-100000 1000000}}
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
cores=$(nproc)
zone=bench.test
work=$(mktemp -d "${TMPDIR:-/tmp}/danemail-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

for tool in kzonesign ldns-signzone dnssec-signzone dnssec-keygen dnssec-verify openssl; do
    command -v "$tool" >/dev/null || { echo "sign_bench: $tool is missing (tools/install-deps.sh)" >&2; exit 2; }
done

# timed CMD...: runs CMD, prints "SECONDS PEAK_KB" (GNU time), output of CMD discarded.
timed() {
    local t="$work/time.out"
    /usr/bin/time -o "$t" -f "%e %M" "$@" >/dev/null 2>"$work/stderr.out" || {
        echo "sign_bench: failed: $*" >&2; cat "$work/stderr.out" >&2; return 1; }
    tail -n 1 "$t"
}

# median of the "seconds kb" lines on stdin (by seconds).
median() { sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

# Signatures in a signed zone file, whatever its layout: the type field of each record, not any "RRSIG" word
# (NSEC/NSEC3 type bitmaps say RRSIG too). BIND spreads a record over lines in parentheses and leaves out a
# repeated owner (the line then starts with blanks); ldns and Knot write one record per line.
count_signatures() {
    awk '
        { sub(/;.*/, "") }
        open { if (index($0, ")")) open = 0; next }
        /^\$/ || NF == 0 { next }
        {
            i = ($0 ~ /^[ \t]/) ? 1 : 2
            while (i <= NF && ($i ~ /^[0-9]+$/ || $i == "IN")) i++
            if ($i == "RRSIG") n++
            if (index($0, "(") && !index($0, ")")) open = 1
        }
        END { print n + 0 }' "$1"
}

ceiling_per_core=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ { print $(NF-1) }')
ceiling=$(awk -v c="$ceiling_per_core" -v n="$cores" 'BEGIN { printf "%d", c * n }')

echo "== Zone signing: ECDSA P-256, NSEC3 (0 iterations, no salt), $cores cores"
echo "   OpenSSL ceiling: $ceiling_per_core signatures/s per core (openssl speed ecdsap256) x $cores = $ceiling/s"

for n in $sizes; do
    dir="$work/$n"
    mkdir -p "$dir/keys" "$dir/knot/db" "$dir/knot/out"
    $python "$here/gen_zone.py" "$zone" "$n" "$dir/$zone.zone"
    "$danemail" key generate --zone "$zone" --role ksk --algorithm ecdsap256 --dir "$dir/keys" >/dev/null
    "$danemail" key generate --zone "$zone" --role zsk --algorithm ecdsap256 --dir "$dir/keys" >/dev/null
    keys=$(ls "$dir"/keys/*.key | sed 's/\.key$//')
    cat >"$dir/knot/knot.conf" <<KNOT
server:
  rundir: "$dir/knot"
database:
  storage: "$dir/knot/db"
policy:
  - id: bench
    algorithm: ecdsap256sha256
    nsec3: on
    nsec3-iterations: 0
    nsec3-salt-length: 0
    signing-threads: $cores
template:
  - id: default
    storage: "$dir"
zone:
  - domain: $zone
    file: "$zone.zone"
    dnssec-signing: on
    dnssec-policy: bench
KNOT
    # Knot creates its keys on the first run; only later runs are timed. That first run signs a two-record
    # zone of the same name (the keys belong to the zone name), not the big one, to save minutes at 1M.
    head -n 5 "$dir/$zone.zone" >"$dir/keys-only.zone"
    sed 's|file: "'"$zone"'.zone"|file: "keys-only.zone"|' "$dir/knot/knot.conf" >"$dir/knot/keys.conf"
    kzonesign -c "$dir/knot/keys.conf" -o "$dir/knot/out" "$zone" >/dev/null 2>&1
    rm -f "$dir/knot/out/$zone.zone"

    runs=${BENCH_RUNS:-$([ "$n" -le 200000 ] && echo 3 || echo 1)}
    declare -A result=() signatures=()
    for ((r = 1; r <= runs; r++)); do
        # Interleaved, so that machine noise spreads over all four alike.
        result[danemail]+="$(timed "$danemail" zone sign --zone "$zone" --keys "$dir/keys" --nsec3 \
            --out "$dir/danemail.signed" "$dir/$zone.zone")"$'\n'
        result[kzonesign]+="$(timed kzonesign -c "$dir/knot/knot.conf" -o "$dir/knot/out" "$zone")"$'\n'
        # shellcheck disable=SC2086
        result[ldns]+="$(timed ldns-signzone -n -t 0 -f "$dir/ldns.signed" "$dir/$zone.zone" $keys)"$'\n'
        result[bind]+="$(timed dnssec-signzone -q -P -n "$cores" -3 - -H 0 -K "$dir/keys" -S -o "$zone" \
            -d "$dir" -f "$dir/bind.signed" "$dir/$zone.zone")"$'\n'
    done
    signatures[danemail]=$(count_signatures "$dir/danemail.signed")
    signatures[kzonesign]=$(count_signatures "$dir/knot/out/$zone.zone")
    signatures[ldns]=$(count_signatures "$dir/ldns.signed")
    signatures[bind]=$(count_signatures "$dir/bind.signed")
    # Each signer must have signed the whole zone (an RRSIG per A RRset and per NSEC3, at least), or its
    # figure would mean nothing.
    for who in danemail kzonesign ldns bind; do
        if [ "${signatures[$who]}" -lt $((2 * n)) ]; then
            echo "sign_bench: $who wrote only ${signatures[$who]} signatures for $n records" >&2
            exit 1
        fi
    done

    echo
    echo "-- $n A records (median of $runs)"
    printf '   %-30s %9s %12s %10s %10s %s\n' signer "wall s" "sigs/s" "peak MiB" "time/ours" ""
    read -r our_s our_kb < <(printf '%s' "${result[danemail]}" | median)
    for who in danemail kzonesign ldns bind; do
        read -r s kb < <(printf '%s' "${result[$who]}" | median)
        case $who in
            danemail) label="danemail zone sign" ;;
            kzonesign) label="kzonesign ($cores threads)" ;;
            ldns) label="ldns-signzone" ;;
            bind) label="dnssec-signzone -n $cores -P" ;;
        esac
        awk -v l="$label" -v s="$s" -v kb="$kb" -v sig="${signatures[$who]}" -v ours="$our_s" -v okb="$our_kb" \
            'BEGIN { printf "   %-30s %9.2f %12d %10.1f %9.2fx  (memory %.2fx ours)\n", l, s, sig / s, kb / 1024, s / ours, kb / okb }'
    done
    awk -v s="$our_s" -v sig="${signatures[danemail]}" -v c="$ceiling" \
        'BEGIN { printf "   ceiling: %d signatures at %d/s = %.2f s; danemail takes %.2fx that (target <= 1.5x)\n", sig, c, sig / c, s / (sig / c) }'

    # Verification of the same signed zone.
    read -r dv_s dv_kb < <(timed "$danemail" zone verify --zone "$zone" "$dir/danemail.signed")
    read -r bv_s bv_kb < <(timed dnssec-verify -q -o "$zone" "$dir/danemail.signed")
    printf '   %-30s %9s %12s %10s %10s\n' verifier "wall s" "sigs/s" "peak MiB" "time/ours"
    awk -v s="$dv_s" -v kb="$dv_kb" -v sig="${signatures[danemail]}" \
        'BEGIN { printf "   %-30s %9.2f %12d %10.1f %9.2fx\n", "danemail zone verify", s, sig / s, kb / 1024, 1 }'
    awk -v s="$bv_s" -v kb="$bv_kb" -v sig="${signatures[danemail]}" -v ours="$dv_s" \
        'BEGIN { printf "   %-30s %9.2f %12d %10.1f %9.2fx\n", "dnssec-verify", s, sig / s, kb / 1024, s / ours }'
    rm -rf "$dir"
done
