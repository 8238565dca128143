# Lane 2: a guest's frame buffer through the real Xen device model and the gateway.
# d4 has vfb=['vnc=1,vnclisten=127.0.0.1']: libxl starts xen-qemu-system-i386 (machine
# xenpv) as its vfb backend, serving VNC on 127.0.0.1. No vncpasswd: Debian 12's
# qemu-system-xen has no DES ("Cipher backend does not support DES algorithm") and
# refuses to start with one. vfb_console grabs a frame from qemu directly (no auth);
# vnc_gateway sets the gateway password with `netctl console-password d4` and grabs a
# frame through netd's gateway on 10.99.0.1:59xx with VNC authentication.
# checks: vfb_console vnc_gateway
cat >/etc/xen/d4.cfg <<'CFG'
name = "d4"
type = "pv"
kernel = "/lane2/vmlinuz"
ramdisk = "/lane2/domU.cpio.gz"
extra = "console=hvc0 quiet rdinit=/init"
memory = 128
vcpus = 1
vfb = [ 'vnc=1,vnclisten=127.0.0.1' ]
on_poweroff = "destroy"
on_crash = "destroy"
CFG
# snap HOST PORT FILE [-passwd FILE]: one frame with vncsnapshot.
snap() {
	local host=$1 port=$2 out=$3
	shift 3
	timeout 40 vncsnapshot -quiet "$@" "$host::$port" "$out" >/tmp/snap.out 2>&1 && [ -s "$out" ]
}
if ! out=$(timeout 60 xl create /etc/xen/d4.cfg 2>&1); then
	result vfb_console FAIL "xl create d4: $(echo "$out" | tail -n1)"
	{ echo "$out" | tail -n 10; tail -n 15 /var/log/xen/qemu-dm-d4.log; } 2>&1 | diag
	result vnc_gateway FAIL "no vfb guest"
else
	d4=$(xl domid d4)
	has_port() { xenstore-read "/local/domain/$d4/console/vnc-port" >/dev/null; }
	wait_for 30 has_port
	qport=$(xenstore-read "/local/domain/$d4/console/vnc-port" 2>/dev/null)
	if [ -n "$qport" ] && snap 127.0.0.1 "$qport" /tmp/d4-direct.jpg; then
		result vfb_console PASS "qemu serves d4's frame buffer on 127.0.0.1:$qport ($(wc -c </tmp/d4-direct.jpg) bytes JPEG)"
	else
		result vfb_console FAIL "no frame from qemu on 127.0.0.1:'$qport'"
		{ cat /tmp/snap.out; tail -n 8 /var/log/xen/qemu-dm-d4.log; } 2>/dev/null | diag
	fi
	if reason=$(pending_reason vnc_gateway); then
		result vnc_gateway PENDING "$reason"
	else
		echo lane2pw | timeout 10 netctl console-password d4 >/tmp/cpw.out 2>&1
		# The gateway's port for d4: the 59xx on d4's line of `netctl consoles`.
		gw_port() {
			timeout 5 netctl consoles 2>/dev/null | grep -E "(^|[^0-9])($d4|d4)([^0-9]|$)" |
				grep -oE '\b59[0-9][0-9]\b' | head -n1
		}
		has_gw() { [ -n "$(gw_port)" ]; }
		wait_for 20 has_gw
		gport=$(gw_port)
		if [ -n "$gport" ] && snap 10.99.0.1 "$gport" /tmp/d4-gw.jpg -passwd /lane2/vncpw; then
			result vnc_gateway PASS "d4 on the gateway 10.99.0.1:$gport, frame grabbed with the console password ($(wc -c </tmp/d4-gw.jpg) bytes)"
		else
			result vnc_gateway FAIL "no frame through the gateway (port '${gport:-none}')"
			{ cat /tmp/cpw.out; timeout 5 netctl consoles; cat /tmp/snap.out; } 2>&1 | diag
			netd_log | diag
		fi
	fi
fi
