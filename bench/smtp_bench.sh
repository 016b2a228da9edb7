#!/usr/bin/env bash
# SMTP receiving benchmark (issue 4): danemail and Postfix 3.7 (delivering into virtual Maildir mailboxes, set
# up as in ../shared/bench/peer-configs.md) take the same load in interleaved rounds, each on its own loopback
# address: smtp-source -c -s 20 -m 20000 -l 10240 (accepted and delivered msg/s, CPU per message, PSS under
# load), then our smtp_tls_load with a full TLS 1.3 handshake per message (STARTTLS msg/s), then PSS with 20
# idle sessions (and danemail with 1,000). Prints the medians, the ratios, and the issue's targets.
#
# Usage: bench/smtp_bench.sh DANEMAIL        (as root: Postfix, port 25, the vmail user)
# Environment: SMTP_BENCH_ROUNDS (default 3), SMTP_BENCH_MESSAGES (smtp-source -m, 20000),
# SMTP_BENCH_TLS_MESSAGES (smtp_tls_load -m, 6000), SMTP_BENCH_IDLE (idle sessions held on danemail, 1000),
# SMTP_BENCH_THREADS (danemail's I/O threads, default one per core), SMTP_BENCH_MAX_SECONDS (bound on the
# whole run, 900), SMTP_TLS_LOAD (the load tool; default smtp_tls_load beside DANEMAIL), SMTP_BENCH_ONLY
# ("danemail" or "postfix": run one side alone, for checks and profiling), BENCH_WORK (a directory to work
# in and keep; default a temporary one).
set -euo pipefail

danemail=$(readlink -f "${1:?usage: smtp_bench.sh DANEMAIL}")
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
tls_load=$(readlink -f "${SMTP_TLS_LOAD:-$(dirname "$danemail")/smtp_tls_load}")
rounds=${SMTP_BENCH_ROUNDS:-3}
messages=${SMTP_BENCH_MESSAGES:-20000}
tls_messages=${SMTP_BENCH_TLS_MESSAGES:-6000}
idle_many=${SMTP_BENCH_IDLE:-1000}
threads=${SMTP_BENCH_THREADS:-$(nproc)}
max_seconds=${SMTP_BENCH_MAX_SECONDS:-900}
only=${SMTP_BENCH_ONLY:-}
case "$only" in
    "") servers='["danemail", "postfix"]' ;;
    danemail|postfix) servers="[\"$only\"]" ;;
    *) echo "smtp_bench: SMTP_BENCH_ONLY is danemail or postfix" >&2; exit 2 ;;
esac
ours_address=127.54.1.1
postfix_address=127.0.0.1   # peer-configs.md: inet_interfaces = 127.0.0.1, port 2525
postfix_port=2525
postfix_tls_port=2526       # the same smtpd with smtpd_tls_security_level = may

[ "$(id -u)" = 0 ] || { echo "smtp_bench: run as root (Postfix, port 25, the vmail user)" >&2; exit 2; }
for tool in smtp-source postfix postconf postmap postsuper openssl; do
    command -v "$tool" >/dev/null || { echo "smtp_bench: $tool is missing (tools/install-deps.sh)" >&2; exit 2; }
done
[ -x "$tls_load" ] || { echo "smtp_bench: no $tls_load (cmake --build BUILD --target smtp_tls_load)" >&2; exit 2; }

# 1,000 idle sessions need as many descriptors in danemail and in the driver holding them.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((idle_many + 1024)) ]; then
    ulimit -n $((idle_many + 1024)) || { echo "smtp_bench: cannot raise ulimit -n" >&2; exit 2; }
fi

if [ -n "${BENCH_WORK:-}" ]; then
    work=$(mkdir -p "$BENCH_WORK" && readlink -f "$BENCH_WORK")
    rm -rf "$work/danemail" "$work/postfix" "$work/tls"
    keep=1
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/danemail-smtp-bench.XXXXXX")
    keep=
fi

driver=
cleanup() {
    if [ -n "$driver" ]; then kill -TERM "$driver" 2>/dev/null || true; wait "$driver" 2>/dev/null || true; fi
    # The driver stops what it started; this catches a Postfix left by an interrupted start.
    if [ -f "$work/postfix/spool/pid/master.pid" ] && postfix -c "$work/postfix/etc" status >/dev/null 2>&1; then
        postfix -c "$work/postfix/etc" stop >/dev/null 2>&1 || true
    fi
    [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# One self-signed P-256 certificate, served by both.
mkdir -p "$work/tls" "$work/danemail"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=mx.bench.test \
    -addext subjectAltName=DNS:mx.bench.test -keyout "$work/tls/mx.key" -out "$work/tls/mx.crt" 2>/dev/null
chmod 755 "$work" "$work/tls"
chmod 644 "$work/tls/mx.crt"
chmod 600 "$work/tls/mx.key"

# danemail: port 25 with STARTTLS, one domain, one account; the connection limits raised for the 1,000 idle
# sessions from one address. The state with the account is kept as a template: every round starts from it.
cat >"$work/danemail/danemail.toml" <<EOF
state = "$work/danemail/state"

[smtp]
hostname = "mx.bench.test"
certificate = "$work/tls/mx.crt"
private_key = "$work/tls/mx.key"
listen = ["$ours_address:25"]
submission = ["$ours_address:587"]
submissions = ["$ours_address:465"]
threads = $threads
max_connections = $((idle_many + 1000))
max_connections_per_client = $((idle_many + 1000))
EOF
if [ "$only" != postfix ]; then
    "$danemail" domain add bench.test -c "$work/danemail/danemail.toml" >/dev/null
    echo "bench-password" |
        "$danemail" user add u1@bench.test --password-stdin -c "$work/danemail/danemail.toml" >/dev/null
    mv "$work/danemail/state" "$work/danemail/state.template"
fi

"$here/smtp_bench/postfix_setup.sh" "$work/postfix" "$postfix_address" "$postfix_port" "$postfix_tls_port" \
    "$work/tls/mx.crt" "$work/tls/mx.key"

cat >"$work/spec.json" <<EOF
{
  "servers": $servers,
  "rounds": $rounds,
  "messages": $messages,
  "tls_messages": $tls_messages,
  "sessions": 20,
  "size": 10240,
  "idle_many": $idle_many,
  "from": "a@bench.test",
  "to": "u1@bench.test",
  "max_seconds": $max_seconds,
  "tls_load": "$tls_load",
  "postfix_version": "$(postconf -d -h mail_version)",
  "danemail": {"binary": "$danemail", "config": "$work/danemail/danemail.toml", "address": "$ours_address",
               "port": 25, "state": "$work/danemail/state", "state_template": "$work/danemail/state.template",
               "log": "$work/danemail/serve.log"},
  "postfix": {"config_dir": "$work/postfix/etc", "address": "$postfix_address", "port": $postfix_port,
              "tls_port": $postfix_tls_port, "mail_base": "$work/postfix/mail",
              "maildir_new": "$work/postfix/mail/bench.test/u1/new",
              "pid_file": "$work/postfix/spool/pid/master.pid", "log": "$work/postfix/postfix.log"}
}
EOF

echo "smtp_bench: $rounds rounds of $messages + $tls_messages (STARTTLS) messages per server in $work" >&2
$python "$here/smtp_bench/drive.py" "$work/spec.json" &
driver=$!
wait $driver
driver=
