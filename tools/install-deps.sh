#!/bin/sh
# Installs the Debian 12 packages danemail needs to build, test, demo and benchmark — only those missing.
# Runs apt-get as root (or through sudo). Used by `make build`, `make test`, `make demo` and `make bench`.
set -eu

BUILD="cmake ninja-build g++ clang libclang-rt-14-dev pkg-config libssl-dev libfmt-dev libcli11-dev
  nlohmann-json3-dev libtomlplusplus-dev libsqlite3-dev libargon2-dev libboost1.81-dev libgtest-dev libgmock-dev libbenchmark-dev openssl"
JUDGES="bind9-utils bind9-dnsutils ldnsutils knot-dnsutils knot-dnssecutils hash-slinger python3 python3-pytest
  python3-dnspython python3-cryptography time faketime unbound nsd knot dnsperf swaks testssl.sh postfix
  libio-socket-ssl-perl libnet-ssleay-perl sqlite3"

missing=""
for p in $BUILD $JUDGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# Postfix is a judge (smtp-source, smtp-sink, posttls-finger) and a benchmark peer: installed without a
# configuration; Debian starts no daemons here, and the tests start theirs with their own configs.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
