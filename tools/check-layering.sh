#!/usr/bin/env bash
# Layering check (DESIGN.md "Layout": one folder per concern under src/, arrows point down only).
#
# Every `#include "folder/..."` (or <folder/...>) in a file under src/FOLDER/ must name FOLDER itself or a
# folder that the table below allows FOLDER to use. The same table is checked against the CMake targets:
# `danemail_library(FOLDER danemail_X ...)` in CMakeLists.txt may only link allowed folders.
# A folder under src/ that is missing from the table is an error too: add it here when you create it.
#
# Allowed dependencies (what each folder may include, besides itself). DESIGN.md orders the layers
#   base < dns < dnssec < zone < dnsserver < resolve < tls < smtp < queue < store < imap/pop3/web/check/report < app
# but a strict total order would let e.g. tls include the zone signer or the DNS server. The table is the
# order with each folder narrowed to what its job in DESIGN.md needs:
#
#   folder     may include                                          why
#   base       -                                                    result/error, bytes, time, file I/O
#   dns        base                                                 pure DNS data, no I/O
#   dnssec     base dns                                             keys, sign, verify, NSEC/NSEC3
#   zone       base dns dnssec                                      zone db, inline signer, rollover
#   dnsserver  base dns dnssec zone                                 serves the zones
#   resolve    base dns dnssec                                      validating resolver client
#   tls        base dns dnssec                                      TLSA records and DANE glue (not zone/servers)
#   smtp       base dns dnssec resolve tls                          server/ and client/ (DANE per RFC 7672)
#   queue      base dns dnssec resolve tls smtp                     delivery through the SMTP client, DSNs
#   store      base dns dnssec tls smtp queue                       accounts, mailboxes, messages
#   imap       base dns dnssec tls smtp store                       mail access over TLS
#   pop3       base dns dnssec tls smtp store
#   web        base dns dnssec zone resolve tls smtp queue store    webmail and admin
#   check      base dns dnssec zone resolve tls smtp                dnsviz / posttls-finger / TLS-scan style checks
#   report     base dns dnssec tls smtp queue store                 outbound TLS classification
#   app        every folder                                         config, lifecycle, subcommands, main
#
# Peers at one level (imap, pop3, web, check, report) do not include each other: app wires them together.
#
# Usage: tools/check-layering.sh [--root DIR]   check DIR/src and DIR/CMakeLists.txt (default: the repo)
#        tools/check-layering.sh --self-test    build fake trees in a temp dir and check the checker
# Exit status: 0 clean, 1 violations (each printed as file:line: ...), 2 usage or setup error.
set -euo pipefail

declare -A ALLOWED=(
    [base]=""
    [dns]="base"
    [dnssec]="base dns"
    [zone]="base dns dnssec"
    [dnsserver]="base dns dnssec zone"
    [resolve]="base dns dnssec"
    [tls]="base dns dnssec"
    [smtp]="base dns dnssec resolve tls"
    [queue]="base dns dnssec resolve tls smtp"
    [store]="base dns dnssec tls smtp queue"
    [imap]="base dns dnssec tls smtp store"
    [pop3]="base dns dnssec tls smtp store"
    [web]="base dns dnssec zone resolve tls smtp queue store"
    [check]="base dns dnssec zone resolve tls smtp"
    [report]="base dns dnssec tls smtp queue store"
    [app]="*"
)

# allowed FROM TO: true when src/FROM may include src/TO.
allowed() {
    local from=$1 to=$2
    [[ $from == "$to" ]] && return 0
    local list=${ALLOWED[$from]-}
    [[ $list == "*" ]] && return 0
    [[ " $list " == *" $to "* ]]
}

