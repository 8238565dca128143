#!/bin/bash
# Sessions end cleanly and say why: the guest's display vanishing mid-session, the
# console going away under a viewer, the idle timeout; a killed gateway is restarted
# by netd and serves again.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
. "$(dirname "${BASH_SOURCE[0]}")/vnclab.sh"
lab_init
vnc_lab "idle-timeout = 4"

vnc_qemu vm1 127.0.0.1:1 guestpw
qemu1=$VNC_LAST_QEMU
vnc_domain 1 vm1 vnc-port=5901 vnc-pass=guestpw
vnc_wait_state 1 ready || lab_fail "console 1: $(NC consoles)"
port=$(vnc_console_field 1 port)
pw=$(vnc_passfile guestpw)
vnc_wait_display "$pw" 5901

# The display dies under a viewer (qemu killed): the viewer sees the end, the log
# says why, the next viewer gets a reason instead of a hang.
lab_in peer "$VNC_GRAB" -q -p "$pw" --hold 20 $GW "$port" >"$LAB_TMP/v.out" &
viewer=$!
lab_wait_for 10000 grep -q "^frame" "$LAB_TMP/v.out" || lab_fail "viewer: $(cat "$LAB_TMP/v.out")"
lab_assert_eq 1 "$(vnc_console_field 1 viewers)" "viewers"
kill -KILL "$qemu1"
wait "$viewer"
lab_assert_eq 3 $? "viewer exit status when the display died"
grep -q "^closed after" "$LAB_TMP/v.out" || lab_fail "viewer: $(cat "$LAB_TMP/v.out")"
lab_wait_for 3000 grep -q "closed: backend closed the connection (guest display gone)" "$VNC_LOG" ||
	lab_fail "no close reason in the log"
out=$(lab_in peer "$RFB_PROBE" -v 3.8 -p "$pw" $GW "$port")
lab_assert_eq "refused: console unavailable: Connection refused" "$out" "viewer of a dead display"
grep -q "cannot reach the display at 127.0.0.1:5901: Connection refused" "$VNC_LOG" ||
	lab_fail "dial failure not logged"
echo "display killed mid-session: viewer closed, reason logged, next viewer told why"

# The console goes away (domain destroyed) while a viewer watches.
vnc_qemu vm1 127.0.0.1:1 guestpw
vnc_wait_display "$pw" 5901
lab_in peer "$VNC_GRAB" -q -p "$pw" --hold 20 $GW "$port" >"$LAB_TMP/v2.out" &
viewer=$!
lab_wait_for 10000 grep -q "^frame" "$LAB_TMP/v2.out" || lab_fail "viewer 2: $(cat "$LAB_TMP/v2.out")"
"$XS_TOOLSTACK" release 1 >/dev/null
wait "$viewer"
lab_assert_eq 3 $? "viewer exit status when the console went away"
lab_wait_for 3000 grep -q "closed: the guest's console went away" "$VNC_LOG" ||
	lab_fail "no reason logged for the removed console"
vnc_wait_gone 1 || lab_fail "console 1 still listed"
echo "console removed under a viewer: closed with a reason"

# Idle timeout (4 s here): a viewer that neither sends nor receives is closed (one
# that keeps asking for updates, as libvncclient does, is not idle).
vnc_domain 1 vm1 vnc-port=5901 vnc-pass=guestpw
vnc_wait_state 1 ready || lab_fail "console 1 again"
port=$(vnc_console_field 1 port)
lab_in peer "$RFB_PROBE" -p "$pw" -H 15 $GW "$port" >"$LAB_TMP/v3.out"
lab_assert_eq 3 $? "idle viewer exit status ($(cat "$LAB_TMP/v3.out"))"
ms=$(sed -n 's/^closed after \([0-9]*\) ms/\1/p' "$LAB_TMP/v3.out")
((ms >= 3000 && ms < 8000)) || lab_fail "idle viewer closed after ${ms:-?} ms"
grep -q "closed: idle for 4 s" "$VNC_LOG" || lab_fail "idle reason not logged"
echo "idle viewer closed after $ms ms"

# The gateway process dies: netd notices and starts another, which serves.
old=$(vnc_gw_pid)
kill -KILL "$old"
lab_wait_for 10000 bash -c "grep -q 'console gateway (pid $old) killed by signal 9' '$VNC_LOG'" ||
	lab_fail "netd did not notice the gateway's death"
for ((i = 0; i < 200; i++)); do
	new=$(vnc_gw_pid)
	[ -n "$new" ] && [ "$new" != "$old" ] && break
	sleep 0.05
done
[ -n "$new" ] && [ "$new" != "$old" ] || lab_fail "no new gateway"
out=$(lab_in peer "$VNC_GRAB" -q -p "$pw" $GW "$port")
lab_assert_eq "frame 720x400" "$out" "viewer of the restarted gateway"
echo "gateway killed: restarted as pid $new, serving"
echo "test_vncgw_vanish: all checks passed"
