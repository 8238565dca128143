#!/bin/bash
# The attach/detach hooks (the firewall's per-VIF rules hang there), with the manager
# run alone by vif-hookd: attached() sees the port in its bridge but still down;
# detached() gets the very record attached() got even after xenstore changed; an
# HVM guest's emulated NIC is reported too; a failing attached() becomes
# hotplug-status=error with its text and the port is taken out again.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

: "${VIF_HOOKD:?VIF_HOOKD must name vif-hookd}"
vl_setup
out=$LAB_TMP/hooks
# On failure, show what the hooks printed.
eval "vl_orig_$(declare -f lab_fail)"
lab_fail() { { echo "--- hooks:"; cat "$out" "$LAB_TMP/hookd.err"; } >&2; vl_orig_lab_fail "$@"; }
ip netns exec "$LAB_DOM0" "$VIF_HOOKD" >"$out" 2>"$LAB_TMP/hookd.err" &
hookd=$!
lab_track_pid "$hookd"
lab_assert "vif-hookd ready" lab_wait_for 10000 grep -q ready "$out"
has() { grep -qxF "$1" "$out"; }

vl_guest 12 0
vl_add --style xend --wait-hotplug 5000 12 0 bridge=xenbr0 ip="10.0.100.13 10.9.0.1" \
	>/dev/null || lab_fail "add 12/0"
lab_assert "attached() before the port is up" lab_wait_for 3000 has \
	"attached 12 0 vif12.0 xenbr0 00:16:3e:00:0c:00 10.0.100.13,10.9.0.1 pv up=0 master=xenbr0"
lab_assert "port up after the hook" vl_attached vif12.0
# The toolstack drops the ip key before the detach: the hook still gets the record.
xenstore-rm "$(vl_be 12 0 ip)"
vl_rm --style xend --timeout 5000 12 0 || lab_fail "remove 12/0"
lab_assert "detached() with the record made at attach" lab_wait_for 2000 has \
	"detached 12 0 vif12.0 xenbr0 00:16:3e:00:0c:00 10.0.100.13,10.9.0.1 pv"

lab_in dom0 ip link add vif14.0 type veth peer name p14 || lab_fail vif14.0
lab_in dom0 ip link add vif14.0-emu type veth peer name e14 || lab_fail vif14.0-emu
vl_add --style libxl --wait-hotplug 5000 14 0 type=vif_ioemu >/dev/null || lab_fail "add 14/0"
lab_assert "HVM: the PV device" lab_wait_for 3000 has \
	"attached 14 0 vif14.0 xenbr0 00:16:3e:00:0e:00 - pv up=0 master=xenbr0"
lab_assert "HVM: the emulated NIC" lab_wait_for 2000 has \
	"attached 14 0 vif14.0-emu xenbr0 00:16:3e:00:0e:00 - emu up=0 master=xenbr0"

lab_in dom0 ip link add vif13.0 type veth peer name p13 || lab_fail vif13.0
out13=$(vl_add --style libxl --wait-hotplug 5000 13 0 2>&1) && lab_fail "13/0 attached: $out13"
lab_assert_eq "vif13.0: firewall says no" "$(vl_read "$(vl_be 13 0 hotplug-error)")" \
	"hook failure text"
lab_assert "refused port taken out" vl_detached vif13.0
lab_assert "no detached() for a refused attach" vl_not grep -q "^detached 13 " "$out"

# The device vanishes: detached() all the same.
lab_in dom0 ip link del vif14.0-emu
lab_assert "detached() for a vanished device" lab_wait_for 2000 has \
	"detached 14 0 vif14.0-emu xenbr0 00:16:3e:00:0e:00 - emu"
kill "$hookd"
wait "$hookd" 2>/dev/null
grep -E "ERROR: (AddressSanitizer|LeakSanitizer: detected)|runtime error" "$LAB_TMP/hookd.err" &&
	lab_fail "vif-hookd: sanitizer report"
echo "ok"
