#!/bin/bash
# Hostile viewers while a legitimate one is served: random bytes, truncated
# handshakes, a slow-loris, 500 unauthenticated connections from one address. The
# gateway stays up (same process), sheds what exceeds its caps, closes stragglers at
# the handshake deadline, and the legitimate viewer (another address) gets its frame.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
. "$(dirname "${BASH_SOURCE[0]}")/vnclab.sh"
lab_init
VNC_HS_TIMEOUT=3 vnc_lab

vnc_qemu vm1 127.0.0.1:1 guestpw
vnc_domain 1 vm1 vnc-port=5901 vnc-pass=guestpw
vnc_wait_state 1 ready || lab_fail "console 1: $(NC consoles)"
port=$(vnc_console_field 1 port)
pw=$(vnc_passfile guestpw)
vnc_wait_display "$pw" 5901
gw=$(vnc_gw_pid)

# Random bytes instead of a version: closed at once.
for n in 1 12 100 65536; do
	out=$(lab_in peer "$RFB_PROBE" -t 5000 -g $n $GW "$port")
	lab_assert_eq "garbage: closed" "$out" "$n random bytes"
done
# Truncated handshakes: the viewer stops half-way; the deadline (3 s) closes them.
for stage in version sectype half-response; do
	lab_in peer "$RFB_PROBE" -T $stage -p "$pw" $GW "$port" >/dev/null
done
# A slow-loris (one byte of the version every 500 ms) is closed at the deadline.
t0=$(date +%s%N)
out=$(lab_in peer "$RFB_PROBE" -t 10000 -S 500 $GW "$port")
ms=$((($(date +%s%N) - t0) / 1000000))
lab_assert_eq "slow: closed" "$out" "slow-loris"
((ms < 8000)) || lab_fail "slow-loris lasted $ms ms (deadline 3 s)"
grep -q "closed before the relay: handshake timeout" "$VNC_LOG" || lab_fail "no deadline in the log"
echo "random bytes, truncated handshakes, slow-loris ($ms ms): closed"

# 500 unauthenticated connections from the peer (10.0.0.1), held open...
lab_in peer "$RFB_PROBE" -f 500 -H 12 $GW "$port" >"$LAB_TMP/flood.out" &
flood=$!
lab_wait_for 20000 grep -q "^flood" "$LAB_TMP/flood.out" || lab_fail "flood did not finish opening"
read -r _ _ opened _ served <"$LAB_TMP/flood.out"
# ... the per-address cap (16) leaves the rest refused at once ...
((served <= 16)) || lab_fail "$served of the flood's connections were served (cap 16)"
# ... while a legitimate viewer from another address is served, through libvncclient
# and the raw client.
out=$(lab_in dom0 "$VNC_GRAB" -q -p "$pw" $GW "$port")
lab_assert_eq "frame 720x400" "$out" "legitimate viewer during the flood"
out=$(lab_in dom0 "$RFB_PROBE" -v 3.3 -u -p "$pw" $GW "$port")
lab_assert_eq "ok 3.3 720x400 QEMU (vm1)" "$out" "3.3 viewer during the flood"
grep -q "limit of unauthenticated connections per address reached (latest from 10.0.0.1" \
	"$VNC_LOG" || lab_fail "cap not logged"
n=$(grep -c "limit of unauthenticated connections per address" "$VNC_LOG")
((n <= 3)) || lab_fail "the cap was logged $n times (rate limit)"
echo "flood: $opened connections opened, $served served; legitimate viewers got their frames"
wait $flood

lab_assert_eq "$gw" "$(vnc_gw_pid)" "gateway pid after the abuse"
kill -0 "$VNC_NETD_PID" || lab_fail "netd died"
grep -q "console gateway (pid" "$VNC_LOG" && lab_fail "the gateway died: $(grep 'console gateway (pid' "$VNC_LOG")"
# Everything unauthenticated is gone again.
lab_wait_for 5000 bash -c "[ \$(ip netns exec $LAB_DOM0 ss -Htn state established '( sport = :$port )' | wc -l) -eq 0 ]" ||
	lab_fail "connections left: $(lab_in dom0 ss -tn state established "( sport = :$port )" | head)"
# Out of descriptors: accept() fails with EMFILE; the listeners rest (1 s) instead of
# spinning on the pending connections, and serve again once descriptors are back.
vnc_netd_stop
VNC_NETD_NOFILE=${VNC_EMFILE_LIMIT:-32} vnc_netd_start
vnc_wait_state 1 ready || lab_fail "console 1 after the restart"
gw=$(vnc_gw_pid)
echo "descriptors: netd $(ls /proc/$VNC_NETD_PID/fd | wc -l), gateway $(ls /proc/$gw/fd | wc -l) (limit ${VNC_EMFILE_LIMIT:-32})"
ticks0=$(awk '{ print $14 + $15 }' "/proc/$gw/stat")
# Two addresses, 16 unauthenticated connections each: more than the descriptors left.
lab_in dom0 "$RFB_PROBE" -f 20 -H 3 $GW "$port" >"$LAB_TMP/emfile2.out" &
f2=$!
lab_in peer "$RFB_PROBE" -f 20 -H 3 $GW "$port" >"$LAB_TMP/emfile.out"
wait $f2
ticks=$(($(awk '{ print $14 + $15 }' "/proc/$gw/stat") - ticks0))
grep -q "Too many open files; pausing all listeners for 1000 ms" "$VNC_LOG" ||
	lab_fail "no EMFILE back-off in the log ($(cat "$LAB_TMP/emfile.out"))"
((ticks < 100)) || lab_fail "the gateway burnt $ticks ticks while out of descriptors"
sleep 1.2
out=$(lab_in dom0 "$VNC_GRAB" -q -p "$pw" $GW "$port")
lab_assert_eq "frame 720x400" "$out" "viewer after running out of descriptors"
lab_assert_eq "$gw" "$(vnc_gw_pid)" "gateway pid after EMFILE"
echo "EMFILE: listeners paused ($ticks CPU ticks over the flood), serving again afterwards"
echo "test_vncgw_hostile: all checks passed"
