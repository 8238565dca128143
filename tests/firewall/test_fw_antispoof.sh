#!/bin/bash
# Per-VIF anti-spoofing through netd, the real xenstored and the VIF manager's hooks,
# with real packets: the guest's own address reaches the peer, a forged source (a
# secondary address, a raw IP packet) and a forged MAC are dropped, a real DHCP
# discover passes; removing the `ip` key before detach leaves no rule behind; a
# device name that comes back never inherits the old rules.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
. "${VIF_LAB:?}"
lab_need_cmd python3 socat busybox iptables-legacy-save
vl_setup 1                               # xenstored, dom0 + xenbr0(eth0), peer 10.0.0.1/16
conf=$LAB_TMP/fw.conf log=$LAB_TMP/netd.log sock=$LAB_TMP/netd.sock
cat >"$conf" <<EOF
[global]
pidfile = $LAB_TMP/netd.pid
control-socket = $sock
[bridges]
default-style = none
hotplug-nics = no
[firewall]
anti-spoof = yes
anti-spoof-mac = yes
cluster-conf = $LAB_TMP/none
EOF
start_netd() {
	ip netns exec "$LAB_DOM0" "$NETD" -d -f "$conf" >>"$log" 2>&1 &
	VL_NETD=$!
	disown "$VL_NETD"
	lab_wait_for 5000 grep -q "xenstore: connected" "$log" || { cat "$log"; lab_fail "netd"; }
}
table() { lab_in dom0 iptables-legacy-save -t filter | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'; }
chain() { lab_in dom0 iptables-legacy-save -t filter | grep -E "^-A DOM0NET-VIF-$1 " | sed 's/^-A [^ ]* //'; }
# udp_from GUEST SRC PORT: a raw IPv4/UDP packet with a forged source, to the peer.
udp_from() {
	lab_in "$1" python3 - "$2" "$3" <<'PY'
import socket, struct, sys
src, port = sys.argv[1], int(sys.argv[2])
dst = "10.0.0.1"
payload = b"from " + src.encode()
udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
for _ in range(3):
    s.sendto(ip + udp, (dst, 0))
PY
}
recv_file=$LAB_TMP/peer.udp
lab_bg peer socat -u UDP4-RECV:5555,reuseaddr "OPEN:$recv_file,creat,append"
lab_bg peer socat -u UDP4-RECV:67,reuseaddr "OPEN:$LAB_TMP/peer.dhcp,creat,append"

start_netd
baseline=$(table)
grep -q "FORWARD -j DOM0NET-FORWARD" <<<"$baseline" || lab_fail "no FORWARD jump: $baseline"

# Guest 1.0 with ip 10.0.100.2.
vl_guest 1 0 "" 10.0.100.2
vl_add --style libxl --wait-hotplug 5000 1 0 ip=10.0.100.2 >/dev/null || lab_fail "attach 1.0"
vl_wait_hs 1 0 connected || lab_fail "1.0 not connected"
lab_assert_eq "-s 10.0.100.2/32 -m mac --mac-source 00:16:3e:00:01:00 -j ACCEPT|-p udp -m udp --sport 68 --dport 67 -m mac --mac-source 00:16:3e:00:01:00 -j ACCEPT|-j DROP|" \
	"$(chain vif1.0 | tr '\n' '|')" "rules of vif1.0"
lab_wait_for 3000 vl_ping 1 0 1 || lab_fail "the guest's own address does not reach the peer"

# Forged sources: a secondary address, a raw packet. Own address: the control.
lab_in 1.0 ip addr add 10.0.100.77/16 dev eth0
lab_in 1.0 ping -q -c 2 -i 0.2 -W 1 -I 10.0.100.77 10.0.0.1 >/dev/null 2>&1 &&
	lab_fail "a ping from a secondary (forged) address got through"
udp_from 1.0 10.0.0.99 5555
udp_from 1.0 10.0.100.2 5555
lab_wait_for 3000 grep -q "from 10.0.100.2" "$recv_file" || lab_fail "own-source raw packet lost"
grep -q "from 10.0.0.99" "$recv_file" && lab_fail "forged raw packet reached the peer"
drops=$(lab_in dom0 iptables-legacy -L DOM0NET-VIF-vif1.0 -v -n -x | awk '$3 == "DROP" {print $1}')
[ "${drops:-0}" -ge 5 ] || lab_fail "DROP counter $drops, want >= 5"
lab_in 1.0 ip addr del 10.0.100.77/16 dev eth0

# A forged MAC with the right address is dropped too (anti-spoof-mac).
lab_in 1.0 ip link set eth0 address 00:16:3e:99:99:99
vl_ping 1 0 1 && lab_fail "a forged MAC got through"
lab_in 1.0 ip link set eth0 address 00:16:3e:00:01:00

# A real DHCP discover (source 0.0.0.0:68) passes.
lab_in 1.0 busybox udhcpc -i eth0 -n -q -t 2 -T 1 -s /bin/true >/dev/null 2>&1
lab_wait_for 3000 test -s "$LAB_TMP/peer.dhcp" || lab_fail "the DHCP discover did not reach the peer"

# netctl firewall shows the VIF and the drops.
fw=$(vl_netctl firewall) || lab_fail "netctl firewall"
grep -q "vif1.0 .*10.0.100.2/32" <<<"$fw" || lab_fail "netctl firewall lacks vif1.0: $fw"

# The ip key disappears before detach: removal works from the record.
xenstore-rm "$(vl_be 1 0 ip)" || lab_fail "xenstore-rm ip"
vl_rm --style libxl 1 0 >/dev/null || lab_fail "detach 1.0"
lab_wait_for 5000 bash -c "! ip netns exec $LAB_DOM0 iptables-legacy-save | grep -q vif1.0" ||
	lab_fail "rules of vif1.0 left after detach"
diff <(echo "$baseline") <(table) || lab_fail "iptables-legacy-save differs from before the attach"

# A device name that comes back never inherits: netd misses a detach (killed), the
# device disappears and returns for another guest with another address.
vl_guest 2 0 "" 10.0.100.3
vl_add --style libxl --wait-hotplug 5000 2 0 ip=10.0.100.3 >/dev/null || lab_fail "attach 2.0"
chain vif2.0 | grep -q 10.0.100.3 || lab_fail "no rules for vif2.0"
vl_netd_kill KILL
"$XS_TOOLSTACK" vif-remove --style libxl 2 0 >/dev/null 2>&1
lab_in dom0 ip link del vif2.0
lab_in dom0 ip link add vif2.0 type veth peer name eth1 netns "$(lab_guest_ns 2 0)"
lab_in 2.0 ip link set eth1 address 00:16:3e:00:02:00 up
start_netd
vl_add --style libxl --wait-hotplug 5000 2 0 ip=10.0.100.44 >/dev/null || lab_fail "re-attach 2.0"
rules=$(chain vif2.0)
grep -q 10.0.100.44 <<<"$rules" || lab_fail "new rules missing: $rules"
grep -q 10.0.100.3 <<<"$rules" && lab_fail "a reused device name inherited old rules: $rules"
lab_assert_eq 2 "$(table | grep -c -- '--physdev-[a-z]* vif2.0 ')" "dispatch rules of vif2.0"
vl_check_log
echo "test_fw_antispoof: all checks passed"
