#!/bin/bash
# Authentication before anything else: a wrong password is refused (with the reason
# each RFB version allows) and the display is never dialled (qemu sees no SYN);
# failures from one address back off (1 s, then 2 s ...), the right password after
# the back-off works, and no password ever reaches the log.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
. "$(dirname "${BASH_SOURCE[0]}")/vnclab.sh"
lab_init
lab_need_cmd iptables
vnc_lab

vnc_qemu vm1 127.0.0.1:1 guestpw
vnc_domain 1 vm1 vnc-port=5901 vnc-pass=guestpw
vnc_wait_state 1 ready || lab_fail "console 1 not ready: $(NC consoles)"
port=$(vnc_console_field 1 port)
good=$(vnc_passfile guestpw) bad=$(vnc_passfile wrongpw1)
# Count connection attempts that reach qemu (SYNs to 127.0.0.1:5901 in dom0).
lab_in dom0 iptables -w -I OUTPUT -o lo -p tcp --dport 5901 --syn -j ACCEPT 2>/dev/null ||
	lab_skip "iptables does not work in a namespace here"
syns() {
	lab_in dom0 iptables -w -L OUTPUT -v -x -n 2>/dev/null | awk '/dpt:5901/ { print $1; exit }'
}
lab_assert_eq 0 "$(syns)" "SYNs before any viewer"

out=$(lab_in peer "$RFB_PROBE" -v 3.8 -p "$bad" $GW "$port")
lab_assert_eq 1 $? "exit status, wrong password ($out)"
lab_assert_eq "refused: authentication failed" "$out" "3.8 reason"
lab_assert_eq 0 "$(syns)" "SYNs to qemu after a wrong password"
grep -q "dialled" "$VNC_LOG" && lab_fail "netd dialled the display for a wrong password"
grep -q "authentication failed for console 1 (vm1); this address waits 1 s" "$VNC_LOG" ||
	lab_fail "no back-off line in the log"

# Within the back-off even the right password is turned away, with a reason.
out=$(lab_in peer "$RFB_PROBE" -v 3.8 -p "$good" $GW "$port")
[[ $out == "refused: too many authentication failures; try again in "* ]] ||
	lab_fail "right password during the back-off: $out"
lab_assert_eq 0 "$(syns)" "SYNs during the back-off"
sleep 1.1
out=$(lab_in peer "$RFB_PROBE" -v 3.8 -p "$good" $GW "$port")
lab_assert_eq "ok 3.8 720x400 QEMU (vm1)" "$out" "right password after the back-off"
lab_assert_eq 1 "$(syns)" "SYNs after one good login"
echo "wrong password refused without dialling; right one accepted after the back-off"

# 3.7 and 3.3 learn only "failed" (no reason string exists there).
out=$(lab_in peer "$RFB_PROBE" -v 3.7 -p "$bad" $GW "$port")
lab_assert_eq "refused: security result 1" "$out" "3.7 wrong password"
sleep 1.1
out=$(lab_in peer "$RFB_PROBE" -v 3.3 -p "$bad" $GW "$port")
lab_assert_eq "refused: security result 1" "$out" "3.3 wrong password"
grep -q "waits 2 s (failure 2)" "$VNC_LOG" || lab_fail "the back-off did not grow"
# A refused 3.3 viewer during the back-off gets the 3.3 failure form.
out=$(lab_in peer "$RFB_PROBE" -v 3.3 -p "$good" $GW "$port")
[[ $out == "refused: too many authentication failures"* ]] || lab_fail "3.3 in back-off: $out"
lab_assert_eq 1 "$(syns)" "SYNs after the failures"
echo "3.7/3.3 failures: SecurityResult 1 without reason; the back-off grows"

# Another address is not punished for this one's failures.
out=$(lab_in dom0 "$RFB_PROBE" -v 3.8 -p "$good" $GW "$port")
lab_assert_eq "ok 3.8 720x400 QEMU (vm1)" "$out" "another address during the back-off"

# Many parallel guesses: at most the per-address cap of them ever get a challenge,
# and none gets through.
sleep 2.1
pids=()
for i in $(seq 1 30); do
	lab_in peer "$RFB_PROBE" -v 3.8 -p "$bad" $GW "$port" >"$LAB_TMP/par.$i" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
ok=$(cat "$LAB_TMP"/par.* | grep -c "^ok") failed=$(cat "$LAB_TMP"/par.* | grep -c "authentication failed")
lab_assert_eq 0 "$ok" "parallel wrong guesses that got in"
((failed <= 16)) || lab_fail "$failed parallel guesses were checked (cap 16)"
echo "30 parallel wrong guesses: $failed checked, the rest turned away"

# Passwords never reach the log.
grep -q -e guestpw -e wrongpw1 "$VNC_LOG" && lab_fail "a password appears in netd's log"
echo "test_vncgw_auth: all checks passed"
