#!/bin/bash
# Anti-spoofing between two guests on the same bridge: guest A forging a source
# address towards guest B is dropped (B's "bridged to me: accept" must not be reached
# before A's own chain), while A's genuine packets reach B. Lane 2 found the order bug.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
. "${VIF_LAB:?}"
lab_need_cmd python3 socat iptables-legacy-save
vl_setup 1
VL_FIREWALL=$'anti-spoof = yes\ncluster-conf = '"$LAB_TMP/none"
vl_netd
log=$LAB_TMP/netd.log sock=$LAB_TMP/netd.sock

# B first, then A: A's rules are installed last, the order that exposed the bug.
vl_guest 2 0 "" 10.0.100.3
vl_add --style libxl --wait-hotplug 5000 2 0 ip=10.0.100.3 >/dev/null || lab_fail "attach B"
vl_guest 1 0 "" 10.0.100.2
vl_add --style libxl --wait-hotplug 5000 1 0 ip=10.0.100.2 >/dev/null || lab_fail "attach A"

udp_to_b() { # SRC TEXT: a raw UDP packet from guest A to B:5555 with source SRC
	lab_in 1.0 python3 - "$1" "$2" <<'PY'
import socket, struct, sys
src, text = sys.argv[1], sys.argv[2].encode()
dst = "10.0.100.3"
udp = struct.pack("!HHHH", 40000, 5555, 8 + len(text), 0) + text
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
for _ in range(3):
    s.sendto(ip + udp, (dst, 0))
PY
}
got=$LAB_TMP/b.udp
lab_bg 2.0 socat -u UDP4-RECV:5555,reuseaddr "OPEN:$got,creat,append"
sleep 0.3
# B must know A's MAC for the raw packets to be delivered at layer 2.
lab_in 1.0 ping -c 1 -W 1 10.0.100.3 >/dev/null || lab_fail "A cannot reach B"
udp_to_b 10.0.100.2 genuine
udp_to_b 10.0.100.9 forged
lab_wait_for 2000 grep -q genuine "$got" || lab_fail "A's genuine packet did not reach B"
sleep 0.5
grep -q forged "$got" && lab_fail "A's forged packet reached B: $(lab_in dom0 iptables-legacy-save -t filter | grep FORWARD)"
drops=$(lab_in dom0 iptables-legacy -L DOM0NET-VIF-vif1.0 -v -n -x | awk '$3 == "DROP" {print $1}')
[ "${drops:-0}" -ge 3 ] || lab_fail "A's chain dropped ${drops:-0} packets, want >= 3"
vl_check_log
echo "test_fw_guest2guest: all checks passed"
