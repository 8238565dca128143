#!/bin/bash
# bench/vnc: the console gateway's relay cost, against TigerVNC's Xvnc (fast; qemu
# paces its updates and would hide the relay).
#
# Lab: a dom0 namespace with the real xenstored and netd; Xvnc 1024x768x24 on
# 127.0.0.1 (VNC auth) as domain 1's display; the gateway on 10.0.0.2. Viewers run in
# the dom0 namespace too, so direct (127.0.0.1) and gateway (10.0.0.2) both use
# loopback and differ only by the relay. Client: vnc-bench (libvncclient).
#
#   throughput   full non-incremental 1024x768 Raw frames back to back, direct and via
#                the gateway, alternated RUNS times (median), MB = 10^6 pixel bytes
#   round trip   1x1 non-incremental update requests; overhead = gateway - direct
#   sessions     100 concurrent viewers through the gateway, aggregate MB/s
#   idle memory  the gateway process's RSS with 100 idle viewers minus without
#
# Needs root, Xvnc (tigervnc-standalone-server), vncpasswd (tigervnc-tools) and a
# build (netd netctl vnc-bench xs-shim xs-toolstack; BUILD=dir, default build*/).
# The LAST line is machine-readable:
#   direct_mbs=.. gateway_mbs=.. ratio=.. rtt_overhead_us_p50=.. rtt_overhead_us_p99=..
#   sessions=100 aggregate_mbs=.. rss_kb_per_idle_session=..
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export LAB_DIR=$top/tests/lab
RUNS=${RUNS:-3} SECS=${SECS:-4} RTTS=${RTTS:-2000} SESSIONS=100

built() {
	local f
	for f in ${BUILD:+"$BUILD/$1"} "$top"/build*/"$1"; do
		[ -x "$f" ] && { echo "$f"; return 0; }
	done
	echo "bench/vnc: $1 not built" >&2
	exit 1
}
NETD=$(built netd/netd) NETCTL=$(built netd/netctl) BENCH=$(built tests/vncgw/vnc-bench)
XS_SHIM=${XS_SHIM:-$(dirname "$(built tests/lab/xs-toolstack)")/xs-shim.so}
XS_TOOLSTACK=$(built tests/lab/xs-toolstack)
export XS_SHIM XS_TOOLSTACK
# shellcheck source=../../tests/lab/lab.sh
. "$LAB_DIR/lab.sh"
lab_init
lab_need_cmd Xvnc vncpasswd python3
lab_dom0 1 addr
lab_xenstored
mkdir -p "$LAB_TMP/run"
conf=$LAB_TMP/netd.conf sock=$LAB_TMP/netd.sock log=$LAB_TMP/netd.log
cat >"$conf" <<EOC
[global]
log-level = warning
pidfile = $LAB_TMP/run/netd.pid
control-socket = $sock
[bridges]
default-style = none
[firewall]
enable = no
[console]
listen = 10.0.0.2
ports = 5900-5999
max-sessions = 1000
EOC
lab_bg dom0 bash -c "exec '$NETD' -d -f '$conf' 2>>'$log'"
netd_pid=$LAB_LAST_PID
lab_wait_for 5000 test -S "$sock" || lab_fail "netd did not start: $(cat "$log")"

# Xvnc on a display number nobody uses (its X socket is in the shared /tmp).
for disp in $(seq 60 99); do
	[ -e /tmp/.X11-unix/X$disp ] || [ -e /tmp/.X$disp-lock ] || break
done
xport=$((5900 + disp))
printf 'benchpw\n' | vncpasswd -f >"$LAB_TMP/xvnc.pw"
printf 'benchpw\n' >"$LAB_TMP/pw"
lab_bg dom0 bash -c "exec Xvnc ':$disp' -geometry 1024x768 -depth 24 -rfbport $xport \
	-localhost -SecurityTypes VncAuth -PasswordFile '$LAB_TMP/xvnc.pw' -AlwaysShared \
	-nolisten tcp -desktop bench >'$LAB_TMP/xvnc.log' 2>&1"
lab_on_exit "rm -f /tmp/.X11-unix/X$disp /tmp/.X$disp-lock"
lab_wait_for 10000 lab_in dom0 bash -c "exec 3<>/dev/tcp/127.0.0.1/$xport" ||
	lab_fail "Xvnc did not start"
