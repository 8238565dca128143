# Lane 2: kill -9 netd while d1 pings dom0 through xenbr0, start it again from the unit's
# command line: no ping may be lost (the datapath is the kernel's, netd only steers it),
# and the restarted netd rebuilds its VIF table from the kernel and xenstore.
# d1 starts its ping series when 10.99.0.2 answers: the go signal, over the same path.
# checks: netd_restart netctl_vifs
loop_running() { guest_line d1 loop | grep -q '^DOMU loop start'; }
if [ "${D1_PING_OK:-0}" = 1 ]; then
	ip addr add 10.99.0.2/24 dev xenbr0
	wait_for 60 loop_running
fi
pid=$(netd_pid)
if loop_running && [ -n "$pid" ]; then
	sleep 1
	kill -9 $pid
	t=$(uptime_s)
	start_netd
	up=$?
	loop_done() { guest_line d1 loop | grep -q '^DOMU loop done'; }
	[ $up != 0 ] || wait_for 60 loop_done
	ip addr del 10.99.0.2/24 dev xenbr0
	l=$(guest_line d1 loop)
	tx=$(echo "$l" | sed -n 's/.*tx=\([0-9]*\).*/\1/p')
	rx=$(echo "$l" | sed -n 's/.*rx=\([0-9]*\).*/\1/p')
	if [ $up = 0 ] && [ -n "$tx" ] && [ "$tx" = "$rx" ] && [ "$tx" -gt 0 ]; then
		result netd_restart PASS "killed at ${t}s, back (pid $(netd_pid)); guest pings tx=$tx rx=$rx, none lost"
	else
		result netd_restart FAIL "restarted=$([ $up = 0 ] && echo yes || echo no); guest: '${l:-no loop result}'"
		netd_log | diag
	fi
else
	result netd_restart FAIL "no ping loop in d1 ('$(guest_line d1 loop)') or no netd pid ('$pid')"
fi

d1=$(xl domid d1 2>/dev/null)
d2=$(xl domid d2 2>/dev/null)
timeout 10 netctl vifs >/tmp/vifs 2>&1
if grep -q "vif$d1\.0.*xenbr0" /tmp/vifs && grep -q "vif$d2\.0.*xenbr1" /tmp/vifs; then
	result netctl_vifs PASS "after the restart: vif$d1.0 on xenbr0, vif$d2.0 on xenbr1"
else
	result netctl_vifs FAIL "netctl vifs does not list vif$d1.0/xenbr0 and vif$d2.0/xenbr1"
	diag /tmp/vifs
fi
