#!/bin/bash
# Which bridge: the `bridge` key; a legacy xenbrN that does not exist means the bridge
# that took over ethN (a bridge named ethN, or the bridge holding ethN or pethN as a
# port); never "the first bridge". A missing bridge is hotplug-status=error with a
# clear hotplug-error, and other VIFs are unaffected.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup 2
lab_in dom0 ip link add aaa0 type bridge || lab_fail "bridge aaa0"
lab_in dom0 ip link add br1 type bridge || lab_fail "bridge br1"
lab_in dom0 ip link set eth1 master br1 || lab_fail "eth1 -> br1"
lab_in dom0 ip link add eth7 type bridge || lab_fail "bridge eth7"	# network-bridge style
lab_in dom0 ip link add peth8 type veth peer name x8 || lab_fail "peth8"
lab_in dom0 ip link add br8 type bridge || lab_fail "bridge br8"
lab_in dom0 ip link set peth8 master br8 || lab_fail "peth8 -> br8"
vl_netd

expect_error() {	# D BRIDGE TEXT
	local out
	lab_in dom0 ip link add "vif$1.0" type veth peer name "p$1" || lab_fail "vif$1.0"
	out=$(vl_add --style libxl --wait-hotplug 5000 "$1" 0 bridge="$2" 2>&1) &&
		lab_fail "bridge=$2 attached: $out"
	lab_assert_eq error "$(vl_read "$(vl_be "$1" 0 hotplug-status)")" "bridge=$2 status"
	lab_assert_eq "$3" "$(vl_read "$(vl_be "$1" 0 hotplug-error)")" "bridge=$2 hotplug-error"
	lab_assert "vif$1.0 not enslaved" vl_detached "vif$1.0"
	grep -q "vif $1/0: .*$3" "$LAB_TMP/netd.log" || lab_fail "no log line for bridge=$2"
}
expect_bridge() {	# D BRIDGE WANT
	lab_in dom0 ip link add "vif$1.0" type veth peer name "p$1" || lab_fail "vif$1.0"
	vl_add --style libxl --wait-hotplug 5000 "$1" 0 bridge="$2" >/dev/null ||
		lab_fail "bridge=$2 failed"
	lab_assert "bridge=$2 -> $3" vl_attached "vif$1.0" "$3"
}

expect_error 1 nosuchbr "bridge nosuchbr does not exist"
expect_error 2 xenbr5 "bridge xenbr5 does not exist"
expect_error 3 eth0 "eth0 is not a bridge"
expect_bridge 4 xenbr0 xenbr0
expect_bridge 5 xenbr1 br1	# xenbr1 missing, eth1 is a port of br1
expect_bridge 6 xenbr7 eth7	# xenbr7 missing, eth7 is a bridge
expect_bridge 7 xenbr8 br8	# xenbr8 missing, peth8 is a port of br8
expect_bridge 8 aaa0 aaa0
# A failure elsewhere did not disturb the attached VIFs.
lab_assert "vif4.0 still attached" vl_attached vif4.0 xenbr0
vl_check_log
echo "ok"
