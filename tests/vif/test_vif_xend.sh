#!/bin/bash
# xend order: the entry without hotplug-status (and here without `bridge`: xend may
# omit it; netd then uses libxl's default xenbr0, never "the first bridge");
# detach: online=0, then state=5 as separate writes, then xend waits for
# hotplug-status to disappear before it removes the directories.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup
# A bridge that sorts before xenbr0: the script's fallback would pick it.
lab_in dom0 ip link add aaa0 type bridge || lab_fail "bridge aaa0"
vl_netd
vl_guest 4 0
out=$(vl_add --style xend --wait-hotplug 5000 4 0) || lab_fail "xend vif-add: $out"
lab_assert "no bridge key in the xend entry" vl_not xenstore-exists "$(vl_be 4 0 bridge)"
lab_assert "vif4.0 on xenbr0" vl_attached vif4.0 xenbr0
lab_assert "guest reaches the peer" lab_wait_for 3000 vl_ping 4 0 1

vl_rm --style xend --timeout 5000 4 0 || lab_fail "xend vif-remove (hotplug-status never vanished?)"
lab_assert "vif4.0 left the bridge" vl_detached vif4.0
lab_assert "guest cut off after detach" vl_not vl_ping 4 0 1
lab_assert "backend removed" vl_not xenstore-exists "$(vl_be 4 0)"
lab_in dom0 ip link del vif4.0
vl_check_log
echo "ok"
