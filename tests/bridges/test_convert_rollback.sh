#!/bin/bash
# A conversion (and a revert) that fails half-way is rolled back to the exact prior
# state: a failure injected before each step in turn (DOM0NET_FAULT_STEP), and a
# real kernel refusal. Compared: ip -d addr, routes in every table, rules, link
# names, MACs and flags.
. "$(dirname "$0")/convert_lib.sh"
cv_lab 1 addr
D() { lab_in dom0 "$@"; }
D ip addr add 10.0.0.3/24 dev eth0                        # secondary
D ip addr add 10.9.0.2/24 dev eth0 label eth0:9           # second subnet, label
D ip addr add 10.0.0.4/24 dev eth0 valid_lft 3600 preferred_lft 1800  # lifetimes
D ip route add default via 10.0.0.1 dev eth0 metric 100
D ip route add default via 10.0.0.254 dev eth0 metric 200  # a second default
D ip route add 10.77.0.0/16 via 10.0.0.1 dev eth0 proto static
D ip route add 192.168.50.0/24 via 10.0.0.1 dev eth0 table 100
D ip route add default via 10.0.0.1 dev eth0 table 100 src 10.0.0.3
D ip rule add from 10.0.0.3 table 100

direct_steps="create-bridge bridge-up enslave add-addresses add-routes del-addresses del-routes verify"
legacy_steps="create-veth pair-setup create-bridge bridge-up enslave-vif journal del-addresses uplink-down
	rename-uplink rename-veth pin-vlans peth-mac enslave-peth peth-up eth-up add-addresses add-routes verify"
direct_revert="add-addresses add-routes del-addresses del-routes release verify"
legacy_revert="peth-down del-addresses pseudo-down rename-pseudo release-peth rename-peth
	uplink-mac uplink-up add-addresses add-routes verify"

# fault OP STATE_FILE STEP...: OP fails at each STEP and leaves STATE_FILE's state.
fault() {
	local op=$1 want=$2 step
	shift 2
	for step in "$@"; do
		DOM0NET_FAULT_STEP=$step cv_drv "$op" "$CV_CONF" eth0
		((CV_RC == 1)) || lab_fail "$op, fault at $step: exit $CV_RC: $(cat "$CV_OUT")"
		grep -q "eth0: failed: step $step: fault injected" "$CV_OUT" ||
			lab_fail "$op, fault at $step: $(cat "$CV_OUT")"
		grep -q "ROLLBACK INCOMPLETE" "$CV_OUT" && lab_fail "$op at $step: $(cat "$CV_OUT")"
		cv_state "$LAB_TMP/now"
		cv_same "$want" "$LAB_TMP/now" "$STYLE $op, fault at $step"
		echo "ok: $STYLE $op rolled back exactly after a fault at $step"
	done
}

for STYLE in direct legacy; do
	cv_conf "$STYLE"
	cv_state "$LAB_TMP/before"
	steps=${STYLE}_steps
	# shellcheck disable=SC2086
	fault convert "$LAB_TMP/before" ${!steps}
	cv_drv convert "$CV_CONF" eth0
	grep -q "eth0: converted" "$CV_OUT" || lab_fail "convert: $(cat "$CV_OUT")"
	cv_state "$LAB_TMP/converted"
	steps=${STYLE}_revert
	# shellcheck disable=SC2086
	fault revert "$LAB_TMP/converted" ${!steps}
	cv_drv revert "$CV_CONF" eth0
	grep -q "eth0: converted" "$CV_OUT" || lab_fail "revert: $(cat "$CV_OUT")"
	cv_state "$LAB_TMP/after"
	cv_same "$LAB_TMP/before" "$LAB_TMP/after" "$STYLE revert"
done

# A real kernel refusal half-way: the veth pair's name is taken, so the legacy
# conversion fails at create-veth; the bridge name taken by a non-bridge makes the
# direct one fail at create-bridge. The kernel's error text is reported.
D ip link add name xenbr0 type veth peer name xenbr0p
cv_state "$LAB_TMP/before"
cv_conf direct
cv_drv convert "$CV_CONF" eth0
grep -q "eth0: failed: step create-bridge: xenbr0: .*exists" "$CV_OUT" ||
	lab_fail "name clash: $(cat "$CV_OUT")"
cv_state "$LAB_TMP/now"
cv_same "$LAB_TMP/before" "$LAB_TMP/now" "direct, bridge name taken"
echo "ok: $(cat "$CV_OUT")"
D ip link del xenbr0
D ip link add name veth0 type veth peer name veth0p
cv_state "$LAB_TMP/before"
cv_conf legacy
cv_drv convert "$CV_CONF" eth0
grep -q "eth0: failed: step create-veth" "$CV_OUT" || lab_fail "veth clash: $(cat "$CV_OUT")"
cv_state "$LAB_TMP/now"
cv_same "$LAB_TMP/before" "$LAB_TMP/now" "legacy, veth name taken"
echo "ok: $(cat "$CV_OUT")"
