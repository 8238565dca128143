#!/bin/bash
# HVM guests have an emulated NIC besides the PV one: libxl names it vifD.N-emu, xend
# tapD.N. Both are attached to the VIF's bridge and detached with it.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup
vl_netd
# libxl: vif5.0 (PV) + vif5.0-emu (a veth here), type vif_ioemu.
vl_guest 5 0
lab_in dom0 ip link add vif5.0-emu type veth peer name e5 || lab_fail "vif5.0-emu"
vl_add --style libxl --wait-hotplug 5000 5 0 type=vif_ioemu >/dev/null || lab_fail "libxl HVM add"
lab_assert "vif5.0 attached" vl_attached vif5.0
lab_assert "vif5.0-emu attached" lab_wait_for 2000 vl_attached vif5.0-emu
lab_assert "netctl shows the emulated NIC" bash -c \
	"'$NETCTL' -s '$LAB_TMP/netd.sock' vifs | grep -qE '^5 +0 +vif5.0 +vif5.0-emu +xenbr0'"

# xend: tap6.0 (a real tap device) + vif6.0, type ioemu; the emulated NIC appears
# only after the backend is ready (qemu starts later).
vl_guest 6 0
vl_add --style xend --wait-hotplug 5000 6 0 type=ioemu bridge=xenbr0 >/dev/null ||
	lab_fail "xend HVM add"
lab_in dom0 ip tuntap add tap6.0 mode tap || lab_fail "tap6.0"
lab_assert "tap6.0 attached when it appears" lab_wait_for 2000 vl_attached tap6.0

# A PV guest's tap-named device is not attached (type vif).
vl_guest 7 0
lab_in dom0 ip tuntap add tap7.0 mode tap || lab_fail "tap7.0"
vl_add --style libxl --wait-hotplug 5000 7 0 >/dev/null || lab_fail "PV add"
lab_assert "tap7.0 left alone for a PV VIF" vl_detached tap7.0

vl_rm --style libxl 5 0 >/dev/null	# online=0, state=5, then removal
lab_assert "vif5.0 detached" lab_wait_for 2000 vl_detached vif5.0
lab_assert "vif5.0-emu detached" lab_wait_for 2000 vl_detached vif5.0-emu
vl_rm --style xend --timeout 5000 6 0 || lab_fail "xend HVM remove"
lab_assert "tap6.0 detached" vl_detached tap6.0
lab_assert "vif6.0 detached" vl_detached vif6.0
lab_in dom0 ip link del tap6.0
lab_in dom0 ip link del tap7.0
vl_check_log
echo "ok"
