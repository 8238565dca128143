#!/bin/bash
# The netlink link and the xenstore entry race; either may come first.
#  - link first: the device exists long before the toolstack writes the entry;
#  - xenstore first: the entry is in InitWait before the device appears;
#  - the device of an attached VIF disappears (netback gone): the record notes it,
#    and the entry's removal then drops the record.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup
vl_netd

# Link first.
vl_guest 10 0
sleep 0.3
lab_assert "link-only VIF stays untouched" vl_detached vif10.0
vl_add --style libxl --wait-hotplug 5000 10 0 >/dev/null || lab_fail "link-first attach"
lab_assert "link-first: attached" vl_attached vif10.0
lab_assert "link-first: guest reaches the peer" lab_wait_for 3000 vl_ping 10 0 1

# Xenstore first: state 2 with no device yet; the toolstack is already waiting.
"$XS_TOOLSTACK" vif-add --style libxl --wait-hotplug 5000 11 0 >"$LAB_TMP/add11" 2>&1 &
add_pid=$!
lab_assert "entry in InitWait" lab_wait_for 2000 vl_is 11 0 state 2
sleep 0.3
lab_assert "no status while the device is missing" vl_is 11 0 hotplug-status ""
vl_guest 11 0
wait "$add_pid" || lab_fail "xenstore-first attach: $(cat "$LAB_TMP/add11")"
lab_assert "xenstore-first: attached" vl_attached vif11.0
lab_assert "xenstore-first: guest reaches the peer" lab_wait_for 3000 vl_ping 11 0 1

# Both at once, many times: whatever the order, every VIF ends attached.
pids=()
for ((d = 20; d < 40; d++)); do
	if ((d % 2)); then
		lab_in dom0 ip link add "vif$d.0" type veth peer name "p$d" &
		pids+=($!)
		vl_add --style libxl "$d" 0 &
		pids+=($!)
	else
		vl_add --style libxl "$d" 0 &
		pids+=($!)
		lab_in dom0 ip link add "vif$d.0" type veth peer name "p$d" &
		pids+=($!)
	fi
done
for p in "${pids[@]}"; do wait "$p" || lab_fail "parallel add failed"; done
for ((d = 20; d < 40; d++)); do
	vl_wait_hs "$d" 0 connected 5000 || lab_fail "vif$d.0: no hotplug-status=connected"
	lab_assert "vif$d.0 attached" vl_attached "vif$d.0"
done

# The device vanishes under an attached VIF, then the toolstack removes the entry.
lab_in dom0 ip link del vif10.0
lab_assert "gone device noticed" lab_wait_for 2000 bash -c \
	"'$NETCTL' -s '$LAB_TMP/netd.sock' vifs | grep -qE '^10 +0 +- .* wait-link'"
vl_rm --style libxl 10 0 >/dev/null || lab_fail "remove 10/0"
lab_assert "record dropped" lab_wait_for 2000 bash -c \
	"! '$NETCTL' -s '$LAB_TMP/netd.sock' vifs | grep -qE '^10 +0 '"
vl_check_log
echo "ok"
