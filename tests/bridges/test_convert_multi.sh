#!/bin/bash
# Two NICs through the real netd, one per style: eth0 (direct) with two default
# routes, a static route, a second routing table and a rule; eth1 (legacy) with
# secondary addresses and no default route. Everything moves, the peer reaches both,
# and --stop-bridges restores the exact prior state.
. "$(dirname "$0")/convert_lib.sh"
lab_need_cmd ping
cv_lab 2 addr
D() { lab_in dom0 "$@"; }
D ip route add default via 10.0.0.1 dev eth0 metric 100
D ip route add default via 10.0.0.254 dev eth0 metric 200
D ip route add 10.77.0.0/16 via 10.0.0.1 dev eth0 proto static metric 7
D ip route add 192.168.50.0/24 via 10.0.0.1 dev eth0 table 100
D ip route add default via 10.0.0.1 dev eth0 table 100
D ip rule add from 10.0.0.2 to 192.168.50.0/24 table 100
D ip addr add 10.1.0.3/24 dev eth1
D ip addr add 10.1.0.4/24 dev eth1
D ip addr add 10.11.0.2/16 dev eth1
cv_conf "direct legacy"
cv_state "$LAB_TMP/before"
cv_drv discover "$CV_CONF"
lab_assert_eq "eth0 eth1" "$(tr '\n' ' ' <"$CV_OUT" | sed 's/ $//')" "discovered uplinks"

cv_netd_start
grep -q "bridge eth0: done" "$CV_OUT" && grep -q "bridge eth1: done" "$CV_OUT" ||
	lab_fail "netd: $(cat "$CV_OUT")"
routes=$(D ip route show)
for r in "default via 10.0.0.1 dev xenbr0 metric 100" \
	"default via 10.0.0.254 dev xenbr0 metric 200" \
	"10.77.0.0/16 via 10.0.0.1 dev xenbr0 proto static metric 7"; do
	grep -qxF "$r " <<<"$routes" || grep -qxF "$r" <<<"$routes" || lab_fail "missing '$r' in: $routes"
done
lab_assert_eq "192.168.50.0/24 via 10.0.0.1 dev xenbr0" \
	"$(D ip route show table 100 192.168.50.0/24 | sed 's/ *$//')" "table 100"
D ip route show | grep -q "dev eth1 .*" || lab_fail "no route on the pseudo eth1"
D ip route show | grep -q "default.*eth1" && lab_fail "eth1 gained a default route"
lab_assert_eq 4 "$(D ip -o -4 addr show dev eth1 | wc -l)" "addresses on the pseudo eth1"
D ip -o link show peth1 | grep -q "master xenbr1" || lab_fail "peth1 not in xenbr1"
D ip -o link show eth0 | grep -q "master xenbr0" || lab_fail "eth0 not in xenbr0"
for a in 10.0.0.2 10.1.0.2 10.1.0.4; do
	lab_in peer ping -c 1 -W 2 "$a" >/dev/null || lab_fail "peer cannot reach $a"
done
cv_netd_stop
lab_in dom0 "$NETD" --stop-bridges -f "$CV_CONF" 2>"$CV_OUT" || lab_fail "stop: $(cat "$CV_OUT")"
cv_state "$LAB_TMP/after"
cv_same "$LAB_TMP/before" "$LAB_TMP/after" "after --stop-bridges"
echo "ok: two NICs (direct + legacy), two defaults, table 100, secondaries, no default on eth1"
