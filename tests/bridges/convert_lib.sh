# convert_lib.sh - helpers for the bridge conversion tests (test_convert*.sh).
# Source it after setting nothing; it sources the lab (tests/lab/lab.sh).
#
#   cv_lab N [addr]        lab_dom0 N NICs (+ peer 10.I.0.1 for each) via lab.sh
#   cv_conf "STYLE..." [TEXT]  write $CV_CONF: [bridges] default-style = none, a
#                          [nic ethI] section per NIC with the I-th STYLE (the
#                          last one repeats), plus TEXT
#   cv_state FILE          the dom0 state that a rollback/revert must restore:
#                          ip -d addr, ip route/ip -6 route (all tables), ip rule,
#                          link names + MACs + flags (lifetimes normalised)
#   cv_same A B DESC       fail with a diff unless the two states are equal
#   cv_drv ARGS...         convert-driver in dom0; output in $CV_OUT, status $CV_RC
#   cv_netd_start          netd -d -f $CV_CONF in dom0 (log $CV_LOG), waits until it
#                          has reported every configured uplink
#   cv_netd_stop           TERM the daemon and wait
#   cv_ping_start ADDR N   peer pings ADDR N times at 100/s in the background
#   cv_ping_loss           wait for it; prints and sets CV_LOSS (sent - received)
set -u # no pipefail: `cmd | grep -q` would fail when grep stops reading early
LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../lab" && pwd)}
. "$LAB_DIR/lab.sh"

cv__built() { # the newest build*/ copy when CTest did not say
	ls -t "$LAB_DIR"/../../build*/"$1" 2>/dev/null | head -n 1
}
CONVERT_DRIVER=${CONVERT_DRIVER:-$(cv__built tests/bridges/convert-driver)}
NETD=${NETD:-$(cv__built netd/netd)}

cv_lab() {
	lab_init
	lab_dom0 "$@"
	lab_peer
	CV_D=$(lab_ns dom0)
	CV_CONF=$LAB_TMP/dom0net.conf CV_LOG=$LAB_TMP/netd.log CV_OUT=$LAB_TMP/out
	# The conversion journal of this lab (default /run/dom0net).
	export DOM0NET_RUN_DIR=$LAB_TMP/run
	# The lab's namespaces keep rp_filter off; a real dom0 often has it strict, and
	# the conversion must not depend on it.
	ip netns exec "$CV_D" sysctl -qw net.ipv4.conf.all.rp_filter=1 \
		net.ipv4.conf.default.rp_filter=1
}

cv_conf() {
	local styles=($1) extra=${2:-} i s
	{
		printf '[global]\npidfile = %s\ncontrol-socket = %s\n' \
			"$LAB_TMP/netd.pid" "$LAB_TMP/netd.sock"
		printf '[bridges]\ndefault-style = none\nhotplug-nics = no\n'
		printf '[firewall]\nenable = no\n[console]\nenable = no\n'
		for ((i = 0; i < LAB_NICS; i++)); do
			s=${styles[i]:-${styles[${#styles[@]} - 1]}}
			printf '[nic eth%d]\nstyle = %s\n' "$i" "$s"
		done
		printf '%s\n' "$extra"
	} >"$CV_CONF"
}

cv_state() {
	{
		echo "== links"
		ip -n "$CV_D" -o link |
			sed -E 's/^[0-9]+: ([^:@]+)[^:]*: (<[^>]*>).* link\/[a-z]+ ([0-9a-f:]+) .*/\1 \2 \3/' |
			sort
		echo "== addr"
		ip -n "$CV_D" -d addr | sed -E 's/(valid|preferred)_lft [0-9]+sec/\1_lft Nsec/g; s/([a-z_]+_timer) +[0-9.]+/\1 N/g'
		echo "== route"
		ip -n "$CV_D" route show table all
		echo "== route6"
		ip -n "$CV_D" -6 route show table all | sed -E 's/expires [0-9]+sec/expires N/'
		echo "== rule"
		ip -n "$CV_D" rule
	} >"$1"
}

cv_same() {
	diff -u "$1" "$2" >"$LAB_TMP/diff" || {
		cat "$LAB_TMP/diff" >&2
		lab_fail "$3: state differs"
	}
}

cv_drv() {
	[ -x "$CONVERT_DRIVER" ] || lab_fail "convert-driver not built"
	ip netns exec "$CV_D" "$CONVERT_DRIVER" "$@" >"$CV_OUT" 2>&1
	CV_RC=$?
}

cv_netd_start() {
	local i base
	[ -x "$NETD" ] || lab_fail "netd not built"
	: >>"$CV_LOG"
	base=$(wc -l <"$CV_LOG")
	lab_bg dom0 bash -c "exec '$NETD' -d -f '$CV_CONF' 2>>'$CV_LOG'"
	CV_NETD_PID=$LAB_LAST_PID
	for ((i = 0; i < LAB_NICS; i++)); do
		lab_wait_for 20000 cv__logged "$base" "bridge eth$i: " ||
			{ cat "$CV_LOG" >&2; lab_fail "netd did not report eth$i"; }
	done
	tail -n +"$((base + 1))" "$CV_LOG" >"$CV_OUT"
}

# Has the log a line matching $2 after its first $1 lines?
cv__logged() {
	tail -n +"$(($1 + 1))" "$CV_LOG" | grep -q -- "$2"
}

cv_netd_stop() {
	kill -TERM "$CV_NETD_PID" 2>/dev/null
	wait "$CV_NETD_PID" 2>/dev/null
	CV_NETD_PID=
}

cv_ping_start() {
	lab_bg peer bash -c "exec ping -n -q -i 0.01 -W 1 -c $2 $1 >'$LAB_TMP/ping' 2>&1"
	CV_PING_PID=$LAB_LAST_PID
}

cv_ping_loss() {
	local sent recv
	wait "$CV_PING_PID" 2>/dev/null
	sent=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$LAB_TMP/ping")
	recv=$(sed -nE 's/.* ([0-9]+) (packets )?received.*/\1/p' "$LAB_TMP/ping")
	[ -n "$sent" ] && [ -n "$recv" ] || lab_fail "no ping summary: $(cat "$LAB_TMP/ping")"
	CV_LOSS=$((sent - recv))
	CV_SENT=$sent
}
