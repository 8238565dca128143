#!/bin/bash
# The sandbox demo: a simulated dom0 in network namespaces.
#   dom0 (eth0, eth1) ── lan switch ── peer host (10.0.0.1, 10.1.0.1; the gateway)
#   the real xenstored (no hypervisor) playing the toolstack's store
#   netd in the dom0 namespace: eth0 → xenbr0 (direct style), eth1 → xenbr1 (legacy)
#   two guests whose VIFs netd attaches the moment "xenstore" reports them
# Prints what happens and `netctl show`; tears everything down on exit or Ctrl-C.
# Usage: scripts/demo.sh [--hold]   (--hold: keep the lab until Ctrl-C)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
hold=0
[ "${1:-}" = "--hold" ] && hold=1
[ -t 0 ] && [ -t 1 ] && hold=1

"$top/scripts/install-deps.sh" || exit 1
echo "== building"
cmake -S "$top" -B "$top/build" >/dev/null || exit 1
cmake --build "$top/build" -j"$(nproc)" --target netd netctl xs-shim xs-toolstack >/dev/null ||
	exit 1
NETD=$top/build/netd/netd
NETCTL=$top/build/netd/netctl
XS_TOOLSTACK=$top/build/tests/lab/xs-toolstack
export XS_SHIM=$top/build/tests/lab/xs-shim.so

# shellcheck source=../tests/lab/lab.sh
. "$top/tests/lab/lab.sh"
lab_init
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

say "a dom0 namespace with two NICs on a LAN, a peer host as its gateway"
lab_dom0 2 addr
lab_peer
lab_in dom0 ip route add default via 10.0.0.1
show lab_in dom0 ip -br addr
show lab_in dom0 ip route

say "the real xenstored, without a hypervisor"
lab_xenstored
echo "XENSTORED_PATH=$XENSTORED_PATH"

say "netd starts: eth0 direct style, eth1 legacy style"
conf=$LAB_TMP/dom0net.conf
cat >"$conf" <<EOC
[global]
pidfile = $LAB_TMP/netd.pid
control-socket = $LAB_TMP/netd.sock
[bridges]
default-style = none
[nic eth0]
style = direct
[nic eth1]
style = legacy
[vif]
link-timeout-ms = 5000
[agent]
enable = yes
listen = 10.0.0.2
plain-http = yes
EOC
printf 'demo\n' | "$NETCTL" agent-password --print | sed 1d >>"$conf"
cat "$conf"
lab_in peer ping -q -i 0.01 -w 4 10.0.0.2 >"$LAB_TMP/ping.out" 2>&1 &
pinger=$!
lab_bg dom0 "$NETD" -d -f "$conf"
lab_wait_for 5000 test -S "$LAB_TMP/netd.sock" || lab_fail "netd did not start"
wait $pinger
echo "peer pinging dom0 at 100/s during the conversion: $(grep -o '[0-9]* packets transmitted.*loss' "$LAB_TMP/ping.out")"
NC() { lab_in dom0 "$NETCTL" -s "$LAB_TMP/netd.sock" "$@"; }
show NC show
show lab_in dom0 ip -br addr
show lab_in dom0 ip route

say "two guests: the toolstack writes their backends, netback's device appears"
lab_guest 1 0 vif1.0 00:16:3e:00:01:00 10.0.0.11/24
lab_guest 2 0 vif2.0 00:16:3e:00:02:00 10.1.0.12/24
lab_in 1.0 ip route add default via 10.0.0.1
attach() { # D N BRIDGE MAC IP: the toolstack's side; prints how long netd took
	local us
	us=$("$XS_TOOLSTACK" vif-add --style libxl --wait-hotplug 5000 "$1" "$2" bridge="$3" \
		mac="$4" ip="$5") || lab_fail "vif$1.$2 was not attached"
	printf 'vif%s.%s: hotplug-status=connected %s.%03d ms after the backend was written\n' \
		"$1" "$2" $((us / 1000)) $((us % 1000))
}
attach 1 0 xenbr0 00:16:3e:00:01:00 10.0.0.11
attach 2 0 xenbr1 00:16:3e:00:02:00 10.1.0.12
show NC show
show NC vifs
show lab_in 1.0 ping -c 2 -W 1 10.0.0.1
show lab_in 2.0 ping -c 2 -W 1 10.1.0.1

say "the manager calls the agent API (XML-RPC on 8899, Basic auth) with one line of Python"
show lab_in peer python3 -c 'import xmlrpc.client as x; print(x.ServerProxy("http://oracle:demo@10.0.0.2:8899").OvmDispatch("OvmNetwork.getBridgeDetails", "xenbr0"))'

say "the firewall: host port policy and per-VIF anti-spoofing (libiptc, legacy tables)"
show NC firewall
lab_in 1.0 ip addr add 10.0.0.99/24 dev eth0
if lab_in 1.0 ping -c 2 -W 1 -I 10.0.0.99 10.0.0.1 >/dev/null 2>&1; then
	echo "guest 1 forging 10.0.0.99: NOT dropped"
else
	echo "guest 1 forging source 10.0.0.99: dropped by DOM0NET-VIF-vif1.0"
fi
lab_in 1.0 ip addr del 10.0.0.99/24 dev eth0

. "$top/tests/vncgw/demo-consoles.sh"	# guest consoles through the VNC gateway

say "guest 1 shuts down: the toolstack takes its VIF away"
"$XS_TOOLSTACK" vif-remove --style libxl 1 0 && lab_in dom0 ip link del vif1.0
show NC show

if [ $hold -eq 1 ]; then
	say "the lab stays up; press Ctrl-C to tear it down"
	echo "(try: ip netns exec $LAB_DOM0 $NETCTL -s $LAB_TMP/netd.sock show)"
	while sleep 3600; do :; done
fi
say "tearing down"
