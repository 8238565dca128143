#!/bin/bash
# The gateway with real peers: qemu's VNC server (password and unix socket) as the
# display, libvncclient, a raw RFB 3.3/3.7/3.8 client and vncsnapshot as viewers.
# Frames through the gateway match direct grabs; several viewers share a console; a
# gateway password set with netctl replaces the guest's.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
. "$(dirname "${BASH_SOURCE[0]}")/vnclab.sh"
lab_init
lab_need_cmd vncsnapshot vncpasswd
vnc_lab

vnc_qemu vm1 127.0.0.1:1 guestpw
vnc_domain 1 vm1 vnc-port=5901 vnc-listen=127.0.0.1 vnc-pass=guestpw
vnc_wait_state 1 ready || lab_fail "console 1 not ready: $(NC consoles)"
port=$(vnc_console_field 1 port)
# qemu holds 127.0.0.1:5901, the gateway 10.0.0.2:5901: same number, no clash.
lab_assert_eq 5901 "$port" "gateway port follows the display number"
pw=$(vnc_passfile guestpw)

# SeaBIOS has drawn something before frames are compared.
vnc_wait_display "$pw" 5901

# libvncclient through the gateway: the same picture (the cursor may blink between).
out=$(lab_in peer "$VNC_GRAB" -q -p "$pw" -o "$LAB_TMP/gw.ppm" $GW "$port") ||
	lab_fail "grab through the gateway: $out"
lab_assert_eq "frame 720x400" "$out" "libvncclient frame through the gateway"
lab_in dom0 "$VNC_GRAB" -q -p "$pw" -o "$LAB_TMP/direct.ppm" 127.0.0.1 5901 >/dev/null
diff=$(vnc_ppm_diff "$LAB_TMP/direct.ppm" "$LAB_TMP/gw.ppm")
python3 -c "import sys; sys.exit(0 if float('$diff') <= 0.01 else 1)" ||
	lab_fail "gateway frame differs from the direct one in $diff of the pixels"
echo "libvncclient: frame through the gateway matches the direct grab (diff $diff)"

# RFB 3.3, 3.7 and 3.8 viewers, each to a frame update.
for v in 3.3 3.7 3.8; do
	out=$(lab_in peer "$RFB_PROBE" -v $v -u -p "$pw" $GW "$port")
	lab_assert_eq "ok $v 720x400 QEMU (vm1)" "$out" "RFB $v viewer"
done
echo "RFB 3.3, 3.7, 3.8 viewers: ok"

# vncsnapshot (RFB 3.3, its own encodings) through the gateway and directly.
vncpasswd -f <<<guestpw >"$LAB_TMP/vncpasswd"
lab_in peer vncsnapshot -quiet -passwd "$LAB_TMP/vncpasswd" "$GW::$port" "$LAB_TMP/gw.jpg" \
	>/dev/null 2>&1 || lab_fail "vncsnapshot through the gateway"
lab_in dom0 vncsnapshot -quiet -passwd "$LAB_TMP/vncpasswd" 127.0.0.1::5901 \
	"$LAB_TMP/direct.jpg" >/dev/null 2>&1 || lab_fail "vncsnapshot direct"
lab_assert_eq "$(vnc_jpeg_size "$LAB_TMP/direct.jpg")" "$(vnc_jpeg_size "$LAB_TMP/gw.jpg")" \
	"vncsnapshot picture size"
a=$(stat -c %s "$LAB_TMP/direct.jpg") b=$(stat -c %s "$LAB_TMP/gw.jpg")
((b * 10 > a * 8 && b * 10 < a * 12)) || lab_fail "vncsnapshot jpeg sizes differ: $a vs $b"
echo "vncsnapshot: $(vnc_jpeg_size "$LAB_TMP/gw.jpg") through the gateway, $b bytes (direct $a)"

# Choosing an unoffered security type (None) is no way in.
out=$(lab_in peer "$RFB_PROBE" -v 3.8 -s 1 $GW "$port")
lab_assert_eq "refused: security type not offered" "$out" "security type None"
out=$(lab_in peer "$RFB_PROBE" -v 3.7 -s 1 $GW "$port")
lab_assert_eq "refused: security result 1" "$out" "security type None on 3.7"

# Several viewers share the console.
lab_in peer "$VNC_GRAB" -q -p "$pw" --hold 6 $GW "$port" >"$LAB_TMP/v1.out" &
v1=$!
lab_in dom0 "$VNC_GRAB" -q -p "$pw" --hold 6 $GW "$port" >"$LAB_TMP/v2.out" &
v2=$!
for ((i = 0; i < 100; i++)); do
	[ "$(vnc_console_field 1 viewers)" = 2 ] && break
	sleep 0.05
done
lab_assert_eq 2 "$(vnc_console_field 1 viewers)" "viewers of console 1"
wait $v1 || lab_fail "first shared viewer: $(cat "$LAB_TMP/v1.out")"
wait $v2 || lab_fail "second shared viewer: $(cat "$LAB_TMP/v2.out")"
lab_wait_for 3000 test "$(vnc_console_field 1 viewers)" = 0 || lab_fail "viewers not counted down"
echo "two viewers at once: ok"

# A display on a unix socket without authentication: viewers need a password, so the
# console waits for a gateway password (root only, read from stdin, never argv).
sock=$LAB_TMP/run/vm2.vnc
vnc_qemu vm2 "unix:$sock"
lab_wait_for 10000 test -S "$sock" || lab_fail "qemu did not create $sock"
vnc_domain 2 vm2 "vnc-listen=unix:$sock"
vnc_wait_state 2 no-password || lab_fail "console 2: $(NC consoles)"
port2=$(vnc_console_field 2 port)
out=$(lab_in peer "$RFB_PROBE" -v 3.8 -p "$pw" $GW "$port2")
[[ $out == *"no console password is set"* ]] || lab_fail "no-password console said: $out"
chmod 711 "$LAB_TMP"	# nobody reaches the control socket
echo gwsecret | lab_in dom0 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$NETCTL" -s "$VNC_SOCK" console-password vm2 2>"$LAB_TMP/np.err"
lab_assert_eq 1 $? "console-password as nobody"
grep -q "permission denied" "$LAB_TMP/np.err" || lab_fail "nobody: $(cat "$LAB_TMP/np.err")"
echo gwsecret | NC console-password vm2 >/dev/null || lab_fail "console-password"
vnc_wait_state 2 ready || lab_fail "console 2 after a gateway password: $(NC consoles)"
lab_assert_eq gateway "$(vnc_console_field 2 password)" "password source"
gpw=$(vnc_passfile gwsecret)
out=$(lab_in peer "$VNC_GRAB" -q -p "$gpw" $GW "$port2") || lab_fail "unix display: $out"
lab_assert_eq "frame 720x400" "$out" "frame from the unix-socket display"
grep -q gwsecret "$VNC_LOG" "$LAB_TMP/run/consoles.state" 2>/dev/null &&
	lab_fail "the gateway password appears in clear text"
echo "unix-socket display with a gateway password: ok"
NC consoles
echo "test_vncgw_qemu: all checks passed"