# check_tree ROOT: prints violations, returns 1 when there is any.
check_tree() {
    local root=$1 bad=0
    if [[ ! -d $root/src ]]; then
        echo "check-layering: no src/ under $root" >&2
        return 2
    fi

    local -A folders=()
    local dir name
    for dir in "$root"/src/*/; do
        [[ -d $dir ]] || continue
        name=$(basename "$dir")
        folders[$name]=1
        if [[ -z ${ALLOWED[$name]+set} ]]; then
            echo "src/$name/: folder is not in the layering table; add it to tools/check-layering.sh"
            bad=1
        fi
    done

    # Every include line of every C++ file under src/FOLDER/ (any depth: smtp/server/, smtp/client/).
    local file line text target first from rel
    while IFS= read -r -d '' file; do
        rel=${file#"$root"/}
        from=${rel#src/}
        from=${from%%/*}
        [[ $rel == src/*/* ]] || continue  # a file directly in src/ belongs to no layer
        while IFS=: read -r line text; do
            # The path between the quotes or angle brackets.
            target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]*)[">].*/\1/' <<<"$text")
            [[ $target == "$text" ]] && continue  # computed include or macro: nothing to check
            if [[ $target == ../* || $target == ./* ]]; then
                # Relative path: resolve against the including file's folder, then see where it lands.
                local resolved
                resolved=$(realpath -m --relative-to="$root/src" "$(dirname "$file")/$target")
                [[ $resolved == ../* ]] && continue  # outside src/: not a layer
                target=$resolved
            fi
            [[ $target == */* ]] || continue  # "name.h": same folder
            first=${target%%/*}
            [[ -n ${folders[$first]+set} ]] || continue  # <openssl/ssl.h>, <sys/stat.h>, ...
            if ! allowed "$from" "$first"; then
                echo "$rel:$line: $from must not include $first: $(sed -E 's/^[[:space:]]+//' <<<"$text")" \
                     "(allowed: ${ALLOWED[$from]:-nothing})"
                bad=1
            fi
        done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$file" || true)
    done < <(find "$root/src" -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.cc' \
                                        -o -name '*.ipp' -o -name '*.inc' \) -print0 | sort -z)

    # The CMake targets: danemail_library(NAME DEPS...) may only link allowed danemail_* libraries.
    if [[ -f $root/CMakeLists.txt ]]; then
        local lineno=0 cm lib dep
        while IFS= read -r cm; do
            lineno=$((lineno + 1))
            [[ $cm =~ ^[[:space:]]*danemail_library\(([a-z0-9_]+)([^\)]*)\) ]] || continue
            lib=${BASH_REMATCH[1]}
            if [[ -z ${ALLOWED[$lib]+set} ]]; then
                echo "CMakeLists.txt:$lineno: library $lib is not in the layering table; add it to tools/check-layering.sh"
                bad=1
                continue
            fi
            for dep in ${BASH_REMATCH[2]}; do
                [[ $dep == danemail_* ]] || continue
                dep=${dep#danemail_}
                if ! allowed "$lib" "$dep"; then
                    echo "CMakeLists.txt:$lineno: danemail_$lib must not link danemail_$dep" \
                         "(allowed: ${ALLOWED[$lib]:-nothing})"
                    bad=1
                fi
            done
        done <"$root/CMakeLists.txt"
    fi
    return $bad
}

self_test() {
    local tmp fails=0 out
    tmp=$(mktemp -d)
    mkfile() { mkdir -p "$(dirname "$1")"; printf '%s\n' "${@:2}" >"$1"; }

    # A clean tree: every include points down or sideways within a folder.
    local good=$tmp/good
    mkfile "$good/src/base/result.h" '#pragma once' '#include <string>'
    mkfile "$good/src/dns/name.h" '#pragma once' '#include "base/result.h"' '#include <sys/types.h>'
    mkfile "$good/src/tls/tlsa.cpp" '#include "tls/tlsa.h"' '#include "dnssec/key.h"' '#include "dns/name.h"'
    mkfile "$good/src/smtp/client/dane.cpp" '#include "smtp/client/dane.h"' '#include "tls/tlsa.h"' \
        '#include "resolve/resolver.h"' '#include "../../dns/name.h"' '#include "local.h"'
    mkfile "$good/src/app/main.cpp" '#include "smtp/client/dane.h"' '#include "zone/signer.h"'
    mkdir -p "$good"/src/{dnssec,resolve,zone}
    mkfile "$good/CMakeLists.txt" 'danemail_library(base fmt::fmt)' 'danemail_library(dns danemail_base)' \
        'danemail_library(tls danemail_base danemail_dnssec OpenSSL::SSL)'
    if ! out=$(check_tree "$good"); then
        echo "self-test: clean tree reported as bad:"; echo "$out"; fails=1
    fi

    # Each case: one bad file (or CMake line) added to a copy of the clean tree; the checker must name it.
    local -a cases=(
        "src/dns/rdata.cpp|#include \"dnssec/key.h\"|src/dns/rdata.cpp:2: dns must not include dnssec"
        "src/tls/dane.cpp|#include \"zone/signer.h\"|src/tls/dane.cpp:2: tls must not include zone"
        "src/tls/x.h|#  include <smtp/client/dane.h>|src/tls/x.h:2: tls must not include smtp"
        "src/base/log.cpp|#include \"app/config.h\"|src/base/log.cpp:2: base must not include app"
        "src/smtp/server/in.cpp|#include \"../../queue/q.h\"|src/smtp/server/in.cpp:2: smtp must not include queue"
        "src/imap/s.cpp|#include \"pop3/p.h\"|src/imap/s.cpp:2: imap must not include pop3"
        "src/labx/a.cpp|#include \"base/result.h\"|src/labx/: folder is not in the layering table"
        "CMakeLists.txt|danemail_library(dnssec danemail_dns danemail_tls)|CMakeLists.txt:4: danemail_dnssec must not link danemail_tls"
    )
    local c path text want bad_tree
    for c in "${cases[@]}"; do
        IFS='|' read -r path text want <<<"$c"
        bad_tree=$tmp/bad
        rm -rf "$bad_tree"
        cp -r "$good" "$bad_tree"
        mkdir -p "$(dirname "$bad_tree/$path")"
        mkdir -p "$bad_tree"/src/{pop3,queue,zone}
        if [[ $path == CMakeLists.txt ]]; then
            echo "$text" >>"$bad_tree/$path"
        else
            printf '// a file\n%s\n' "$text" >"$bad_tree/$path"
        fi
        if out=$(check_tree "$bad_tree"); then
            echo "self-test: violation not caught: $path: $text"; fails=1
        elif [[ $out != *"$want"* ]]; then
            echo "self-test: expected '$want' in:"; echo "$out"; fails=1
        fi
    done
    rm -rf "$tmp"
    if [[ $fails -eq 0 ]]; then
        echo "check-layering self-test: ${#cases[@]} violations caught, clean tree accepted"
    fi
    return $fails
}

main() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    case "${1-}" in
        --self-test) self_test; return ;;
        --root) [[ $# -eq 2 ]] || { echo "usage: $0 [--root DIR | --self-test]" >&2; return 2; }; root=$2 ;;
        "") ;;
        *) echo "usage: $0 [--root DIR | --self-test]" >&2; return 2 ;;
    esac
    local out status=0
    out=$(check_tree "$root") || status=$?
    if [[ $status -ne 0 ]]; then
        [[ -n $out ]] && echo "$out" >&2
        echo "check-layering: layering violations (see the table at the top of tools/check-layering.sh)" >&2
        return "$status"
    fi
    echo "check-layering: ok"
}

main "$@"
