#!/bin/bash
# Bond and VLAN uplinks named in the config: bond0 (slaves eth0, eth1) and eth1.5
# (-> xenbr0, xenbr2.5) bridged in both styles and reverted. Needs bonding and 8021q (lane 2).
. "$(dirname "$0")/convert_lib.sh"
probe() {
	local ns=d0t$$probe ok
	ip netns add "$ns" || return 1
	ip -n "$ns" link add b0 type bond >/dev/null 2>&1 &&
		ip -n "$ns" link add p type veth peer name q >/dev/null 2>&1 &&
		ip -n "$ns" link add link p name p.5 type vlan id 5 >/dev/null 2>&1
	ok=$?
	ip netns del "$ns"
	return $ok
}
probe || { echo "skipped: no bonding/8021q module in this kernel (runs in lane 2)"; exit 77; }
cv_lab 3
D() { lab_in dom0 "$@"; }
D ip link set eth0 down
D ip link set eth1 down
D ip link add bond0 type bond mode active-backup
D ip link set eth0 master bond0
D ip link set eth1 master bond0
D ip link set bond0 up
D ip addr add 10.0.0.2/24 dev bond0
D ip route add default via 10.0.0.1 dev bond0
D ip link add link eth2 name eth2.5 type vlan id 5
D ip link set eth2.5 up
D ip addr add 10.5.0.2/24 dev eth2.5
for style in direct legacy; do
	cat >"$CV_CONF" <<EOC
[bridges]
default-style = none
[nic bond0]
style = $style
[nic eth2.5]
style = $style
EOC
	cv_state "$LAB_TMP/before"
	cv_drv discover "$CV_CONF"
	lab_assert_eq "bond0 eth2.5" "$(tr '\n' ' ' <"$CV_OUT" | sed 's/ $//')" "discovered"
	cv_drv convert "$CV_CONF" bond0 eth2.5
	grep -q "bond0: converted" "$CV_OUT" && grep -q "eth2.5: converted" "$CV_OUT" ||
		lab_fail "$style: $(cat "$CV_OUT")"
	[[ $(D ip route show default) == *"via 10.0.0.1"* ]] || lab_fail "$style: default route"
	D ip -o link show xenbr0 >/dev/null && D ip -o link show xenbr2.5 >/dev/null ||
		lab_fail "$style: bridges: $(D ip -br link)"
	cv_drv revert "$CV_CONF" bond0 eth2.5
	cv_state "$LAB_TMP/after"
	cv_same "$LAB_TMP/before" "$LAB_TMP/after" "$style revert"
	echo "ok: bond and VLAN uplinks, $style style"
done
