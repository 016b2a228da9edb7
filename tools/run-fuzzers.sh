#!/usr/bin/env bash
# Runs every libFuzzer target (*_fuzz) in a build directory for a fixed time each, seeded from a temporary copy
# of tests/fuzz/corpus/<target without _fuzz>/ so the repository is never modified. Prints one line per target
# and exits non-zero if any target crashed, leaked, hung or ran out of memory; reproducers are kept under
# BUILD_DIR/fuzz-artifacts/<target>/. Used by `make fuzz`.
#
# Usage: tools/run-fuzzers.sh BUILD_DIR SECONDS
set -eu
set -o pipefail

usage() {
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
}

[ $# -eq 2 ] || usage
build_dir=$1
seconds=$2
case $seconds in
    '' | *[!0-9]*) usage ;;
esac
[ "$seconds" -gt 0 ] || usage
[ -d "$build_dir" ] || { echo "$0: no build directory '$build_dir'" >&2; exit 2; }

repo_root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "$build_dir" && pwd)
corpus_root=$repo_root/tests/fuzz/corpus
artifact_root=$build_dir/fuzz-artifacts

work=$(mktemp -d "${TMPDIR:-/tmp}/danemail-fuzz.XXXXXX")
# shellcheck disable=SC2317  # called by the trap
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Undefined behaviour must stop the run like a crash does; by default UBSan only prints and carries on.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

targets=()
while IFS= read -r -d '' binary; do
    targets+=("$binary")
done < <(find "$build_dir" -maxdepth 1 -type f -name '*_fuzz' -perm -u+x -print0 | sort -z)
if [ ${#targets[@]} -eq 0 ]; then
    echo "$0: no *_fuzz targets in $build_dir (configure with -DDANEMAIL_FUZZ=ON and build fuzz-targets)" >&2
    exit 1
fi

# A target gets its own time plus a margin to load and minimise its corpus; past that it is stopped as hung.
limit=$((seconds * 2 + 60))
failed=0
for binary in "${targets[@]}"; do
    target=$(basename "$binary")
    name=${target%_fuzz}
    dir=$work/$target
    mkdir -p "$dir/corpus" "$dir/artifacts"
    seeds=0
    if [ -d "$corpus_root/$name" ]; then
        cp -R "$corpus_root/$name/." "$dir/corpus/"
        seeds=$(find "$dir/corpus" -type f | wc -l)
    fi
    extra=()
    if [ -f "$repo_root/tests/fuzz/$name.dict" ]; then
        extra+=("-dict=$repo_root/tests/fuzz/$name.dict")
    fi

    status=0
    timeout --kill-after=10 "$limit" "$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$dir/artifacts/" ${extra[@]+"${extra[@]}"} "$dir/corpus" \
        </dev/null >"$dir/log" 2>&1 || status=$?

    execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$dir/log" | tail -n 1)
    [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\)[[:space:]].*/\1/p' "$dir/log" | tail -n 1)
    coverage=$(sed -n 's/^#[0-9]*[[:space:]].* cov: \([0-9]*\).*/\1/p' "$dir/log" | tail -n 1)
    corpus=$(find "$dir/corpus" -type f | wc -l)
    summary="${execs:-0} execs in ${seconds}s, cov ${coverage:-?}, corpus $seeds -> $corpus"

    if [ "$status" -eq 0 ]; then
        printf '%-28s ok      %s\n' "$name" "$summary"
        continue
    fi
    failed=1
    case $status in
        70) what="an input ran longer than 10s" ;;
        124 | 137) what="hung past ${limit}s" ;;
        *) what="crashed (exit $status)" ;;
    esac
    printf '%-28s FAILED  %s: %s\n' "$name" "$what" "$summary"
    if [ -n "$(ls -A "$dir/artifacts")" ]; then
        mkdir -p "$artifact_root/$target"
        cp "$dir/artifacts/"* "$artifact_root/$target/"
        for artifact in "$dir/artifacts/"*; do
            echo "    reproduce: $binary $artifact_root/$target/$(basename "$artifact")" >&2
        done
    fi
    echo "    --- last lines of the $target log ---" >&2
    grep -v '^#[0-9]' "$dir/log" | tail -n 40 | sed 's/^/    /' >&2
done
exit $failed