"$XS_TOOLSTACK" introduce 1 bench >/dev/null
xenstore-write /local/domain/1/console/vnc-port $xport /local/domain/1/console/vnc-pass benchpw
for ((i = 0; i < 100; i++)); do
	gwport=$(lab_in dom0 "$NETCTL" -s "$sock" consoles --json | python3 -c '
import json, sys
for c in json.load(sys.stdin)["consoles"]:
    if c["domid"] == 1 and c["state"] == "ready": print(c["port"])')
	[ -n "$gwport" ] && break
	sleep 0.05
done
[ -n "$gwport" ] || lab_fail "console not ready"
gwpid=$(lab_in dom0 "$NETCTL" -s "$sock" consoles --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["gateway"]["pid"])')
B() { lab_in dom0 "$BENCH" -p "$LAB_TMP/pw" "$@"; }
val() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "Xvnc 1024x768x24 on 127.0.0.1:$xport, gateway 10.0.0.2:$gwport (pid $gwpid)"
if [ -n "${HOLD:-}" ]; then
	# Development: keep the lab for manual runs (B is the client in the dom0 namespace).
	declare -p LAB_DOM0 LAB_TMP xport gwport gwpid BENCH >"$HOLD"
	sleep infinity &
	lab_track_pid $!
	wait $!	# TERM interrupts the wait: the lab is torn down
	exit 0
fi

# Idle memory first, while the gateway's heap is fresh (later phases leave freed
# buffers behind that new sessions would reuse).
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$gwpid/status"; }
before=$(rss)
B -m idle -c $SESSIONS -d 8 10.0.0.2 "$gwport" >"$LAB_TMP/idle.out" &
idle=$!
lab_wait_for 20000 grep -q connected= "$LAB_TMP/idle.out" || lab_fail "idle sessions"
sleep 2
after=$(rss)
wait $idle
echo "gateway RSS: $before KiB idle, $after KiB with $SESSIONS idle sessions ($(cat "$LAB_TMP/idle.out"))"
: >"$LAB_TMP/d" ; : >"$LAB_TMP/g"
for ((r = 1; r <= RUNS; r++)); do
	d=$(B -m frames -d "$SECS" 127.0.0.1 $xport) || lab_fail "direct frames"
	g=$(B -m frames -d "$SECS" 10.0.0.2 "$gwport") || lab_fail "gateway frames"
	echo "run $r: direct $d | gateway $g"
	val mbs <<<"$d" >>"$LAB_TMP/d"
	val mbs <<<"$g" >>"$LAB_TMP/g"
done
direct=$(median <"$LAB_TMP/d") gateway=$(median <"$LAB_TMP/g")

# Round trips: alternated, the median of each figure. For scale, a plain relay
# process (socat) between the same peers.
: >"$LAB_TMP/rd"; : >"$LAB_TMP/rg"
for ((r = 1; r <= RUNS; r++)); do
	B -m rtt -n "$RTTS" 127.0.0.1 $xport >>"$LAB_TMP/rd" || lab_fail "direct rtt"
	B -m rtt -n "$RTTS" 10.0.0.2 "$gwport" >>"$LAB_TMP/rg" || lab_fail "gateway rtt"
done
med() { val "$1" <"$2" | median; }
echo "round trips (us, median of $RUNS): direct p50 $(med rtt_us_p50 "$LAB_TMP/rd") p99 $(med rtt_us_p99 "$LAB_TMP/rd") | gateway p50 $(med rtt_us_p50 "$LAB_TMP/rg") p99 $(med rtt_us_p99 "$LAB_TMP/rg")"
o50=$(python3 -c "print('%.1f' % ($(med rtt_us_p50 "$LAB_TMP/rg") - $(med rtt_us_p50 "$LAB_TMP/rd")))")
o99=$(python3 -c "print('%.1f' % ($(med rtt_us_p99 "$LAB_TMP/rg") - $(med rtt_us_p99 "$LAB_TMP/rd")))")
if command -v socat >/dev/null; then
	lab_bg dom0 socat TCP-LISTEN:7000,bind=10.0.0.2,reuseaddr,fork,nodelay \
		"TCP:127.0.0.1:$xport,nodelay"
	lab_wait_for 3000 lab_in dom0 bash -c "exec 3<>/dev/tcp/10.0.0.2/7000"
	echo "reference, socat as the relay: $(B -m rtt -n "$RTTS" 10.0.0.2 7000)"
fi

agg=$(B -m parallel -c $SESSIONS -d "$SECS" 10.0.0.2 "$gwport") || lab_fail "parallel sessions"
echo "$SESSIONS sessions through the gateway: $agg"

perkb=$(python3 -c "print('%.2f' % (($after - $before) / $SESSIONS))")
ratio=$(python3 -c "print('%.3f' % ($gateway / $direct))")
kill -0 "$netd_pid" || lab_fail "netd died during the benchmark"
echo "direct_mbs=$direct gateway_mbs=$gateway ratio=$ratio rtt_overhead_us_p50=$o50 rtt_overhead_us_p99=$o99 sessions=$SESSIONS aggregate_mbs=$(val mbs <<<"$agg") rss_kb_per_idle_session=$perkb"
