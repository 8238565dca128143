#!/bin/bash
# Hostile and broken backend entries: every key missing, empty, too long or malicious,
# non-numeric directories, thousands of bogus entries. Each gets a clear log line and
# hotplug-status=error where there is a status to write; netd never crashes and other
# guests are unaffected.
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

vl_setup
vl_netd
vl_guest 1 0
vl_add --style libxl --wait-hotplug 5000 1 0 >/dev/null || lab_fail "good VIF before"

long=$(head -c 3000 /dev/zero | tr '\0' A)
n=100
check() {	# KEY=VALUE... -- ERROR TEXT (a prefix)
	local kv=() want w=() what
	while [ "$1" != -- ]; do kv+=("$1"); shift; done
	want=$2
	what=${kv[*]:0:60}
	((n++))
	lab_in dom0 ip link add "vif$n.0" type veth peer name "p$n" || lab_fail "vif$n.0"
	# The toolstack's entry in state 1, the hostile values written raw, then netback.
	vl_add --style libxl --no-initwait "$n" 0 >/dev/null || lab_fail "add $n"
	for x in "${kv[@]}"; do w+=("$(vl_be "$n" 0 "${x%%=*}")" "${x#*=}"); done
	xenstore-write -- "${w[@]}" || lab_fail "$what: write"
	"$XS_TOOLSTACK" vif-state "$n" 0 2 || lab_fail "state 2"
	lab_assert "$what: status" lab_wait_for 5000 vl_is "$n" 0 hotplug-status error
	got=$(vl_read "$(vl_be "$n" 0 hotplug-error)")
	[[ $got == "$want"* ]] || lab_fail "$what: hotplug-error '${got:0:80}', want '$want...'"
	grep -qF "vif $n/0: hotplug-status=error: $want" "$LAB_TMP/netd.log" ||
		lab_fail "$what: no log line"
	lab_assert "$what: device untouched" vl_detached "vif$n.0"
}
check "bridge=../x" -- "bridge '../x' is not a valid interface name"
check "bridge=br 0" -- "bridge 'br 0' is not a valid interface name"
check "bridge=0123456789abcdef" -- "bridge '0123456789abcdef' is not a valid interface name"
check "bridge=" -- "bridge '' is empty"
check "bridge=$long" -- "bridge 'AAAA"
check "mac=garbage" -- "mac 'garbage' is not a unicast MAC"
check "mac=ff:ff:ff:ff:ff:ff" -- "mac 'ff:ff:ff:ff:ff:ff'"
check "mtu=0" -- "mtu '0' is not a number in 68..65535"
check "mtu=1e9" -- "mtu '1e9'"
check "mtu=-1" -- "mtu '-1'"
check "vifname=my vif" -- "vifname 'my vif' is not a valid interface name"
check "vifname=abcdefghijklmnopq" -- "vifname 'abcdefghijklmnopq'"
check "vifname=vif1.0" -- "vifname 'vif1.0' is the device name of another VIF"
check "type=bogus" -- "type 'bogus' is not vif"
check "online=yes" -- "online 'yes' is not 0 or 1"
check "handle=7" -- "handle '7' does not match the device id"
check "ip=10.0.0.1 \$(reboot)" -- "ip '10.0.0.1 \$(reboot)'"
check "ip=$long" -- "ip 'AAAA"
check $'bridge=x\x1b[2J' -- "bridge 'x?[2J'"
# state written by "netback" as garbage
((n++))
lab_in dom0 ip link add "vif$n.0" type veth peer name "p$n"
vl_add --style libxl --no-initwait "$n" 0 >/dev/null || lab_fail "add $n"
"$XS_TOOLSTACK" vif-state "$n" 0 banana
lab_assert "state=banana -> error" lab_wait_for 3000 vl_is "$n" 0 hotplug-status error
lab_assert_eq "state 'banana' is not a XenbusState (0..8)" \
	"$(vl_read "$(vl_be "$n" 0 hotplug-error)")" "state banana"

# Odd paths: non-numeric and out-of-range ids, deep keys, a value on the base itself.
B=/local/domain/0/backend/vif
xenstore-write "$B/foo/0/state" 2 "$B/12/bar/state" 2 "$B/99999/0/state" 2 \
	"$B/007/0/state" 2 "$B/1/0/state/deeper/still" x "$B" "hello" ||
	lab_fail "odd paths"

# Thousands of bogus entries at once: non-numeric domains, and numeric ones full of
# garbage in InitWait (each must get its error).
args=()
for ((i = 0; i < 2000; i++)); do args+=("$B/x$i/0/state" 2); done
xenstore-write "${args[@]}" || lab_fail "bogus domains"
args=()
for ((d = 1000; d < 1500; d++)); do
	args+=("$B/$d/0/online" 1 "$B/$d/0/state" 2 "$B/$d/0/mac" "zz:$d" "$B/$d/0/bridge" "../$d")
done
xenstore-write "${args[@]}" || lab_fail "bogus VIFs"
for ((d = 1000; d < 1500; d += 50)); do
	lab_assert "bogus $d/0 gets an error" lab_wait_for 10000 vl_is "$d" 0 hotplug-status error
done
lab_assert "last bogus gets an error" lab_wait_for 10000 vl_is 1499 0 hotplug-status error
grep -q "ignoring .* entries under $B that are not a domain/device id" "$LAB_TMP/netd.log" ||
	lab_fail "no log line for non-numeric entries"
lines=$(grep -c "not a domain/device id" "$LAB_TMP/netd.log")
((lines < 50)) || lab_fail "$lines log lines for the bogus names (want a summary)"

# Everything removed at once, then a good guest: attaches, reaches the peer.
xenstore-rm "$B/foo" "$B/12" "$B/99999" "$B/007"
for ((d = 1000; d < 1500; d++)); do args+=("$B/$d"); done
vl_guest 2 0
vl_add --style libxl --wait-hotplug 5000 2 0 >/dev/null || lab_fail "good VIF after"
lab_assert "good VIF attached" vl_attached vif2.0
lab_assert "first guest still attached" vl_attached vif1.0
lab_assert "first guest reaches the peer" lab_wait_for 3000 vl_ping 1 0 1
vl_netctl vifs >/dev/null || lab_fail "netctl vifs"
vl_netctl vifs --json | python3 -c "import json,sys; json.load(sys.stdin)" ||
	lab_fail "netctl vifs --json is not JSON with hostile entries"
xenstore-rm "$B" || lab_fail "rm the whole backend tree"
lab_assert "records follow the tree" lab_wait_for 5000 bash -c \
	"! '$NETCTL' -s '$LAB_TMP/netd.sock' vifs | grep -q connected"
vl_check_log
echo "ok"
