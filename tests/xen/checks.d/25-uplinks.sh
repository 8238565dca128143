# Lane 2: bond and VLAN uplinks (this kernel has bonding and 8021q; lane 1's lacks
# them). netd bridged them at start from their [nic] sections (20-netd): bond0 into
# xenbr2 (direct), eth1.100 into xenbr1.100 (direct), the VLAN staying on the
# physical NIC (peth1 after eth1's legacy conversion), addresses moved to the bridges.
# checks: bond_uplink vlan_uplink
master_of() { basename "$(readlink "/sys/class/net/$1/master" 2>/dev/null)"; }
[ "${NETD_OK:-0}" = 0 ] || wait_for 20 br_has xenbr2 bond0
if br_has xenbr2 bond0 && [ "$(master_of eth2)" = bond0 ] && [ "$(master_of eth3)" = bond0 ] &&
	ip -4 addr show dev xenbr2 | grep -q 'inet 10.99.2.1/24' &&
	! ip -4 addr show dev bond0 | grep -q inet; then
	result bond_uplink PASS "xenbr2 <- bond0 (eth2+eth3), 10.99.2.1/24 moved to xenbr2"
else
	result bond_uplink FAIL "xenbr2/bond0 not as expected"
	{ ip -br link; ip -br addr; } | diag
	netd_log | diag
fi

[ "${NETD_OK:-0}" = 0 ] || wait_for 20 br_has xenbr1.100 eth1.100
lower=$(ip -o link show eth1.100 2>/dev/null | sed -n 's/^[0-9]*: eth1\.100@\([^:]*\):.*/\1/p')
# The VLAN's addresses must keep the NIC's MAC: peth1 turns fe:ff:ff:ff:ff:ff, and a
# VLAN device inherits its lower device's MAC unless given one.
vmac=$(cat /sys/class/net/xenbr1.100/address 2>/dev/null)
if br_has xenbr1.100 eth1.100 && [ "$lower" = peth1 ] && [ "$vmac" = 52:54:00:d0:00:01 ] &&
	ip -4 addr show dev xenbr1.100 | grep -q 'inet 10.99.100.1/24'; then
	result vlan_uplink PASS "xenbr1.100 <- eth1.100 (on $lower), 10.99.100.1/24 moved, MAC $vmac"
else
	result vlan_uplink FAIL "xenbr1.100/eth1.100 not as expected (eth1.100 on '${lower:-?}', xenbr1.100 MAC '$vmac', want eth1's 52:54:00:d0:00:01)"
	{ ip -br link; ip -br addr; } | diag
	netd_log | diag
fi
