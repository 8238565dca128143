"""Every agent method through Python's xmlrpc.client, checked against the kernel of
the lab's dom0 (test_agent_methods.sh sets the lab up)."""
import json
import os
import subprocess
import xmlrpc.client

from agentc import DOM0, check, dom0, fault, ovm, proxy, sh

GUEST = os.environ["AG_GUEST"]
p = proxy()
J = json.dumps


def brif(br):
    return sorted(dom0("ls /sys/class/net/%s/brif" % br).split())


def master(dev):
    out = dom0("ip -o link show %s" % dev)
    return out.split(" master ")[1].split()[0] if " master " in out else None


def rules():
    return dom0("iptables-legacy-save -t filter")


def ping(src, dst, n=3):
    """Does any of n echo requests from src get an answer? (ping's status 0)"""
    return subprocess.run("ip netns exec %s ping -n -q -c %d -i 0.2 -W 1 -I %s %s"
                          % (GUEST, n, src, dst), shell=True, capture_output=True).returncode == 0


# ---- OvmNetwork: bridges -------------------------------------------------------------
check(json.loads(ovm(p, "OvmNetwork.getAllBridges")) == [], "getAllBridges: none at first")
r = ovm(p, "OvmNetwork.createBridge", J({"name": "xenbr1", "attach": "eth1"}))
check(r == "SUCC", "createBridge xenbr1 on eth1: %r" % r)
check(master("eth1") == "xenbr1", "kernel: eth1 is a port of xenbr1")
check("eth1" in sh("ip netns exec %s brctl show xenbr1" % DOM0), "brctl show xenbr1 lists eth1")
check("UP" in dom0("ip -o link show xenbr1").split(">")[0], "kernel: xenbr1 is up")
check(ovm(p, "OvmNetwork.createBridge", J({"name": "xenbr1", "attach": "eth1"})) == "SUCC",
      "createBridge again: idempotent")
check(json.loads(ovm(p, "OvmNetwork.getAllBridges")) == ["xenbr1"], "getAllBridges: xenbr1")
d = json.loads(ovm(p, "OvmNetwork.getBridgeDetails", "xenbr1"))
check(d == {"name": "xenbr1", "attach": "eth1", "interfaces": brif("xenbr1")},
      "getBridgeDetails matches /sys/class/net/xenbr1/brif: %r" % d)

code, msg = fault(ovm, p, "OvmNetwork.createBridge", J({"name": "xenbr2", "attach": "eth1"}))
check(code == 4001 and "already a port of xenbr1" in msg, "createBridge on a taken uplink: %s" % msg)
check(dom0("ip -o link show xenbr2 2>/dev/null || true") == "", "  ... and no xenbr2 made")
code, msg = fault(ovm, p, "OvmNetwork.createBridge", J({"name": "xenbr0", "attach": "eth0"}))
check(code == 4001 and "carries IP addresses" in msg,
      "createBridge on the management NIC refused: %s" % msg)
check(master("eth0") is None, "  ... eth0 untouched")
code, msg = fault(ovm, p, "OvmNetwork.createBridge", J({"name": "xenbr9", "attach": "eth9"}))
check(code == 4001 and "eth9 does not exist" in msg, "createBridge on a missing NIC: %s" % msg)
code, msg = fault(ovm, p, "OvmNetwork.createBridge", J({"name": "br5", "attach": "eth2"}))
check(code == 4001 and "Invalid bridge name br5" in msg, "createBridge with a bad name: %s" % msg)
code, msg = fault(ovm, p, "OvmNetwork.createBridge", "{'name': 'xenbr2'}")
check(code == 4001 and "'attach' is missing" in msg, "createBridge without attach: %s" % msg)
code, msg = fault(ovm, p, "OvmNetwork.getBridgeDetails", "xenbr5")
check(code == -1 and "No bridge xenbr5 found" in msg, "getBridgeDetails of a missing bridge")

# getBridgeByIp: the address on the bridge, or the bridge whose network holds it.
dom0("ip addr add 10.1.0.2/24 dev xenbr1")
check(json.loads(ovm(p, "OvmNetwork.getBridgeByIp", "10.1.0.2")) == {"bridge": "xenbr1"},
      "getBridgeByIp 10.1.0.2 (its address)")
