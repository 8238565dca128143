#!/bin/bash
# OvmNetwork's VLAN calls against real 802.1Q devices: lane 2 (a kernel with the
# 8021q module); skipped (77) where VLAN links cannot be created, as on the lane-1
# kernel, where test_agent_methods.sh checks their faults instead.
set -u
LAB_DIR=${LAB_DIR:-$(cd "$(dirname "$0")/../lab" && pwd)}
. "$LAB_DIR/lab.sh"
. "$(dirname "$0")/agentlab.sh"

lab_init	# (lab_need_link_kind reads LAB_ID before initialising)
lab_need_link_kind vlan
ag_lab plain
cat >"$LAB_TMP/vlan.py" <<'PY'
import json
from agentc import check, dom0, fault, ovm, proxy
p, J = proxy(), json.dumps
v = json.loads(ovm(p, "OvmNetwork.createVlan", J({"vid": 5, "pif": "eth1"})))
check(v == {"name": "eth1.5", "vid": 5, "pif": "eth1"}, "createVlan: %r" % v)
check("vlan protocol 802.1Q id 5" in dom0("ip -d link show eth1.5"), "kernel: eth1.5 is VLAN 5")
check(ovm(p, "OvmNetwork.createVlan", J({"vid": "5", "pif": "eth1"})) == J(v).replace(" ", ""),
      "createVlan again: the same device")
check(json.loads(ovm(p, "OvmNetwork.getVlans")) == ["eth1.5"], "getVlans")
check(ovm(p, "OvmNetwork.createVlanBridge", J({"name": "vlan5", "attach": ""}),
          J({"vid": 5, "pif": "eth1"})) == "SUCC", "createVlanBridge vlan5 on the existing eth1.5")
d = json.loads(ovm(p, "OvmNetwork.getBridgeDetails", "vlan5"))
check(d == {"name": "vlan5", "attach": "eth1.5", "interfaces": ["eth1.5"]}, "getBridgeDetails vlan5")
check(ovm(p, "OvmNetwork.createVlanBridge", J({"name": "vlan6", "attach": ""}),
          J({"vid": 6, "pif": "eth2"})) == "SUCC", "createVlanBridge vlan6 makes eth2.6 too")
code, msg = fault(ovm, p, "OvmNetwork.deleteVlan", "eth2.6")
check(code == 4004 and "delete that bridge first" in msg, "deleteVlan of a bridged VLAN refused")
check(ovm(p, "OvmNetwork.deleteVlanBridge", "vlan5") == "SUCC" and
      ovm(p, "OvmNetwork.deleteVlanBridge", "vlan6") == "SUCC", "deleteVlanBridge vlan5, vlan6")
for dev in ("vlan5", "vlan6", "eth1.5", "eth2.6"):
    check(dom0("ip -o link show %s 2>/dev/null || true" % dev) == "", "kernel: %s gone" % dev)
check(json.loads(ovm(p, "OvmNetwork.getVlans")) == [], "getVlans: none left")
PY
ag_py "$LAB_TMP/vlan.py" || lab_fail "vlan.py"
ag_finish
echo "PASS"
