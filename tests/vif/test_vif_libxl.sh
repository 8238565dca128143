#!/bin/bash
# libxl order, PV: the toolstack writes the entry (state 1, hotplug-status ""), netback
# creates vifD.N and writes state 2; netd attaches, writes hotplug-status=connected and
# the frontend mtu; the guest reaches the peer across xenbr0. Detach: online=0 and
# state=5 in one transaction -> netd leaves the bridge and clears the status; netback
# (played here) writes state 6 and removes the device; libxl removes the directories.
# The guest no longer reaches the peer once detached.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup
vl_netd
vl_guest 1 0
lab_assert "guest isolated before attach" vl_not vl_ping 1 0 1

out=$(vl_add --style libxl --wait-hotplug 5000 1 0 ip=10.0.100.2) ||
	lab_fail "libxl vif-add: $out"
lab_assert "vif1.0 attached" vl_attached vif1.0
lab_assert_eq connected "$(vl_read "$(vl_be 1 0 hotplug-status)")" "hotplug-status"
lab_assert_eq "" "$(vl_read "$(vl_be 1 0 hotplug-error)")" "no hotplug-error"
lab_assert_eq 1500 "$(vl_read /local/domain/1/device/vif/0/mtu)" "frontend mtu"
lab_assert "guest reaches the peer" lab_wait_for 3000 vl_ping 1 0 1
lab_assert "netctl vifs lists it" bash -c "'$NETCTL' -s '$LAB_TMP/netd.sock' vifs |
	grep -qE '^1 +0 +vif1.0 .* xenbr0 +00:16:3e:00:01:00 +10.0.100.2 +attached +connected'"
json=$(vl_netctl vifs --json) || lab_fail "netctl vifs --json"
lab_assert "json is JSON" python3 -c "import json,sys; v=json.loads(sys.argv[1]);
assert v[0]['device']=='vif1.0' and v[0]['ips']==['10.0.100.2'] and v[0]['state']=='attached'" "$json"

# Detach, libxl order.
vl_rm --style libxl --wait-closed --timeout 5000 1 0 &
rm_pid=$!
lab_assert "state 5 written" lab_wait_for 3000 vl_is 1 0 state 5
lab_assert "vif1.0 left the bridge" lab_wait_for 3000 vl_detached vif1.0
lab_assert "hotplug-status cleared" lab_wait_for 3000 vl_absent 1 0 hotplug-status
lab_assert "guest cut off after detach" vl_not vl_ping 1 0 1
"$XS_TOOLSTACK" vif-state 1 0 6 || lab_fail "netback state 6"
lab_in dom0 ip link del vif1.0
wait "$rm_pid" || lab_fail "libxl vif-remove failed"
lab_assert "backend removed" vl_not xenstore-exists "$(vl_be 1 0)"
lab_assert "record dropped" lab_wait_for 2000 bash -c \
	"! '$NETCTL' -s '$LAB_TMP/netd.sock' vifs | grep -q vif1.0"

# The same domid/devid again (a reboot re-uses names): a fresh attach.
vl_guest 1 1
vl_add --style libxl --wait-hotplug 5000 1 1 >/dev/null || lab_fail "second VIF"
lab_assert "vif1.1 attached" vl_attached vif1.1
vl_check_log
grep -q "vif 1/0: vif1.0 attached to xenbr0" "$LAB_TMP/netd.log" || lab_fail "attach log line"
echo "ok"
