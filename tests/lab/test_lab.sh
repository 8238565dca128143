#!/bin/bash
# Proves lab.sh: a dom0 with 2 NICs on a LAN switch, a peer, a guest; real
# pings between namespaces; then that nothing is left behind after a
# normal exit, a failed assertion and a SIGTERM.
#
#   test_lab.sh                 the test (runs the cases below as children)
#   test_lab.sh inner STATE     build the lab, ping, exit 0
#   test_lab.sh fail STATE      build a lab, fail an assertion
#   test_lab.sh term STATE      build a lab with a background process, get
#                               SIGTERM
# STATE: file where a child records what it created.
. "$(dirname "$0")/lab.sh"

ping1() { lab_in "$1" ping -c 1 -W 2 -q "$2" >/dev/null; }

record() {
	{
		echo "LAB_ID=$LAB_ID"
		echo "LAB_TMP=$LAB_TMP"
		echo "XS_PID=$(xs_pid "$LAB_XS_DIR")"
		echo "BG_PID=${LAB_LAST_PID:-}"
	} >"$1"
}

inner() {
	lab_dom0 2 addr
	# shellcheck disable=SC2119 # lab_peer: default addresses
	lab_peer
	lab_guest 1 0 "" "" 10.0.0.101/24
	lab_xenstored
	record "$1"

	lab_assert_eq Domain-0 "$(xenstore-read /local/domain/0/name)" \
		"xenstored answers"
	# Names: all namespaces carry the lab prefix; dom0 has the NICs and
	# the guest's vif, the guest has eth0 with the requested MAC.
	for ns in "$LAB_DOM0" "$LAB_LAN" "$LAB_PEER" "$(lab_guest_ns 1 0)"; do
		[[ $ns == d0t* ]] || lab_fail "namespace $ns lacks the d0t prefix"
	done
	lab_assert_eq "eth0 eth1 vif1.0" "$(lab_in dom0 ls /sys/class/net |
		grep -v lo | xargs)" "dom0 links"
	lab_assert_eq 00:16:3e:00:01:00 \
		"$(lab_in 1.0 cat /sys/class/net/eth0/address)" "guest MAC"
	lab_assert_eq DOWN "$(lab_in dom0 ip -br link show vif1.0 |
		awk '{print $2}')" "vif left down as netback leaves it"

	# dom0's NICs reach the peer across the switch.
	lab_assert "dom0 eth0 -> peer" ping1 dom0 10.0.0.1
	lab_assert "dom0 eth1 -> peer" ping1 dom0 10.1.0.1
	# The guest is isolated until dom0 bridges its vif.
	ping1 1.0 10.0.0.1 && lab_fail "guest reached the peer unbridged"

	# Bridge eth0 + vif1.0 in dom0, like vif-bridge would.
	lab_in dom0 ip link add br0 type bridge stp_state 0 forward_delay 0
	lab_in dom0 ip addr flush dev eth0
	lab_in dom0 ip link set eth0 master br0
	lab_in dom0 ip link set vif1.0 master br0 up
	lab_in dom0 ip addr add 10.0.0.2/24 dev br0
	lab_in dom0 ip link set br0 up
	lab_assert "guest -> peer over dom0's bridge" \
		lab_wait_for 3000 ping1 1.0 10.0.0.1
	lab_assert "guest -> dom0 bridge address" ping1 1.0 10.0.0.2
	# The peer is the guest's gateway to the other LAN subnet.
	lab_in 1.0 ip route add default via 10.0.0.1
	lab_assert "guest -> 10.1.0.1 via the peer" ping1 1.0 10.1.0.1
	lab_assert "peer -> guest" ping1 peer 10.0.0.101
	echo "ok: lab pings"
}

fail_case() {
	lab_dom0 1
	lab_guest 2 0 tap2.0
	lab_xenstored
	record "$1"
	lab_assert "this assertion fails on purpose" false
}

term_case() {
	lab_dom0 1
	lab_guest 3 0 vif3.0-emu
	lab_xenstored
	lab_bg 3.0 sleep 1000
	record "$1"
	kill -TERM $$
	sleep 5	# the trap exits first
	lab_fail "SIGTERM did not end the lab"
}

# After a child exited: none of what it recorded may remain.
check_clean() {
	local state=$1 LAB_ID LAB_TMP XS_PID BG_PID
	# shellcheck disable=SC1090
	. "$state"
	[ -n "$LAB_ID" ] || lab_fail "child recorded no lab"
	ip netns list | grep -q "^$LAB_ID" &&
		lab_fail "namespaces left: $(ip netns list | grep "^$LAB_ID")"
	[ -e "$LAB_TMP" ] && lab_fail "temp dir left: $LAB_TMP"
	[ -n "$XS_PID" ] && kill -0 "$XS_PID" 2>/dev/null &&
		lab_fail "xenstored $XS_PID left running"
	[ -n "$BG_PID" ] && kill -0 "$BG_PID" 2>/dev/null &&
		lab_fail "background process $BG_PID left running"
	return 0
}

case "${1:-}" in
inner) inner "$2"; exit 0 ;;
fail) fail_case "$2" ;;
term) term_case "$2" ;;
esac

lab_init	# only for LAB_TMP and the helpers
lab__need_netns
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

bash "$self" inner "$LAB_TMP/inner" || lab_fail "lab case failed"
check_clean "$LAB_TMP/inner"

out=$(bash "$self" fail "$LAB_TMP/fail" 2>&1)
lab_assert_eq 1 $? "failed assertion exit code"
[[ $out == *"FAIL: this assertion fails on purpose"* ]] ||
	lab_fail "failure message missing: $out"
check_clean "$LAB_TMP/fail"

bash "$self" term "$LAB_TMP/term"
lab_assert_eq 143 $? "SIGTERM exit code"
check_clean "$LAB_TMP/term"

echo "ok: lab cleans up after success, failure and SIGTERM"
