#!/usr/bin/env bash
# `make bench`: every benchmark against its peer, in one run on this machine (DESIGN.md "Performance method":
# absolute times are noise here; the ratios within one run are the figures).
# Usage: bench/run.sh /path/to/danemail
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
danemail=${1:?usage: bench/run.sh DANEMAIL_BINARY}
"$here/sign_bench.sh" "$danemail"
"$here/serve_bench.sh" "$danemail"
"$here/smtp_bench.sh" "$danemail"
