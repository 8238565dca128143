#!/bin/bash
# A ready backend whose device never appears fails after [vif] link-timeout-ms (a
# timer, not a sleep: other VIFs attach meanwhile); if the device shows up later it
# is attached after all and the status corrected.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup
vl_netd 500
start=$(date +%s%N)
"$XS_TOOLSTACK" vif-add --style libxl --wait-hotplug 5000 3 0 >"$LAB_TMP/add3" 2>&1 &
add_pid=$!
vl_guest 4 0
vl_add --style libxl --wait-hotplug 5000 4 0 >/dev/null || lab_fail "4/0 while 3/0 waits"
wait "$add_pid" && lab_fail "3/0 attached without a device"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
((ms >= 450 && ms < 3000)) || lab_fail "error after $ms ms, want ~500"
lab_assert_eq error "$(vl_read "$(vl_be 3 0 hotplug-status)")" "status"
lab_assert_eq "device vif3.0 did not appear within 500 ms" \
	"$(vl_read "$(vl_be 3 0 hotplug-error)")" "hotplug-error"
grep -q "vif 3/0: hotplug-status=error: device vif3.0 did not appear" "$LAB_TMP/netd.log" ||
	lab_fail "log line"

vl_guest 3 0
lab_assert "late device attached" lab_wait_for 2000 vl_attached vif3.0
lab_assert "status corrected" lab_wait_for 2000 vl_is 3 0 hotplug-status connected
lab_assert "hotplug-error removed" vl_absent 3 0 hotplug-error
vl_check_log
echo "ok"
