#!/bin/bash
# Every method of the agent API, called with Python's standard xmlrpc.client (Basic
# auth, OvmDispatch as CloudStack's Connection.java calls it) from the manager's
# address, against netd in the lab: bridges and security-group rules change the
# kernel's real state (checked with ip, brctl, iptables-legacy-save and packets);
# the dom0net.* methods report it. VLAN devices need 8021q, which the lane-1 kernel
# lacks: here their faults are checked (test_agent_vlan.sh is the lane-2 part).
set -u
LAB_DIR=${LAB_DIR:-$(cd "$(dirname "$0")/../lab" && pwd)}
. "$LAB_DIR/lab.sh"
. "$(dirname "$0")/agentlab.sh"

ag_lab plain
# A guest on VIF 1.0 (its dom0 end stays down and unbridged, as netback leaves it)
# and a domain with a console for setConsolePassword.
lab_guest 1 0 vif1.0 00:16:3e:00:01:05 10.1.0.5/24
"$XS_TOOLSTACK" introduce 7 guest7 >/dev/null || lab_fail "introduce 7"
xenstore-write /local/domain/7/console/vnc-port 5907 || lab_fail "xenstore-write"
xenstore-write /local/domain/7/console/vnc-listen 127.0.0.1 || lab_fail "xenstore-write"
lab_wait_for 5000 bash -c "'$NETCTL' -s '$AG_SOCK' consoles --json | grep -q guest7" ||
	lab_fail "console of guest7 not seen"

AG_GUEST=$(lab_guest_ns 1 0) ag_py methods.py || lab_fail "methods.py"
# Nothing of the test is left in the kernel.
ip -n "$AG_DOM0" link show xenbr1 >/dev/null 2>&1 && lab_fail "xenbr1 left behind"
lab_in dom0 iptables-legacy-save | grep -q "DOM0NET-VIF-vif1.0" && lab_fail "rules left behind"
grep -q "gateway password set" "$AG_LOG" || lab_fail "console password not set"
grep -q "s3cret" "$AG_LOG" && lab_fail "a password in the log"
ag_finish
echo "PASS"
