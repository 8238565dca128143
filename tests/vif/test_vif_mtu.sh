#!/bin/bash
# MTU: the backend's `mtu` wins; else the bridge's. The effective value goes to the
# frontend's mtu key (libxl pre-writes one; xend does not).
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup
lab_in dom0 ip link set eth0 mtu 1400 || lab_fail "eth0 mtu"
lab_in dom0 ip link set xenbr0 mtu 1400 || lab_fail "xenbr0 mtu"
vl_netd
mtu_of() { lab_in dom0 cat "/sys/class/net/$1/mtu"; }

vl_guest 1 0
vl_add --style libxl --wait-hotplug 5000 1 0 mtu=9000 >/dev/null || lab_fail "mtu=9000"
lab_assert_eq 9000 "$(mtu_of vif1.0)" "backend mtu wins"
lab_assert_eq 9000 "$(vl_read /local/domain/1/device/vif/0/mtu)" "frontend mtu 9000"

vl_guest 2 0
vl_add --style libxl --wait-hotplug 5000 2 0 >/dev/null || lab_fail "no mtu key"
lab_assert_eq 1400 "$(mtu_of vif2.0)" "the bridge's mtu"
lab_assert_eq 1400 "$(vl_read /local/domain/2/device/vif/0/mtu)" "frontend mtu 1400"

vl_guest 3 0
vl_add --style xend --wait-hotplug 5000 3 0 bridge=xenbr0 mtu=1300 >/dev/null || lab_fail "xend"
lab_assert_eq 1300 "$(mtu_of vif3.0)" "xend backend mtu"
lab_assert_eq 1300 "$(vl_read /local/domain/3/device/vif/0/mtu)" "xend frontend mtu written"
lab_assert "guest reaches the peer at mtu 1300" lab_wait_for 3000 vl_ping 3 0 1

out=$(vl_add --style libxl --wait-hotplug 5000 4 0 mtu=1000000000 2>&1) && lab_fail "mtu 1e9: $out"
lab_assert_eq "mtu '1000000000' is not a number in 68..65535" \
	"$(vl_read "$(vl_be 4 0 hotplug-error)")" "mtu 1e9 error"
vl_check_log
echo "ok"
