#!/bin/bash
# netctl nics: which links are listed, their bridge, state, addresses, speed, and the
# bridge style told from kernel state alone (legacy pethN + vif0.N, direct xenbrN
# port, none). Text and --json carry the same rows.
. "$(dirname "$0")/show_lib.sh"
sh_init
sh_ns nics

# Legacy: xenbr0 with peth0 and vif0.0; the pseudo eth0 is vif0.0's veth peer.
$X ip link add xenbr0 type bridge
$X ip link add peth0 type veth peer name peth0-wire
$X ip link add vif0.0 type veth peer name eth0
$X ip link set peth0 master xenbr0
$X ip link set vif0.0 master xenbr0
$X ip addr add 10.1.0.2/24 dev eth0
# Direct: eth1 itself in xenbr1, with a guest vif and a tap beside it.
$X ip link add xenbr1 type bridge
$X ip link add eth1 mtu 9000 type veth peer name eth1-wire
$X ip link set eth1 master xenbr1
$X ip link add vif1.0 type veth peer name vif1.0-guest
$X ip link set vif1.0 master xenbr1
$X ip tuntap add tap5 mode tap
$X ip link set tap5 master xenbr1
# None: an unbridged NIC with two addresses; a port of a non-Xen bridge.
$X ip link add eth2 type veth peer name eth2-wire
$X ip addr add 10.2.0.2/24 dev eth2
$X ip addr add 10.2.1.2/16 dev eth2
$X ip link add br-other type bridge
$X ip link add eth3 type veth peer name eth3-wire
$X ip link set eth3 master br-other
$X ip link add foo type veth peer name foo-wire	# not a NIC
for l in xenbr0 xenbr1 peth0 peth0-wire vif0.0 eth0 eth1 eth1-wire eth2 eth2-wire; do
	$X ip link set "$l" up
done

sh_json nics
$X "$NETCTL" nics >"$LAB_TMP/text" || lab_fail "netctl nics"
python3 - "$LAB_TMP/json" "$LAB_TMP/text" <<'PY' || lab_fail "netctl nics: wrong rows"
import json, sys
rows = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read().splitlines()
by = {r["name"]: r for r in rows}
want = {"eth0": ("legacy", None), "peth0": ("legacy", "xenbr0"),
        "vif0.0": ("legacy", "xenbr0"), "eth1": ("direct", "xenbr1"),
        "tap5": ("direct", "xenbr1"), "eth2": ("none", None),
        "eth3": ("none", "br-other")}
def check(cond, msg):
    if not cond:
        sys.exit(msg)
check(sorted(by) == sorted(want) + [] and [r["name"] for r in rows] == sorted(by),
      "listed %s, want %s (name order)" % ([r["name"] for r in rows], sorted(want)))
for name, (style, bridge) in want.items():
    r = by[name]
    check(r["style"] == style, "%s: style %s, want %s" % (name, r["style"], style))
    check(r["bridge"] == bridge, "%s: bridge %s, want %s" % (name, r["bridge"], bridge))
    check(r["speed"] is None or (isinstance(r["speed"], int) and r["speed"] > 0),
          "%s: speed %r" % (name, r["speed"]))
    check(r["duplex"] in ("full", "half", "unknown"), "%s: duplex" % name)
    check(len(r["mac"]) == 17, "%s: mac %r" % (name, r["mac"]))
check(by["eth1"]["mtu"] == 9000 and by["eth1"]["carrier"] is True and
      by["eth1"]["operstate"] == "up", "eth1 state %r" % by["eth1"])
check(by["eth3"]["carrier"] is False and by["eth3"]["operstate"] == "down",
      "eth3 state %r" % by["eth3"])
check(by["eth2"]["ipv4"] == ["10.2.0.2/24", "10.2.1.2/16"], "eth2 ipv4 %r" % by["eth2"]["ipv4"])
check(by["eth0"]["ipv4"] == ["10.1.0.2/24"], "eth0 ipv4")
check(by["peth0"]["ipv4"] == [], "peth0 ipv4")
# Text: a header, then the same rows in the same order, same values.
check(text[0].split() == ["NAME", "BRIDGE", "MAC", "MTU", "CARRIER", "STATE", "SPEED",
                          "DUPLEX", "STYLE", "IPV4"], "header %r" % text[0])
check(len(text) == len(rows) + 1, "text has %d rows" % (len(text) - 1))
for line, r in zip(text[1:], rows):
    f = line.split()
    speed = "unknown" if r["speed"] is None else str(r["speed"])
    ipv4 = ",".join(r["ipv4"]) or "-"
    exp = [r["name"], r["bridge"] or "-", r["mac"], str(r["mtu"]),
           "yes" if r["carrier"] else "no", r["operstate"], speed, r["duplex"],
           r["style"], ipv4]
    check(f == exp, "text %r != json %r" % (f, exp))
PY
$X "$NETCTL" nics extra >/dev/null 2>&1
[ $? = 2 ] || lab_fail "nics with an argument: want usage exit 2"
[ -n "${SHOW_VERBOSE:-}" ] && cat "$LAB_TMP/text"
echo "ok: nics"
