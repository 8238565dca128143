#!/bin/bash
# IPv6 on the uplink (the lab turns IPv6 off; this test turns it on in dom0): a
# static address and a static route move with the IPv4 ones, in both styles; in
# legacy style pethN, vif0.N and the bridge carry no address, not even a link-local;
# the revert restores the exact state, address generation mode included.
. "$(dirname "$0")/convert_lib.sh"
cv_lab 1 addr
D() { lab_in dom0 "$@"; }
D sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
	net.ipv6.conf.eth0.disable_ipv6=0
D ip addr add fd00::2/64 dev eth0 nodad
D ip route add fd01::/64 via fd00::1 dev eth0
D ip route add default via 10.0.0.1
no_tentative() { ! D ip -6 addr | grep -q tentative; }
settle() { lab_wait_for 5000 no_tentative || lab_fail "IPv6 DAD never finished: $(D ip -6 addr)"; }
settle
for style in direct legacy; do
	on=xenbr0
	[ "$style" = legacy ] && on=eth0
	cv_conf "$style"
	cv_state "$LAB_TMP/before"
	cv_drv convert "$CV_CONF" eth0
	grep -q "eth0: converted" "$CV_OUT" || lab_fail "$style: $(cat "$CV_OUT")"
	D ip -6 -o addr show dev "$on" | grep -q "fd00::2/64" || lab_fail "$style: fd00::2 not on $on: $(D ip -6 addr)"
	[[ $(D ip -6 route show fd01::/64) == "fd01::/64 via fd00::1 dev $on"* ]] ||
		lab_fail "$style: route: $(D ip -6 route show fd01::/64)"
	if [ "$style" = legacy ]; then
		for l in peth0 vif0.0 xenbr0; do
			[ -z "$(D ip -6 addr show dev "$l")" ] || lab_fail "$l has IPv6: $(D ip -6 addr show dev "$l")"
		done
	fi
	settle
	cv_drv revert "$CV_CONF" eth0
	grep -q "eth0: converted" "$CV_OUT" || lab_fail "$style revert: $(cat "$CV_OUT")"
	settle
	cv_state "$LAB_TMP/after"
	cv_same "$LAB_TMP/before" "$LAB_TMP/after" "$style revert with IPv6"
	echo "ok: IPv6 address and route moved ($style) and back"
done
