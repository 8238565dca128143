#!/bin/bash
# Builds every libFuzzer target with clang and runs each for a short while on its seed
# corpus (tests/fuzz/corpus/<name without fuzz_>). A crash fails the run.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-15}
dir=$top/build-fuzz
CC=clang cmake -S "$top" -B "$dir" -DFUZZ=ON -DCMAKE_BUILD_TYPE=Debug >"$dir.cmake.log" 2>&1 ||
	{ cat "$dir.cmake.log"; exit 1; }
# Only the fuzz targets: the daemon's binaries are not linked in an instrumented build.
targets=$(cmake --build "$dir" --target help | sed -n 's/^\.\.\. \(fuzz_[a-z0-9_]*\).*/\1/p')
[ -n "$targets" ] || { echo "no fuzz targets"; exit 1; }
# shellcheck disable=SC2086
cmake --build "$dir" -j"$(nproc)" --target $targets >"$dir.build.log" 2>&1 ||
	{ grep -E 'error' "$dir.build.log" | head -30; exit 1; }
rc=0
for f in "$dir"/tests/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	seeds=$top/tests/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d)
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
	if "$f" -max_total_time="$seconds" -print_final_stats=0 "$work" >"$work.log" 2>&1; then
		echo "$name: ok ($(grep -ho 'Done [0-9]* runs' "$work.log" | tail -1) in ${seconds}s)"
	else
		echo "$name: FAILED"; tail -40 "$work.log"; rc=1
	fi
	rm -rf "$work" "$work.log"
done
exit $rc
