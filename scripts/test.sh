#!/bin/bash
# The one test command: installs what is missing, builds, runs every test (unit, lane 1,
# lane 2), then the AddressSanitizer+UBSan build's tests and a short run of each fuzzer.
# Usage: scripts/test.sh [-L LABEL]   (e.g. -L unit for the quick ones only)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc)
label=""
[ "${1:-}" = "-L" ] && label=$2

step() { printf '\n==== %s\n' "$*"; }
declare -A result

scripts/install-deps.sh || exit 1

run_suite() { # name builddir cmake-args... -- ctest-args...
	local name=$1 dir=$2; shift 2
	local cargs=() targs=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do cargs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	targs=("$@")
	step "$name: configure and build ($dir)"
	if ! cmake -S . -B "$dir" -DWERROR=ON "${cargs[@]}" >"$dir.cmake.log" 2>&1; then
		cat "$dir.cmake.log"; result[$name]="FAILED (configure)"; return 1
	fi
	if ! cmake --build "$dir" -j"$jobs" >"$dir.build.log" 2>&1; then
		grep -E 'error|warning|Error' "$dir.build.log" | head -50
		result[$name]="FAILED (build, see $dir.build.log)"; return 1
	fi
	step "$name: tests"
	if (cd "$dir" && ctest --output-on-failure "${targs[@]}"); then
		result[$name]=passed
	else
		result[$name]=FAILED; return 1
	fi
}

rc=0
if [ -n "$label" ]; then
	run_suite main build -- -L "$label" || rc=1
else
	run_suite main build -- || rc=1
	# Lane 2 boots Xen under QEMU once; the sanitizer build adds nothing there.
	run_suite sanitize build-asan -DSANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -- -LE xen || rc=1
	if [ -x scripts/fuzz-smoke.sh ]; then
		step "fuzzers: short runs"
		if scripts/fuzz-smoke.sh; then result[fuzz]=passed; else result[fuzz]=FAILED; rc=1; fi
	fi
fi

step "summary"
for k in "${!result[@]}"; do printf '  %-10s %s\n' "$k" "${result[$k]}"; done
exit $rc
