#!/bin/bash
# netd restarted in the middle of 50 attaches: VIFs that reached InitWait while it was
# down are attached by the new instance (missing statuses written), the ones attached
# before are found attached and not touched, a port whose entry vanished while netd
# was down is removed from the bridge. Stopping netd never detaches anything.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup
vl_netd
vl_devices 50
vl_guest 60 0
vl_add --style libxl --wait-hotplug 5000 60 0 >/dev/null || lab_fail "60/0"

for ((d = 1; d <= 50; d++)); do
	vl_add --style libxl "$d" 0 >/dev/null || lab_fail "add $d"
	if ((d == 25)); then
		vl_wait_hs 25 0 connected 5000 || lab_fail "25/0 before the stop"
		vl_netd_kill TERM
		lab_assert "attached VIFs stay attached without netd" vl_attached vif25.0
		lab_assert "guest keeps its network without netd" vl_ping 60 0 1
		# While netd is down: 60/0's entry is removed (its port is now stale), and a
		# stale error on 30/0 shows up later.
		xenstore-rm "$(vl_be 60 0)"
		mv "$LAB_TMP/netd.log" "$LAB_TMP/netd1.log"
	fi
	((d == 35)) && vl_netd
done
for ((d = 1; d <= 50; d++)); do
	vl_wait_hs "$d" 0 connected 5000 || lab_fail "$d/0 not connected after the restart"
	lab_assert "vif$d.0 attached" vl_attached "vif$d.0"
done
for ((d = 1; d <= 25; d++)); do
	grep -q "vif $d/0: vif$d.0 attached" "$LAB_TMP/netd.log" &&
		lab_fail "vif$d.0 was reconfigured by the new netd"
	grep -q "vif $d/0: vif$d.0 found attached to xenbr0" "$LAB_TMP/netd.log" ||
		lab_fail "vif$d.0 not recognised as attached"
done
lab_assert "stale port removed" lab_wait_for 2000 vl_detached vif60.0
lab_assert "its guest is cut off" vl_not vl_ping 60 0 1
# kill -9 in steady state: nothing changes in the kernel or in xenstore.
before=$(lab_in dom0 ip -o link show | grep -o 'vif[0-9]*\.0.*master xenbr0 state [A-Z]*' | sort)
vl_netd_kill KILL
after=$(lab_in dom0 ip -o link show | grep -o 'vif[0-9]*\.0.*master xenbr0 state [A-Z]*' | sort)
lab_assert_eq "$before" "$after" "links after kill -9"
lab_assert_eq connected "$(vl_read "$(vl_be 10 0 hotplug-status)")" "status after kill -9"
VL_NETD=""
grep -q "AddressSanitizer\|runtime error" "$LAB_TMP/netd1.log" && lab_fail "sanitizer report (first netd)"
vl_check_log
echo "ok"
