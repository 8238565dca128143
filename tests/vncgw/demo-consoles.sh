# demo-consoles.sh - the console gateway part of scripts/demo.sh (sourced there, after
# the guests exist; uses its lab, say/show/NC and XS_TOOLSTACK). Each simulated guest
# gets a qemu display on dom0's loopback; the toolstack's console keys make netd give it
# a gateway port; the demo prints ready-to-use viewer command lines and takes one
# snapshot through the gateway.
say "guest consoles: qemu displays behind the VNC gateway (unprivileged, password first)"
if ! command -v qemu-system-x86_64 >/dev/null || ! command -v vncpasswd >/dev/null; then
	echo "(qemu-system-x86 or tigervnc-tools missing: console demo skipped)"
else
	for d in 1 2; do
		lab_bg dom0 qemu-system-x86_64 -name "guest$d" -machine pc,accel=tcg -m 16 \
			-nodefaults -vga std -display none -no-reboot -serial none -parallel none \
			-monitor none -object "secret,id=vnc$d,data=demo-pw$d" \
			-vnc "127.0.0.1:$d,password-secret=vnc$d"
		"$XS_TOOLSTACK" introduce "$d" "guest$d" >/dev/null
		xenstore-write "/local/domain/$d/console/vnc-listen" 127.0.0.1 \
			"/local/domain/$d/console/vnc-port" $((5900 + d)) \
			"/local/domain/$d/console/vnc-pass" "demo-pw$d"
		vncpasswd -f <<<"demo-pw$d" >"$LAB_TMP/guest$d.passwd"
	done
	for ((i = 0; i < 100; i++)); do
		[ "$(NC consoles --json | grep -o '"state":"ready"' | wc -l)" -ge 2 ] && break
		sleep 0.05
	done
	show NC consoles
	echo
	echo "Ready-to-use viewers (from the peer host; the password is demo-pwN):"
	NC consoles --json | python3 -c '
import json, sys
peer, tmp = sys.argv[1], sys.argv[2]
for c in json.load(sys.stdin)["consoles"]:
    if not c.get("port"):
        continue
    host = "10.0.0.2::%d" % c["port"]
    print("  %s: ip netns exec %s vncviewer %s" % (c["name"], peer, host))
    print("  %s  ip netns exec %s vncsnapshot -passwd %s/%s.passwd %s %s.jpg"
          % (" " * len(c["name"]), peer, tmp, c["name"], host, c["name"]))
' "$LAB_PEER" "$LAB_TMP"
	port=$(NC consoles --json | python3 -c 'import json,sys
print([c["port"] for c in json.load(sys.stdin)["consoles"] if c["domid"] == 1][0])')
	for ((i = 0; i < 30; i++)); do
		lab_in peer vncsnapshot -quiet -passwd "$LAB_TMP/guest1.passwd" "10.0.0.2::$port" \
			"$LAB_TMP/guest1.jpg" >/dev/null 2>&1 &&
			[ "$(stat -c %s "$LAB_TMP/guest1.jpg")" -gt 20000 ] && break
		sleep 0.5
	done
	if [ -s "$LAB_TMP/guest1.jpg" ]; then
		echo "vncsnapshot through the gateway: guest1's SeaBIOS screen, $(stat -c %s "$LAB_TMP/guest1.jpg") bytes of JPEG"
	else
		echo "vncsnapshot through the gateway: no picture (see netd's log)"
	fi
	echo "a wrong password is refused before the display is ever dialled:"
	vncpasswd -f <<<"wrong" >"$LAB_TMP/wrong.passwd"
	lab_in peer vncsnapshot -quiet -passwd "$LAB_TMP/wrong.passwd" "10.0.0.2::$port" \
		"$LAB_TMP/x.jpg" 2>&1 | head -2 | sed 's/^/  /'
fi
