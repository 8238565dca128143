#!/bin/bash
# A whole "boot" with the legacy style: netd converts eth0 (pethN, vif0.0, pseudo eth0)
# while the VIF manager watches the same links. vif0.0 is the bridge's dom0 port, not a
# guest's: it must stay enslaved and up, across a netd restart too, and dom0 must stay
# reachable; a real guest VIF on the same bridge attaches beside it.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
lab_init
lab_dom0 1 addr
lab_peer
lab_xenstored
netd=${NETD:?} netctl=${NETCTL:?}
conf=$LAB_TMP/netd.conf runs=0
cat >"$conf" <<EOC
[global]
pidfile = $LAB_TMP/netd.pid
control-socket = $LAB_TMP/netd.sock
[bridges]
default-style = none
[nic eth0]
style = legacy
[firewall]
enable = no
[console]
enable = no
EOC
D() { lab_in dom0 "$@"; }
start_netd() { # each run logs to its own file, so the waits see this run only
	log=$LAB_TMP/netd.log.$((++runs))
	lab_bg dom0 bash -c "exec '$netd' -d -f '$conf' 2>'$log'"
	NETD_PID=$LAB_LAST_PID
	lab_wait_for 5000 grep -q "xenstore: connected" "$log" || lab_fail "netd: $(cat "$log")"
}
check_dom0_port() { # the legacy wiring is intact and dom0 answers
	D ip -o link show vif0.0 | grep -q "master xenbr0" || lab_fail "$1: vif0.0 left xenbr0"
	D ip -o link show vif0.0 | grep -q "state UP" || lab_fail "$1: vif0.0 is not up"
	lab_in peer ping -c 3 -i 0.2 -W 1 10.0.0.2 >/dev/null || lab_fail "$1: dom0 unreachable"
}

start_netd
grep -q "bridge eth0: done" "$log" || lab_fail "no conversion: $(cat "$log")"
sleep 0.5 # give the VIF manager time to (wrongly) act on vif0.0
check_dom0_port "after boot"
grep -q "vif 0/" "$log" && lab_fail "the VIF manager touched vif0.0: $(grep 'vif 0/' "$log")"

lab_guest 3 0 vif3.0 00:16:3e:00:03:00 10.0.0.33/24
"$XS_TOOLSTACK" vif-add --style libxl --wait-hotplug 5000 3 0 bridge=xenbr0 \
	mac=00:16:3e:00:03:00 >/dev/null || lab_fail "guest vif3.0 not attached"
lab_in 3.0 ping -c 2 -W 1 10.0.0.1 >/dev/null || lab_fail "guest cannot reach the peer"

kill -TERM "$NETD_PID"; wait "$NETD_PID" 2>/dev/null
start_netd
grep -q "bridge eth0: already in place" "$log" || lab_fail "restart: $(tail -5 "$log")"
sleep 0.5
check_dom0_port "after restart"
lab_in 3.0 ping -c 2 -W 1 10.0.0.1 >/dev/null || lab_fail "guest lost after restart"
echo "test_boot_legacy: all checks passed"
