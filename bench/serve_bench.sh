#!/usr/bin/env bash
# Authoritative serving benchmark (issue 3): danemail, NSD 4.6 and Knot 3.2 serve the same pre-signed zone
# (N names with A records, TLSA at one name in ten; ECDSA P-256, NSEC3 with 0 iterations and no salt, signed
# once by `danemail zone sign`), each alone on its own loopback address with the same number of server
# threads, in interleaved rounds. dnsperf sends the same shuffled mix to each (A at existing names, NXDOMAIN,
# TLSA answers, TLSA no-data; DO set). Printed: queries per second, average latency, RSS and PSS over the
# server's processes after the run, cold start (exec to the first correct answer), the ratios danemail/peer,
# and a check that danemail answers a sample of the queries as NSD does. Peer set-ups:
# ../shared/bench/peer-configs.md ("NSD 4.6 and Knot 3.2"), NSD with as many server processes as the others
# have threads.
#
# Usage: bench/serve_bench.sh DANEMAIL
# Environment: BENCH_SECONDS (dnsperf -l, default 15), BENCH_ROUNDS (default 3), BENCH_NAMES (default 100000),
# BENCH_THREADS (server threads, default 2), BENCH_QUERIES (lines in the query file, default 200000),
# BENCH_WORK (a directory to work in and keep, its signed zone reused by later runs; default a temporary one).
set -euo pipefail

danemail=$(readlink -f "${1:?usage: serve_bench.sh DANEMAIL}")
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
zone=bench.test
names=${BENCH_NAMES:-100000}
seconds=${BENCH_SECONDS:-15}
rounds=${BENCH_ROUNDS:-3}
threads=${BENCH_THREADS:-2}
query_count=${BENCH_QUERIES:-200000}
ours_address=127.53.1.3
nsd_address=127.53.1.1
knot_address=127.53.1.2

for tool in dnsperf nsd knotd; do
    command -v "$tool" >/dev/null || { echo "serve_bench: $tool is missing (tools/install-deps.sh)" >&2; exit 2; }
done
$python -c 'import dns.message' 2>/dev/null || { echo "serve_bench: $python lacks dnspython" >&2; exit 2; }

if [ -n "${BENCH_WORK:-}" ]; then  # kept, and its signed zone reused when there (for profiling runs)
    work=$(mkdir -p "$BENCH_WORK" && readlink -f "$BENCH_WORK")
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/danemail-serve-bench.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi

zones=$work/zones
mkdir -p "$zones" "$work/keys" "$work/state" "$work/nsd" "$work/knot/db"

if [ ! -s "$zones/$zone.signed" ]; then
    echo "serve_bench: generating and signing $names names (NSEC3) in $work" >&2
    $python "$here/gen_zone.py" "$zone" "$names" "$work/$zone.zone"
    $python "$here/serve_bench/make_inputs.py" tlsa "$zone" "$names" >>"$work/$zone.zone"
    $python "$here/serve_bench/make_inputs.py" queries "$zone" "$names" "$query_count" "$work/queries.txt"
    "$danemail" key generate --zone "$zone" --role ksk --algorithm ecdsap256 --dir "$work/keys" >/dev/null
    "$danemail" key generate --zone "$zone" --role zsk --algorithm ecdsap256 --dir "$work/keys" >/dev/null
    "$danemail" zone sign --zone "$zone" --keys "$work/keys" --nsec3 --iterations 0 --salt - \
        --out "$zones/$zone.signed" "$work/$zone.zone" >/dev/null
fi
records=$(grep -cv '^[;$]' "$zones/$zone.signed" || true)

cat >"$work/danemail.toml" <<EOF
[dns]
listen = ["$ours_address:53"]
workers = $threads
state = "$work/state"
[[dns.zone]]
name = "$zone"
file = "zones/$zone.signed"
signing = "presigned"
EOF

cat >"$work/nsd/nsd.conf" <<EOF
server:
  ip-address: $nsd_address
  port: 53
  do-ip6: no
  server-count: $threads
  username: ""
  chroot: ""
  database: ""
  zonesdir: "$zones"
  zonelistfile: "$work/nsd/zone.list"
  xfrdfile: "$work/nsd/xfrd.state"
  xfrdir: "$work/nsd"
  pidfile: "$work/nsd/nsd.pid"
  logfile: "$work/nsd/nsd.log"
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: "$zone"
  zonefile: "$zone.signed"
EOF

cat >"$work/knot/knot.conf" <<EOF
server:
  rundir: "$work/knot"
  listen: $knot_address@53
  udp-workers: $threads
log:
  - target: stderr
    any: warning
database:
  storage: "$work/knot/db"
template:
  - id: default
    storage: "$zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    dnssec-signing: off
zone:
  - domain: $zone
    file: "$zone.signed"
EOF

cat >"$work/spec.json" <<EOF
{
  "queries": "$work/queries.txt",
  "seconds": $seconds,
  "rounds": $rounds,
  "threads": $threads,
  "probe": "host0.$zone",
  "zone_note": "$names names + TLSA at 1 in 10, NSEC3 (0 iterations, no salt), ECDSA P-256: $records records",
  "query_note": "queries 40% A, 20% NXDOMAIN, 20% TLSA answer, 20% TLSA no-data",
  "servers": [
    {"name": "danemail", "label": "danemail ($threads workers)", "address": "$ours_address",
     "argv": ["$danemail", "serve", "-c", "$work/danemail.toml"], "log": "$work/danemail.log"},
    {"name": "nsd", "label": "NSD $(nsd -v 2>&1 | awk 'NR == 1 { print $3 }') ($threads servers)",
     "address": "$nsd_address",
     "argv": ["nsd", "-d", "-c", "$work/nsd/nsd.conf"], "log": "$work/nsd/stderr.log"},
    {"name": "knot", "label": "Knot $(knotd --version | awk '{ print $NF }') ($threads UDP workers)",
     "address": "$knot_address",
     "argv": ["knotd", "-c", "$work/knot/knot.conf"], "log": "$work/knot/stderr.log"}
  ]
}
EOF

# The driver starts and stops every server (each in a session of its own, stopped by its process group, also
# when the driver is interrupted); this script only forwards an interrupt to it.
$python "$here/serve_bench/drive.py" "$work/spec.json" &
driver=$!
trap 'kill -TERM $driver 2>/dev/null; wait $driver; exit 143' INT TERM
wait $driver
