# Lane 2: guests through the real toolstack and netback. libxl's hotplug "script" is a
# stand-in that waits for netd's hotplug-status (packaging/vif-dom0net), so `xl create`
# succeeds only once netd attached the VIF; both PV guests then ping dom0's bridge
# address through netfront/netback. Later checks wait only when these passed, so a
# broken build fails fast instead of running into the lane's deadline.
# checks: xl_create_d1 xl_create_d2 vif_connected guest_ping_d1 guest_ping_d2

# guest_cfg NAME VIFSPEC IP PEER [EXTRA...]: write /etc/xen/NAME.cfg for a PV guest that
# configures IP on eth0 and pings PEER (domU-init.sh; EXTRA goes on its command line).
guest_cfg() {
	local name=$1 vif=$2 ip=$3 peer=$4
	shift 4
	cat >"/etc/xen/$name.cfg" <<CFG
name = "$name"
type = "pv"
kernel = "/lane2/vmlinuz"
ramdisk = "/lane2/domU.cpio.gz"
extra = "console=hvc0 quiet rdinit=/init d0ip=$ip d0peer=$peer $*"
memory = 128
vcpus = 1
vif = [ '$vif' ]
on_poweroff = "destroy"
on_crash = "destroy"
CFG
}
# guest_line NAME KEY: the guest's last "DOMU KEY ..." console line (xenconsoled log).
guest_line() { tr -d '\r' <"/var/log/xen/console/guest-$1.log" 2>/dev/null | grep "^DOMU $2" | tail -n1; }
xs() { xenstore-read "$1" 2>/dev/null; }
vif_state() { # NAME: "backend-state frontend-state hotplug-status"
	local d
	d=$(xl domid "$1" 2>/dev/null) || return
	echo "$(xs /local/domain/0/backend/vif/$d/0/state) $(xs /local/domain/$d/device/vif/0/state)" \
		"$(xs /local/domain/0/backend/vif/$d/0/hotplug-status)"
}

# d1 has an ip= (anti-spoof rules when the firewall is on; 50-antispoof).
guest_cfg d1 bridge=xenbr0,mac=00:16:3e:d0:01:00,ip=10.99.0.11 10.99.0.11/24 10.99.0.1 \
	d0loop=60 d0go=10.99.0.2
guest_cfg d2 bridge=xenbr1,mac=00:16:3e:d0:02:00 10.99.1.12/24 10.99.1.1
# Both at once: xl serialises what must be (its own lock), the rest overlaps.
pids=
for g in d1 d2; do
	(
		t=$(uptime_s)
		timeout 60 xl create "/etc/xen/$g.cfg" >/tmp/create.$g 2>&1
		echo "$? $(awk "BEGIN{print $(uptime_s)-$t}")" >/tmp/create.$g.rc
	) &
	pids="$pids $!"
done
wait $pids # not a bare `wait`: netd is a background job of this shell too
created=0
for g in d1 d2; do
	read -r rc secs </tmp/create.$g.rc
	if [ "$rc" = 0 ]; then
		created=$((created + 1))
		result xl_create_$g PASS "domid $(xl domid $g), xl create took ${secs}s (d1 and d2 in parallel)"
	else
		result xl_create_$g FAIL "xl create: $(tail -n1 /tmp/create.$g)"
		tail -n 15 /tmp/create.$g | diag
		netd_log | diag
	fi
done

# Backend and frontend Connected (4), hotplug-status connected, vifD.0 in the right bridge.
both_connected() {
	[ "$(vif_state d1)" = "4 4 connected" ] && [ "$(vif_state d2)" = "4 4 connected" ]
}
[ $created = 0 ] || wait_for 30 both_connected
VIFS_OK=0
d1=$(xl domid d1 2>/dev/null)
d2=$(xl domid d2 2>/dev/null)
if both_connected && br_has xenbr0 "vif$d1.0" && br_has xenbr1 "vif$d2.0"; then
	VIFS_OK=1
	result vif_connected PASS "vif$d1.0 in xenbr0, vif$d2.0 in xenbr1, states 4/4, hotplug-status connected"
else
	result vif_connected FAIL "d1: '$(vif_state d1)' d2: '$(vif_state d2)' (backend frontend hotplug-status)"
	{ ip -br link; xenstore-ls -f /local/domain/0/backend/vif; } 2>&1 | diag
	netd_log | diag
fi

pinged() { guest_line d1 ping | grep -q . && guest_line d2 ping | grep -q .; }
[ $VIFS_OK = 0 ] || wait_for 60 pinged
D1_PING_OK=0 # 40-restart needs d1's path
for g in d1 d2; do
	p=$(guest_line $g ping)
	if [ "${p#DOMU ping ok}" != "$p" ]; then
		[ $g = d1 ] && D1_PING_OK=1
		result guest_ping_$g PASS "${p#DOMU ping }"
	else
		result guest_ping_$g FAIL "'${p:-no answer}'"
		tail -n 8 "/var/log/xen/console/guest-$g.log" 2>/dev/null | diag
	fi
done
