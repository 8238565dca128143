# Lane 2: per-VIF anti-spoofing on bridged traffic (FORWARD with br_netfilter). Guest d3
# has ip=10.99.0.13 in its vif spec and pings d1 across xenbr0: with its own address the
# pings pass; from a forged address (10.99.0.66) they must be dropped.
# checks: antispoof
guest_cfg d3 bridge=xenbr0,mac=00:16:3e:d0:03:00,ip=10.99.0.13 10.99.0.13/24 10.99.0.11 \
	d0spoof=10.99.0.66
if ! [ "${D1_PING_OK:-0}" = 1 ]; then
	result antispoof FAIL "needs d1 reachable on xenbr0 (guest_ping_d1)"
elif ! out=$(timeout 60 xl create /etc/xen/d3.cfg 2>&1); then
	result antispoof FAIL "xl create d3: $(echo "$out" | tail -n1)"
	netd_log | diag
else
	spoofed() { guest_line d3 spoof | grep -q .; }
	wait_for 90 spoofed
	p=$(guest_line d3 ping)
	sp=$(guest_line d3 spoof)
	if [ "${p#DOMU ping ok}" != "$p" ] && [ "$sp" = "DOMU spoof dropped 10.99.0.66" ]; then
		result antispoof PASS "d3 -> d1 from 10.99.0.13 answered, from 10.99.0.66 dropped"
	else
		result antispoof FAIL "d3: '${p:-no ping result}' '${sp:-no spoof result}'"
		{
			echo "bridge-nf-call-iptables=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>&1)"
			iptables -L DOM0NET-FORWARD -v -n
			iptables -L DOM0NET-VIF-vif$(xl domid d3).0 -v -n
			tail -n 8 /var/log/xen/console/guest-d3.log
		} 2>&1 | diag
	fi
fi
