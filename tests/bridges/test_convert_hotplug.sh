#!/bin/bash
# NIC hot-add: NICs named in the config that appear while netd runs are bridged by
# the same rules (eth1 direct, eth2 legacy); the renames of a legacy conversion do
# not look like new NICs; a link that is not an uplink (a guest vif) is left alone.
. "$(dirname "$0")/convert_lib.sh"
lab_need_cmd ping
cv_lab 1 addr
cv_conf direct "[nic eth1]
style = direct
[nic eth2]
style = legacy"
sed -i 's/^hotplug-nics = no/hotplug-nics = yes/' "$CV_CONF"
cv_netd_start
grep -q "bridge eth0: done" "$CV_OUT" || lab_fail "boot: $(cat "$CV_OUT")"
D=$(lab_ns dom0) L=$(lab_ns lan)

# plug I: a new NIC ethI whose other end joins the switch.
plug() {
	ip -n "$L" link add "d$1" type veth peer name "eth$1" netns "$D" || lab_fail "veth eth$1"
	ip -n "$L" link set "d$1" arp off master sw up
	ip -n "$D" link set "eth$1" up
}
plug 1
lab_wait_for 10000 grep -q "bridge eth1: done" "$CV_LOG" || { cat "$CV_LOG"; lab_fail "eth1 not bridged"; }
lab_in dom0 ip -o link show eth1 | grep -q "master xenbr1" || lab_fail "eth1 not in xenbr1"
plug 2
lab_wait_for 10000 grep -q "bridge eth2: done" "$CV_LOG" || { cat "$CV_LOG"; lab_fail "eth2 not bridged"; }
lab_in dom0 ip -o link show peth2 | grep -q "master xenbr2" || lab_fail "peth2 not in xenbr2"
lab_guest 1 0
sleep 0.5
grep -Eq "new NIC (peth2|vif|xenbr)" "$CV_LOG" && lab_fail "not an uplink: $(cat "$CV_LOG")"
# The hot-added bridge carries traffic: an address on it, the peer reaches it.
lab_in dom0 ip addr add 10.2.0.2/24 dev eth2
lab_in peer ip addr add 10.2.0.1/24 dev eth0
lab_in peer ping -c 1 -W 2 10.2.0.2 >/dev/null || lab_fail "peer cannot reach the hot-added eth2"
cv_netd_stop
echo "ok: hot-added NICs bridged (direct and legacy), renames and vifs ignored"