check(json.loads(ovm(p, "OvmNetwork.getBridgeByIp", "10.1.0.77")) == {"bridge": "xenbr1"},
      "getBridgeByIp 10.1.0.77 (its network)")
code, msg = fault(ovm, p, "OvmNetwork.getBridgeByIp", "10.9.9.9")
check(code == 4006 and "Cannot find bridge with IP 10.9.9.9" in msg, "getBridgeByIp: none")
code, msg = fault(ovm, p, "OvmNetwork.deleteBridge", "xenbr1")
check(code == 4002 and "carries IP addresses" in msg, "deleteBridge of a bridge with addresses")

# ---- OvmSecurityGroup on the VIF's real traffic ------------------------------------------
dom0("ip link set vif1.0 master xenbr1 up")
check(ovm(p, "OvmSecurityGroup.can_bridge_firewall") is True, "can_bridge_firewall: true")
# Bridged traffic: the guest reaches 10.1.0.1 on the LAN through xenbr1 and eth1.
check(ping("10.1.0.5", "10.1.0.1"), "guest reaches the LAN before any rule")
r = ovm(p, "OvmSecurityGroup.default_network_rules_user_vm", "i-2-5-VM", "5", "10.1.0.5",
        "00:16:3e:00:01:05", "vif1.0", "xenbr1")
check(r is True, "default_network_rules_user_vm: true")
t = rules()
check(":DOM0NET-VIF-vif1.0" in t and "-s 10.1.0.5/32" in t and "--physdev-in vif1.0" in t,
      "iptables-legacy-save: DOM0NET-VIF-vif1.0 allows 10.1.0.5 from vif1.0")
check(ping("10.1.0.5", "10.1.0.1"), "the guest's own address passes")
subprocess.run("ip netns exec %s ip addr add 10.1.0.66/24 dev eth0" % GUEST, shell=True, check=True)
check(not ping("10.1.0.66", "10.1.0.1"), "a spoofed source address is dropped")
check(ovm(p, "OvmSecurityGroup.delete_all_network_rules_for_vm", "i-2-5-VM", "vif1.0") is True,
      "delete_all_network_rules_for_vm(vm, vif): true")
check("DOM0NET-VIF-vif1.0" not in rules(), "iptables-legacy-save: the VIF's chain is gone")
check(ping("10.1.0.66", "10.1.0.1"), "without rules the other address passes again")
ovm(p, "OvmSecurityGroup.default_network_rules_user_vm", "i-2-5-VM", 5, "10.1.0.5",
    "00:16:3e:00:01:05", "vif1.0", "")
check(":DOM0NET-VIF-vif1.0" in rules(), "rules again (vmId as an int, no bridge)")
check(ovm(p, "OvmSecurityGroup.delete_all_network_rules_for_vm", "i-2-5-VM") is True and
      "DOM0NET-VIF-vif1.0" not in rules(), "delete_all_network_rules_for_vm(vm): by VM name")
code, msg = fault(ovm, p, "OvmSecurityGroup.default_network_rules_user_vm", "i-2-5-VM", "5",
                  "10.1.0.5", "00:16:3e:00:01:05", "vif1.0", "xenbr9")
check(code == -1 and "not a port of xenbr9" in msg, "rules for a VIF on another bridge: %s" % msg)
code, msg = fault(ovm, p, "OvmSecurityGroup.default_network_rules_user_vm", "i-2-6-VM", "6",
                  "10.1.0.6", "00:16:3e:00:01:06", "vif9.0", "")
check(code == -1 and "no such device" in msg, "rules for a missing VIF: %s" % msg)
code, msg = fault(ovm, p, "OvmSecurityGroup.add_network_rules", "i-2-5-VM", "5", "10.1.0.5",
                  "sig", "1", "00:16:3e:00:01:05", "tcp:22:22:0.0.0.0/0,;", "vif1.0", "xenbr1")
check(code == -32000 and "not supported" in msg, "add_network_rules: a clear fault")

# deleteBridge keeps a bridge guests still use (no error, as the original).
dom0("ip addr flush dev xenbr1")
check(ovm(p, "OvmNetwork.deleteBridge", "xenbr1") == "SUCC" and master("vif1.0") == "xenbr1",
      "deleteBridge with a guest port: SUCC, kept")
