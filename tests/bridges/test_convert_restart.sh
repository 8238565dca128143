#!/bin/bash
# A conversion killed half-way (DOM0NET_FAULT_CRASH: the process dies at a step)
# is recognised from kernel state alone at the next start: a half-done direct
# conversion is completed, a half-done legacy one is undone and done again.
. "$(dirname "$0")/convert_lib.sh"
lab_need_cmd ping
cv_lab 1 addr
D() { lab_in dom0 "$@"; }
D ip addr add 10.0.0.3/24 dev eth0
D ip route add default via 10.0.0.1 dev eth0
cv_state "$LAB_TMP/plain"

# crash STYLE STEP: convert-driver dies at STEP.
crash() {
	cv_conf "$1"
	DOM0NET_FAULT_STEP=$2 DOM0NET_FAULT_CRASH=1 cv_drv convert "$CV_CONF" eth0
	lab_assert_eq 99 "$CV_RC" "$1: exit status of a crash at $2"
}
check_direct() {
	[[ $(D ip route show default) == "default via 10.0.0.1 dev xenbr0"* ]] ||
		lab_fail "$1: default route: $(D ip route show default)"
	lab_assert_eq 2 "$(D ip -o -4 addr show dev xenbr0 | wc -l)" "$1: addresses on xenbr0"
	lab_assert_eq 0 "$(D ip -o -4 addr show dev eth0 | wc -l)" "$1: addresses left on eth0"
	lab_in peer ping -c 1 -W 2 10.0.0.2 >/dev/null || lab_fail "$1: peer cannot reach dom0"
}
check_legacy() {
	[[ $(D ip route show default) == "default via 10.0.0.1 dev eth0"* ]] ||
		lab_fail "$1: default route: $(D ip route show default)"
	D ip -o link show peth0 | grep -q "master xenbr0" || lab_fail "$1: peth0"
	D ip -d -o link show eth0 | grep -q "veth" || lab_fail "$1: eth0 is not the pseudo NIC"
	lab_in peer ping -c 1 -W 2 10.0.0.2 >/dev/null || lab_fail "$1: peer cannot reach dom0"
}
revert() {
	cv_drv revert "$CV_CONF" eth0
	grep -q "eth0: converted" "$CV_OUT" || lab_fail "revert: $(cat "$CV_OUT")"
	cv_state "$LAB_TMP/now"
	cv_same "$LAB_TMP/plain" "$LAB_TMP/now" "$1: revert"
}

# Direct, killed after the enslave (addresses still on eth0) and after the addresses
# were copied (on both links): the next start completes it.
for step in add-addresses del-addresses; do
	crash direct "$step"
	cv_netd_start
	grep -q "bridge eth0: done" "$CV_OUT" || lab_fail "restart after $step: $(cat "$CV_OUT")"
	cv_netd_stop
	check_direct "direct, crash at $step"
	revert "direct, crash at $step"
	echo "ok: direct conversion killed at $step is completed at the next start"
done

# Legacy, killed before the cut-over (pair and bridge exist): undone, then redone.
crash legacy enslave-vif
cv_netd_start
grep -q "bridge eth0: done" "$CV_OUT" || lab_fail "restart: $(cat "$CV_OUT")"
cv_netd_stop
check_legacy "legacy, crash at enslave-vif"
revert "legacy, crash at enslave-vif"
echo "ok: legacy conversion killed at enslave-vif is undone and redone at the next start"

# Legacy, killed in the middle of the cut-over (addresses off, ethN renamed pethN,
# the pseudo NIC still named vethN), and killed in the middle of a revert (addresses
# off the pseudo NIC): detected; names and MAC are put back, the addresses and routes
# in flight come back from the journal, and the conversion is redone.
for step in rename-veth peth-mac; do
	crash legacy "$step"
	D ip -o link show peth0 >/dev/null 2>&1 || lab_fail "crash at $step did not leave peth0"
	ls "$DOM0NET_RUN_DIR"/convert-eth0.journal >/dev/null || lab_fail "no journal"
	cv_drv convert "$CV_CONF" eth0
	grep -q "eth0: converted: half-done legacy conversion found" "$CV_OUT" ||
		lab_fail "half-done legacy ($step) not reported: $(cat "$CV_OUT")"
	echo "ok: crash at $step -> $(cat "$CV_OUT")"
	check_legacy "legacy, crash at $step"
	[ -e "$DOM0NET_RUN_DIR"/convert-eth0.journal ] && lab_fail "journal left behind"
	mac=$(awk '$1 == "eth0" {print $3}' "$LAB_TMP/plain")
	[ -n "$mac" ] || lab_fail "no MAC for eth0 in the saved state"
	D ip -o link show eth0 | grep -q "link/ether $mac" || lab_fail "eth0 lost the physical MAC $mac"
	revert "legacy, crash at $step"
done
# Killed after the cut-over, before the routes were back: all pieces are there, the
# journal says the run did not finish; the next start puts the rest back.
crash legacy add-routes
cv_netd_start
grep -q "bridge eth0: done" "$CV_OUT" || lab_fail "restart after add-routes: $(cat "$CV_OUT")"
cv_netd_stop
check_legacy "legacy, crash at add-routes"
[ -e "$DOM0NET_RUN_DIR"/convert-eth0.journal ] && lab_fail "journal left behind"
echo "ok: legacy conversion killed at add-routes is finished from its journal at the next start"

DOM0NET_FAULT_STEP=uplink-up DOM0NET_FAULT_CRASH=1 cv_drv revert "$CV_CONF" eth0
lab_assert_eq 99 "$CV_RC" "crash during the revert"
cv_drv revert "$CV_CONF" eth0
grep -q "eth0: converted" "$CV_OUT" || lab_fail "revert after a crashed revert: $(cat "$CV_OUT")"
cv_state "$LAB_TMP/now"
cv_same "$LAB_TMP/plain" "$LAB_TMP/now" "revert after a crashed revert"
echo "ok: a revert killed at uplink-up is finished by the next revert, exact prior state"
