# Lane 2: netd starts at "boot" from the unit's command line and bridges the QEMU NICs:
# eth0 in the direct style (xenbr0 takes eth0's address and the default route), eth1 in
# the legacy style (eth1 renamed peth1, a veth pseudo-NIC eth1 keeps the address,
# vif0.1 + peth1 in xenbr1). `netctl show` must match bridge-utils' `brctl show`.
# checks: nics netd_config netd_start bridge_direct bridge_legacy netctl_show

# ---- the host as the installer left it: two addressed NICs, a default route ------------
for m in e1000 llc stp bridge veth xen-netback 8021q; do modprobe "$m"; done
modprobe bonding max_bonds=0 # else loading it creates a bond0 of its own
syslogd -O /var/log/messages -s 2000
wait_for 10 test -e /sys/class/net/eth1
nics_ok=1
for i in 0 1; do
	mac=$(cat /sys/class/net/eth$i/address 2>/dev/null)
	[ "$mac" = "52:54:00:d0:00:0$i" ] || nics_ok=0
done
ip link set eth0 up && ip addr add 10.99.0.1/24 dev eth0 && ip route add default via 10.99.0.254 dev eth0
ip link set eth1 up && ip addr add 10.99.1.1/24 dev eth1
# Bond and VLAN uplinks (checked in 25-uplinks): bond0 = eth2 + eth3 (active-backup, on
# one QEMU hub), VLAN 100 on eth1, which the legacy style renames peth1.
wait_for 10 test -e /sys/class/net/eth3
ip link add bond0 type bond mode active-backup miimon 100 &&
	ip link set eth2 master bond0 && ip link set eth3 master bond0 &&
	ip link set bond0 up && ip addr add 10.99.2.1/24 dev bond0 || nics_ok=0
ip link add link eth1 name eth1.100 type vlan id 100 &&
	ip link set eth1.100 up && ip addr add 10.99.100.1/24 dev eth1.100 || nics_ok=0

if [ $nics_ok = 1 ]; then
	result nics PASS "$(ls -d /sys/bus/pci/drivers/e1000/0000:* | wc -l) e1000 NICs, eth0/eth1 addressed, bond0 and eth1.100 set up"
else
	result nics FAIL "eth0/eth1 missing or in the wrong order, or bond0/eth1.100 not set up"
	ip -br link | diag
fi

# As shipped: the firewall (with anti-spoofing) and the console gateway on; qemu keeps
# 127.0.0.1:5900+, so the gateway listens on dom0's xenbr0 address.
fw=yes
gw=yes
# What the distribution loads at boot for a bridged firewall (the unit may not load modules).
for m in br_netfilter iptable_filter xt_physdev; do modprobe $m; done
cat >/etc/dom0net/dom0net.conf <<CONF
[global]
log-level = debug
[bridges]
default-style = none
hotplug-nics = no
[nic eth0]
style = direct
[nic eth1]
style = legacy
[nic bond0]
style = direct
bridge = xenbr2
[nic eth1.100]
style = direct
[vif]
link-timeout-ms = 20000
[firewall]
enable = $fw
anti-spoof = $fw
ssh-networks = any
[console]
enable = $gw
listen = 10.99.0.1
ports = 5900-5999
[agent]
enable = no
CONF

if ! [ -x /usr/sbin/netd ]; then
	result netd_config FAIL "netd was not built (no netd binary in the build dir)"
elif out=$(netd -n -f /etc/dom0net/dom0net.conf 2>&1); then
	result netd_config PASS "netd -n: $out"
else
	result netd_config FAIL "netd -n: $out"
fi

# The command line systemd would run (ExecStart of the installed unit).
NETD_CMD=/usr/sbin/netd
if [ -f /lib/systemd/system/dom0net.service ]; then
	NETD_CMD=$(sed -n 's/^ExecStart=-\{0,1\}//p' /lib/systemd/system/dom0net.service | head -n1)
	NETD_CMD=${NETD_CMD//\$MAINPID/}
fi
start_netd() {
	# stdout/stderr through a pipe, as systemd's journal stream is a socket: a regular
	# file would turn the sandboxed gateway's RLIMIT_FSIZE into SIGXFSZ.
	# shellcheck disable=SC2086
	setsid $NETD_CMD 2>&1 </dev/null | cat >>/var/log/netd.out &
	wait_for 20 timeout 5 netctl status >/dev/null
}
t=$(uptime_s)
NETD_OK=0
if [ -x /usr/sbin/netd ] && start_netd; then
	NETD_OK=1
	result netd_start PASS "'$NETD_CMD' answers netctl status (started at ${t}s, pid $(netd_pid))"
else
	result netd_start FAIL "'$NETD_CMD' does not answer netctl status"
	netd_log | diag
fi

# Direct: xenbr0 holds eth0 as its port, eth0's address and the default route.
br_has() { [ "$(basename "$(readlink /sys/class/net/$2/master 2>/dev/null)")" = "$1" ]; }
[ $NETD_OK = 0 ] || wait_for 20 br_has xenbr0 eth0
if br_has xenbr0 eth0 && ip -4 addr show dev xenbr0 | grep -q 'inet 10.99.0.1/24' &&
	ip route show default | grep -q 'via 10.99.0.254 dev xenbr0' &&
	! ip -4 addr show dev eth0 | grep -q inet; then
	result bridge_direct PASS "xenbr0 <- eth0, 10.99.0.1/24 and default route moved"
else
	result bridge_direct FAIL "xenbr0/eth0 not as expected"
	{ ip -br addr; ip route; } | diag
	netd_log | diag
fi

# Legacy: peth1 + vif0.1 in xenbr1, the pseudo eth1 has the address and eth1's MAC.
[ $NETD_OK = 0 ] || wait_for 20 br_has xenbr1 peth1
if br_has xenbr1 peth1 && br_has xenbr1 vif0.1 &&
	[ "$(cat /sys/class/net/eth1/address)" = 52:54:00:d0:00:01 ] &&
	[ "$(cat /sys/class/net/peth1/address)" = fe:ff:ff:ff:ff:ff ] &&
	ip -4 addr show dev eth1 | grep -q 'inet 10.99.1.1/24'; then
	result bridge_legacy PASS "xenbr1 <- peth1 + vif0.1, eth1 (veth) keeps 10.99.1.1/24"
else
	result bridge_legacy FAIL "xenbr1/peth1/vif0.1/eth1 not as expected"
	{ ip -br link; ip -br addr; } | diag
	netd_log | diag
fi

timeout 10 netctl show >/tmp/netctl.show 2>&1
brctl show >/tmp/brctl.show 2>&1
if cmp -s /tmp/netctl.show /tmp/brctl.show && grep -q '^xenbr0' /tmp/netctl.show &&
	grep -q '^xenbr1' /tmp/netctl.show; then
	result netctl_show PASS "matches brctl show ($(grep -c '^xenbr' /tmp/netctl.show) bridges)"
else
	result netctl_show FAIL "differs from brctl show"
	diff /tmp/brctl.show /tmp/netctl.show | diag
fi
