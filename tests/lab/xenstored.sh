#!/bin/bash
# xenstored.sh - run the real C xenstored (Xen 4.17) without a hypervisor.
#
# As a command:
#   eval "$(xenstored.sh start DIR)"   start; prints the export lines below
#   xenstored.sh stop DIR              kill it, remove DIR
# Sourced (bash):
#   xs_start DIR    start and export XENSTORED_RUNDIR / XENSTORED_PATH;
#                   the daemon dies with the calling shell (call it from
#                   the shell that lives as long as the test, not in $(...))
#   xs_stop DIR     kill it and remove DIR
#   xs_pid DIR      print the daemon's pid
#
# DIR must be new or empty; it is created and later removed (only if it
# still holds the .xs-lab marker). It receives: socket (the daemon's unix
# socket), xsd_port/xsd_kva (what xs-shim serves for /proc/xen/*), pid,
# log (stdout/stderr), trace (only with XS_TRACE=1).
#
# Socket: xenstored 4.17 binds $XENSTORED_PATH if set, else
# $XENSTORED_RUNDIR/socket (it creates RUNDIR); libxenstore and the
# xenstore-* tools connect to the same. Both are set for the daemon (so a
# stale XENSTORED_PATH in the caller's environment cannot misplace it) and
# exported to the caller.
#
# Environment: XS_SHIM (path to xs-shim.so; default: searched in build*/
# next to the source tree), XENSTORED (default /usr/lib/xen-4.17/bin/...;
# /usr/sbin/xenstored is a wrapper that refuses without /sys/hypervisor),
# XS_TRACE=1 (xenstored -T DIR/trace), XS_START_TIMEOUT (s, default 5).
#
# Flags used: -N (no fork: $! is the daemon), -F pidfile. Not -D: it
# skips domain_init() and 4.17 then crashes on the first request.

xs__self=${BASH_SOURCE[0]}

xs__die() { echo "xenstored.sh: $*" >&2; return 1; }

xs__find_shim() {
	local src d
	[ -n "${XS_SHIM:-}" ] && { echo "$XS_SHIM"; return 0; }
	src=$(cd "$(dirname "$xs__self")/../.." && pwd)
	for d in "$src"/build*/tests/lab/xs-shim.so; do
		[ -f "$d" ] && { echo "$d"; return 0; }
	done
	xs__die "xs-shim.so not found: set XS_SHIM or build target xs-shim"
}

xs__find_daemon() {
	local x
	for x in "${XENSTORED:-}" /usr/lib/xen-4.17/bin/xenstored \
	    /usr/lib/xen-*/bin/xenstored; do
		[ -n "$x" ] && [ -x "$x" ] && { echo "$x"; return 0; }
	done
	xs__die "xenstored not found (package xen-utils-4.17)"
}

xs_pid() {
	local p
	p=$(cat "$1/pid" 2>/dev/null) || return 1
	echo "$p"
}

xs_start() {
	local dir=$1 shim daemon pid i trace=() tries
	[ -n "$dir" ] || { xs__die "usage: xs_start DIR"; return 1; }
	shim=$(xs__find_shim) || return 1
	daemon=$(xs__find_daemon) || return 1
	if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
		xs__die "$dir exists and is not empty"; return 1
	fi
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd)
	: >"$dir/.xs-lab"
	echo 1 >"$dir/xsd_port"			# dom0's event channel
	head -c 4096 /dev/zero >"$dir/xsd_kva"	# dom0's ring page (mmapped)
	[ "${XS_TRACE:-0}" = 1 ] && trace=(-T "$dir/trace")

	# -N: $! is the daemon itself. Its output goes to a file so that a
	# caller's $(...) does not wait for it. Sourced, it dies with this
	# shell (xs-shim's XS_SHIM_PDEATHSIG) even if the shell is SIGKILLed;
	# as a command it must outlive the script.
	local pdeath=$BASHPID
	[ -n "${XS__COMMAND:-}" ] && pdeath=""
	LD_PRELOAD=$shim XS_SHIM_DIR=$dir XS_SHIM_PDEATHSIG=$pdeath \
		XENSTORED_RUNDIR=$dir XENSTORED_PATH=$dir/socket \
		"$daemon" -N -F "$dir/xenstored.pid" "${trace[@]}" \
		</dev/null >"$dir/log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/pid"

	export XENSTORED_RUNDIR=$dir XENSTORED_PATH=$dir/socket
	tries=$(( ${XS_START_TIMEOUT:-5} * 50 ))
	for ((i = 0; i < tries; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			cat "$dir/log" >&2
			xs__die "xenstored exited during start-up (log above)"
			xs_stop "$dir"
			return 1
		fi
		[ -S "$dir/socket" ] && xenstore-read /tool/xenstored \
			>/dev/null 2>&1 && break
		sleep 0.02
	done
	if ((i == tries)); then
		xs__die "xenstored did not answer within ${XS_START_TIMEOUT:-5}s"
		xs_stop "$dir"
		return 1
	fi
	# What xen-init-dom0 writes on a real host.
	xenstore-write /local/domain/0/name Domain-0 /local/domain/0/domid 0
}

xs_stop() {
	local dir=$1 pid i
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	pid=$(xs_pid "$dir")
	# Only signal it if that pid still is our xenstored (pid reuse).
	if [ -n "$pid" ] && grep -q xenstored "/proc/$pid/cmdline" 2>/dev/null
	then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null	# reap it if it is our child
	fi
	[ -e "$dir/.xs-lab" ] && rm -rf -- "$dir"
	return 0
}

# Run as a command (not sourced).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	XS__COMMAND=1
	case "${1:-}" in
	start)
		[ -n "${2:-}" ] || { echo "usage: $0 start DIR" >&2; exit 64; }
		xs_start "$2" || exit 1
		printf 'export XENSTORED_RUNDIR=%q XENSTORED_PATH=%q\n' \
			"$XENSTORED_RUNDIR" "$XENSTORED_PATH"
		;;
	stop)
		[ -n "${2:-}" ] || { echo "usage: $0 stop DIR" >&2; exit 64; }
		xs_stop "$2"
		;;
	*)
		echo "usage: $0 start|stop DIR" >&2
		exit 64
		;;
	esac
fi
