#!/bin/bash
# kill -9 of netd while guests talk to the peer: zero packets lost, during the kill,
# while it is gone and while the new netd reconciles (it finds every VIF attached and
# changes nothing).
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup
vl_netd
for d in 1 2 3 4; do
	vl_guest "$d" 0
	vl_add --style libxl --wait-hotplug 5000 "$d" 0 >/dev/null || lab_fail "add $d"
	lab_assert "guest $d reaches the peer" lab_wait_for 3000 vl_ping "$d" 0 1
done
for d in 1 2 3 4; do
	lab_bg "$d.0" sh -c "exec ping -q -c 200 -i 0.02 -W 1 10.0.0.1 >'$LAB_TMP/ping$d' 2>&1"
	eval "ping$d=\$LAB_LAST_PID"
done
sleep 0.5
for round in 1 2 3; do
	vl_netd_kill KILL
	sleep 0.3
	vl_netd
	lab_wait_for 3000 bash -c "[ \$('$NETCTL' -s '$LAB_TMP/netd.sock' vifs | grep -c ' attached ') = 4 ]" ||
		lab_fail "round $round: the new netd does not see 4 attached VIFs"
	sleep 0.3
done
for d in 1 2 3 4; do
	eval "pid=\$ping$d"
	wait "$pid"
	grep -q " 200 received, 0% packet loss" "$LAB_TMP/ping$d" ||
		lab_fail "guest $d lost packets across kill -9 of netd: $(grep loss "$LAB_TMP/ping$d")"
done
n=$(grep -c "vif[0-9]*\.0 attached to xenbr0" "$LAB_TMP/netd.log")
lab_assert_eq 4 "$n" "attach log lines (only the first netd configures)"
vl_check_log
echo "ok"