# cleanup_rules: the rules of a device that is gone.
ovm(p, "OvmSecurityGroup.default_network_rules_user_vm", "i-2-5-VM", "5", "10.1.0.5",
    "00:16:3e:00:01:05", "vif1.0", "xenbr1")
dom0("ip link del vif1.0")
check(":DOM0NET-VIF-vif1.0" in rules(), "rules stay after the device went (netd only cleans VIFs it attached)")
check(ovm(p, "OvmSecurityGroup.cleanup_rules") is True and "DOM0NET-VIF-vif1.0" not in rules(),
      "cleanup_rules removes the rules of the vanished vif1.0")
check(ovm(p, "OvmNetwork.deleteBridge", "xenbr1") == "SUCC", "deleteBridge xenbr1")
check(dom0("ip -o link show xenbr1 2>/dev/null || true") == "", "kernel: xenbr1 is gone")
check(master("eth1") is None and "UP" in dom0("ip -o link show eth1").split(">")[0],
      "kernel: eth1 released, still up")
check(ovm(p, "OvmNetwork.deleteBridge", "xenbr1") == "SUCC", "deleteBridge again: idempotent")

# ---- VLANs: no 802.1Q in the lane-1 kernel ------------------------------------------------
check(json.loads(ovm(p, "OvmNetwork.getVlans")) == [], "getVlans: none")
code, msg = fault(ovm, p, "OvmNetwork.createVlan", J({"vid": 5, "pif": "eth1"}))
check(code == 4003 and "8021q" in msg, "createVlan: %s" % msg)
code, msg = fault(ovm, p, "OvmNetwork.createVlanBridge", J({"name": "vlan5", "attach": ""}),
                  J({"vid": 5, "pif": "eth1"}))
check(code == 4007 and "8021q" in msg, "createVlanBridge: %s" % msg)
check(dom0("ip -o link show vlan5 2>/dev/null || true") == "", "  ... no vlan5 left")
code, msg = fault(ovm, p, "OvmNetwork.createVlan", J({"vid": 5, "pif": "eth7"}))
check(code == 4003 and "does not exist" in msg, "createVlan on a missing NIC")
check(ovm(p, "OvmNetwork.deleteVlan", "eth1.5") == "SUCC", "deleteVlan of an absent device")
check(ovm(p, "OvmNetwork.deleteVlanBridge", "vlan5") == "SUCC", "deleteVlanBridge of an absent bridge")

# ---- dom0net.* ----------------------------------------------------------------------------
s = p.dom0net.status()
check(s["agent"]["uid"] == 65534 and s["agent"]["capabilities"] is False and
      s["xenstore"] is True, "dom0net.status: agent as nobody, no capabilities")
check(json.loads(ovm(p, "dom0net.status"))["version"] == s["version"],
      "dom0net.status through OvmDispatch: a JSON string")
ovm(p, "OvmNetwork.createBridge", J({"name": "xenbr2", "attach": "eth2"}))
b = p.dom0net.bridges()
check(any(x["name"] == "xenbr2" and x["interfaces"] == ["eth2"] for x in b), "dom0net.bridges")
n = {x["name"]: x for x in p.dom0net.nics()}
check(n["eth0"]["ipv4"] == ["10.0.0.2/24"] and n["eth2"]["bridge"] == "xenbr2",
      "dom0net.nics: eth0's address, eth2's bridge")
ovm(p, "OvmNetwork.deleteBridge", "xenbr2")
check(isinstance(p.dom0net.vifs(), (list, dict)), "dom0net.vifs")
c = p.dom0net.consoles()
check(c["gateway"]["enabled"] is True and any(x.get("name") == "guest7" for x in c["consoles"]),
      "dom0net.consoles: guest7")
f = p.dom0net.firewall()
check(f["enabled"] is True and f["anti_spoof"] is True, "dom0net.firewall: enabled, anti-spoof")
check(p.dom0net.setConsolePassword("guest7", "vncpw") is True, "dom0net.setConsolePassword")
check(ovm(p, "dom0net.setConsolePassword", "guest7", "vncpw2") == "true",
      "dom0net.setConsolePassword through OvmDispatch")
code, msg = fault(p.dom0net.setConsolePassword, "nosuch", "x")
check("no console" in msg, "setConsolePassword for an unknown domain: %s" % msg)
print("methods: all passed")
