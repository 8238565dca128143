#!/bin/bash
# Direct style end to end with the real netd: a peer pings dom0 at 100/s during the
# conversion (loss printed, goal <= 1); then the default route, TCP from the peer, a
# guest on the bridge reaching the peer; a restart changes nothing; --stop-bridges
# gives back the exact prior state.
. "$(dirname "$0")/convert_lib.sh"
STYLE=${STYLE:-direct} GOAL=${GOAL:-1} BR_DEV=xenbr0
[ "$STYLE" = legacy ] && BR_DEV=eth0 # where the addresses live afterwards
lab_need_cmd socat ping
cv_lab 1 addr
lab_in dom0 ip route add default via 10.0.0.1 dev eth0
lab_in dom0 ip addr add 10.0.0.3/24 dev eth0           # a secondary
cv_conf "$STYLE"
cv_state "$LAB_TMP/before"

# A TCP service on dom0 that must stay reachable.
lab_bg dom0 socat TCP-LISTEN:7000,fork,reuseaddr SYSTEM:'echo pong'

cv_ping_start 10.0.0.2 300
sleep 0.8
cv_netd_start
cv_ping_loss
grep -q "bridge eth0: done" "$CV_OUT" || lab_fail "netd: $(cat "$CV_OUT")"
echo "ping loss during $STYLE conversion: $CV_LOSS of $CV_SENT packets at 100/s (goal <= $GOAL)"
((CV_LOSS <= ${CV_LOSS_MAX:-$((GOAL + 2))})) || lab_fail "lost $CV_LOSS packets"

# The result.
lab_in dom0 ip -o link show eth0 | grep -q "master xenbr0" && [ "$STYLE" = legacy ] &&
	lab_fail "legacy: the pseudo eth0 must not be a bridge port"
route=$(lab_in dom0 ip route show default)
[[ $route == "default via 10.0.0.1 dev $BR_DEV"* ]] || lab_fail "default route: '$route'"
lab_in dom0 ip -o addr show dev "$BR_DEV" | grep -q "10.0.0.3/24" || lab_fail "secondary lost"
out=$(lab_in peer socat -T2 - TCP:10.0.0.2:7000 </dev/null) || lab_fail "TCP peer -> dom0"
lab_assert_eq pong "$out" "TCP answer"
lab_guest 1 0 "" "" 10.0.0.50/24
lab_in dom0 ip link set vif1.0 master xenbr0 up
lab_in 1.0 ping -c 2 -W 2 -i 0.2 10.0.0.1 >/dev/null || lab_fail "guest cannot reach the peer"
lab_in dom0 ip link del vif1.0

# A restart finds the work done and changes nothing.
cv_state "$LAB_TMP/converted"
cv_netd_stop
cv_netd_start
grep -q "bridge eth0: already in place" "$CV_OUT" || lab_fail "restart: $(cat "$CV_OUT")"
cv_netd_stop
cv_state "$LAB_TMP/restarted"
cv_same "$LAB_TMP/converted" "$LAB_TMP/restarted" "after a restart"

# --stop-bridges: back to the NIC, exactly as before (ping loss printed too).
cv_ping_start 10.0.0.2 200
sleep 0.5
lab_in dom0 "$NETD" --stop-bridges -f "$CV_CONF" 2>"$CV_OUT" || lab_fail "stop: $(cat "$CV_OUT")"
cv_ping_loss
echo "ping loss during $STYLE revert: $CV_LOSS of $CV_SENT packets"
cv_state "$LAB_TMP/after"
cv_same "$LAB_TMP/before" "$LAB_TMP/after" "after --stop-bridges"
lab_in dom0 "$NETD" --stop-bridges -f "$CV_CONF" 2>"$CV_OUT" || lab_fail "second stop"
cv_state "$LAB_TMP/after2"
cv_same "$LAB_TMP/before" "$LAB_TMP/after2" "second --stop-bridges"
echo "ok: $STYLE conversion, restart and revert"
