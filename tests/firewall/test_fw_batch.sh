#!/bin/bash
# Many guests at once (a host booting, then a mass destroy): their anti-spoof rules go
# in and out with a few firewall commits, not one per VIF, and every VIF gets exactly
# its own chain.
# The backends wait for their devices; netd is paused (SIGSTOP) while all devices
# appear, so on SIGCONT it finds the whole burst queued, as after a busy moment.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
. "${VIF_LAB:?}"
lab_need_cmd iptables-legacy-save python3
N=60
vl_setup 1
VL_FIREWALL=$'anti-spoof = yes\ncluster-conf = '"$LAB_TMP/none"
vl_netd
log=$LAB_TMP/netd.log sock=$LAB_TMP/netd.sock
netd_pid=$VL_NETD
commits() {
	"$NETCTL" -s "$sock" firewall --json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["transactions"]["commits"])'
}

for ((d = 1; d <= N; d++)); do
	vl_add --style libxl "$d" 0 ip=10.0.100.$d >/dev/null || lab_fail "backend $d"
done
before=$(commits) || lab_fail "netctl firewall --json"
kill -STOP "$netd_pid"
vl_devices $N 1
kill -CONT "$netd_pid"
for ((d = 1; d <= N; d++)); do
	vl_wait_hs "$d" 0 connected 10000 || lab_fail "vif$d.0 not connected: $(tail -3 "$log")"
done
after=$(commits)
used=$((after - before))
echo "$N VIFs attached with $used firewall commits"
((used <= 2)) || lab_fail "$used commits for $N VIFs: the hooks were not batched"
table=$(lab_in dom0 iptables-legacy-save -t filter)
for ((d = 1; d <= N; d++)); do
	grep -q -- "-A DOM0NET-VIF-vif$d.0 -s 10.0.100.$d/32 " <<<"$table" ||
		lab_fail "vif$d.0 has no rule for its address"
done
chains=$(grep -c '^:DOM0NET-VIF-' <<<"$table")
lab_assert_eq "$N" "$chains" "one chain per VIF"

# All guests go away while netd is paused: their rules leave in one commit too.
before=$(commits)
kill -STOP "$netd_pid"
for ((d = 1; d <= N; d++)); do
	vl_rm --style libxl "$d" 0 >/dev/null 2>&1 || lab_fail "remove $d"
done
kill -CONT "$netd_pid"
lab_wait_for 10000 bash -c "! ip netns exec '$LAB_DOM0' iptables-legacy-save -t filter | grep -q '^:DOM0NET-VIF-'" ||
	lab_fail "VIF chains left after the removal"
used=$(($(commits) - before))
echo "$N VIFs detached with $used firewall commits"
((used <= 2)) || lab_fail "$used commits for $N detaches: the hooks were not batched"
vl_check_log
echo "test_fw_batch: all checks passed"
