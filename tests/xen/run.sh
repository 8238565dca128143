#!/bin/bash
# Lane 2, step 3: boot Xen 4.17 + the Debian kernel as dom0 under QEMU (TCG), let the
# dom0 /init run every check in one boot, and judge its RESULT lines.
#   run.sh [BUILDDIR]      (netd/netctl are taken from BUILDDIR/netd/)
# Env: LANE2_TIMEOUT (s, default 300), LANE2_OUT (work dir, default BUILDDIR/xen-lane2),
# for development LANE2_ONLY="10-xen 30-vif" (only those check files) and
# LANE2_RUN_PENDING=1 (run the checks listed in tests/xen/pending too; still not counted).
# Exit: 0 all declared checks passed; 1 a check failed or is missing, or the timeout hit;
# 77 skipped (packages unavailable: prepare.sh says why).
# Networking: the NICs sit on QEMU-internal hubs with no host side; nothing leaves QEMU.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-}
if [ -n "$BUILD" ]; then
	BUILD=$(cd "$BUILD" && pwd) || { echo "run: no build directory '$1'"; exit 1; }
fi
OUT=${LANE2_OUT:-${BUILD:-/tmp}/xen-lane2}
TIMEOUT=${LANE2_TIMEOUT:-300}
CACHE=${DOM0NET_LANE2_CACHE:-/var/cache/dom0net-lane2}
t0=$(date +%s)

"$HERE/prepare.sh"
rc=$?
[ $rc = 0 ] || exit $rc
# shellcheck source=/dev/null
. "$CACHE/env"
mkdir -p "$OUT"
"$HERE/mkinitramfs.sh" "$OUT" "$BUILD" || { echo "run: mkinitramfs failed"; exit 1; }
t1=$(date +%s)

LOG=$OUT/serial.log
QPID=
cleanup() {
	if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
		kill "$QPID" 2>/dev/null
		sleep 1
		kill -9 "$QPID" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Two NICs on separate internal hubs (eth0: direct style, eth1: legacy style), two more
# sharing a hub for the bond. hubport netdevs have no host end.
nics=()
for i in 0 1 2 3; do
	hub=$i
	[ $i = 3 ] && hub=2
	nics+=(-netdev "hubport,id=n$i,hubid=$hub" -device "e1000,netdev=n$i,mac=52:54:00:d0:00:0$i")
done
: >"$LOG"
# `timeout` is QEMU's own watchdog in case this script is SIGKILLed (trap cannot run).
timeout -k 5 $((TIMEOUT + 30)) qemu-system-x86_64 -accel tcg,thread=multi -cpu qemu64 -m 2048 -smp 2 \
	-display none -monitor none -serial stdio -no-reboot -nic none "${nics[@]}" \
	-kernel "$XEN" \
	-append "console=com1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 noreboot" \
	-initrd "$VMLINUZ console=hvc0 rdinit=/init,$OUT/dom0.cpio" \
	</dev/null >"$LOG" 2>&1 &
QPID=$!

# Wait for the end marker, QEMU's exit, or the deadline (counted from our start).
status=timeout
while :; do
	if grep -q '^LANE2 DONE' <(tr -d '\r' <"$LOG"); then status=done; break; fi
	kill -0 "$QPID" 2>/dev/null || { status=exited; break; }
	[ $(($(date +%s) - t0)) -lt "$TIMEOUT" ] || break
	sleep 1
done
# Give the power-off a moment, then make sure QEMU is gone.
for _ in 1 2 3 4 5; do kill -0 "$QPID" 2>/dev/null || break; sleep 1; done
cleanup
QPID=
t2=$(date +%s)

tr -d '\r' <"$LOG" >"$LOG.txt"
files=("$HERE"/checks.d/*.sh)
if [ -n "${LANE2_ONLY:-}" ]; then # development: only these check files (see mkinitramfs.sh)
	files=()
	for f in $LANE2_ONLY; do files+=("$HERE/checks.d/$f.sh"); done
fi
expected=$(sed -n 's/^# checks: //p' "${files[@]}")
pending=$(awk '!/^#/ && NF {print $1}' "$HERE/pending")
is_pending() { echo "$pending" | grep -qx "$1"; }
fails=0 skips=0 passes=0
echo "---- lane 2 results (serial log: $LOG.txt)"
grep -E '^(RESULT|LANE2) ' "$LOG.txt"
for c in $expected; do
	line=$(grep -E "^RESULT $c " "$LOG.txt" | tail -n1)
	if is_pending "$c"; then
		skips=$((skips + 1))
		case $line in "RESULT $c PASS"*)
			echo "note: pending check $c passes now: remove it from tests/xen/pending" ;;
		esac
		continue
	fi
	case $line in
	"RESULT $c PASS"*) passes=$((passes + 1)) ;;
	"") echo "MISSING $c"; fails=$((fails + 1)) ;;
	*) fails=$((fails + 1)) ;;
	esac
done
echo "---- boot+checks $((t2 - t1))s, total $((t2 - t0))s, end: $status"
if [ $status = timeout ]; then
	echo "run: timed out after ${TIMEOUT}s; last console lines:"
	tail -n 30 "$LOG.txt"
	fails=$((fails + 1))
elif [ $fails -gt 0 ]; then
	echo "run: console lines around failures are in $LOG.txt"
fi
echo "lane2: $passes passed, $fails failed, $skips skipped"
[ $fails = 0 ]
