#!/bin/bash
# netctl show / showmacs against brctl (bridge-utils) on the same kernel state, byte
# for byte: hand-made corner cases, then random topologies (seed printed; rerun one
# with SHOW_SEED=N). Also: --json is valid and carries the same data as the text.
. "$(dirname "$0")/show_lib.sh"
sh_init

compare_all() {
	local br
	sh_same show
	for br in $($X "$NETCTL" show --json | python3 -c \
	    'import json,sys; print(" ".join(b["name"] for b in json.load(sys.stdin)))'); do
		sh_same show "$br"
		sh_same showmacs "$br"
	done
	sh_same show no-such-br
	sh_json show
	# The JSON tells the same story as the text: rebuild brctl's lines from it.
	$X "$NETCTL" show --json | python3 -c '
import json, sys
bridges = json.load(sys.stdin)
if bridges:
    print("bridge name\tbridge id\t\tSTP enabled\tinterfaces")
for b in bridges:
    ports = b["interfaces"] or [""]
    print("%s\t\t%s\t%s\t\t%s" % (b["name"], b["id"], "yes" if b["stp"] else "no", ports[0]))
    for p in ports[1:]:
        print("\t" * 7 + p)' >"$LAB_TMP/from-json"
	$X "$NETCTL" show | cmp -s - "$LAB_TMP/from-json" ||
		lab_fail "show --json and show disagree"
}

# --- 1. hand-made cases --------------------------------------------------------
sh_ns hand
compare_all				# no bridge at all: header only
sh_same show lo				# exists, not a bridge
sh_same showmacs lo
sh_same showmacs no-such-br
sh_same show ""
sh_same show this-name-is-longer-than-ifnamsiz

$X ip link add br-empty type bridge	# never had a port: id 8000.000000000000
$X ip link add br-one type bridge
$X ip link add v1 type veth peer name v1p
$X ip link set v1 master br-one
$X ip link add br-two type bridge
$X ip tuntap add tap0 mode tap
$X ip link add v2 type veth peer name v2p
$X ip link set tap0 master br-two
$X ip link set v2 master br-two
$X ip link add br-had type bridge	# had a port, removed: id back to zeros
$X ip link add v3 type veth peer name v3p
$X ip link set v3 master br-had
$X ip link set v3 nomaster
$X ip link add br-stp type bridge
$X ip link set br-stp type bridge stp_state 1
$X ip link add br-prio type bridge priority 4096
$X ip link add br-p0 type bridge priority 0
$X ip link add br-pmax type bridge priority 65535
$X ip link add br-mac type bridge
$X ip link set br-mac address 02:ab:cd:ef:01:23	# set MAC: in the id with no port
$X ip link add abcdefghijklmno type bridge	# 15 characters, the longest
$X ip link add pqrstuvwxyz0123 type veth peer name long-peer
$X ip link set pqrstuvwxyz0123 master abcdefghijklmno
$X ip link add Br-Upper type bridge		# byte order: 'B' < 'b', '-' < '0' < '_'
$X ip link add br_under type bridge
$X ip link add br0 type bridge
$X ip link add br-30 type bridge
sh_veths br-30 P 30			# P1 P10 P11 ... P2 ...: name order, not creation
compare_all
sh_same show br-one no-such-br br-two	# several: errors on stderr, in order
sh_same show v1 br-empty
sh_same show br-one br-one
sh_same showmacs v1
# brctl looks names up through ioctls: the kernel keeps 15 bytes and drops an alias.
for n in br-one:1 br-one: lo:1 v1:1 no-such:1 :x abcdefghijklmnoXYZ abcdefghijklmn:9; do
	sh_same show "$n"
	sh_same showmacs "$n"
done

# Ports numbered above 255: brctl prints the ABI's 8-bit port_no.
$X ip link add br-big type bridge
sh_veths br-big q 260
sh_same show br-big
sh_same showmacs br-big

# Learned entries: two hosts ping each other across br-l.
$X ip link add br-l type bridge
$X ip link set br-l up
for h in 1 2; do
	lab__ns_new "h$h"
	ip -n "$LAB__NS" link add eth0 type veth peer name "hp$h" netns "$SH_NS"
	ip -n "$LAB__NS" addr add "10.77.0.$h/24" dev eth0
	ip -n "$LAB__NS" link set eth0 up
	$X ip link set "hp$h" master br-l up
	H[h]=$LAB__NS
done
ip netns exec "${H[1]}" ping -c 2 -i 0.2 -W 2 10.77.0.2 >/dev/null ||
	lab_fail "ping across br-l"
sh_macs br-l
[ "$($X "$NETCTL" showmacs br-l | grep -c $'\tno\t')" -ge 2 ] ||
	lab_fail "no learned entries on br-l"
sh_json showmacs br-l
sh_json showmacs br-big

# --- 2. random topologies -------------------------------------------------------
seed=${SHOW_SEED:-$RANDOM}
echo "random topologies: SHOW_SEED=$seed"
RANDOM=$seed
chars=(a b c B Z 0 1 9 - _ .)
rname() {	# a random interface name, 1..15 chars, first a letter
	local n=$((1 + RANDOM % 15)) s=${chars[RANDOM % 5]} i
	for ((i = 1; i < n; i++)); do s+=${chars[RANDOM % ${#chars[@]}]}; done
	echo "$s"
}
for ((t = 0; t < ${SHOW_ROUNDS:-12}; t++)); do
	sh_ns "r$t"
	nbr=$((RANDOM % 5))
	for ((b = 0; b < nbr; b++)); do
		br=$(rname)
		$X ip link add name "$br" type bridge 2>/dev/null || continue
		((RANDOM % 3 == 0)) && $X ip link set dev "$br" type bridge stp_state 1
		((RANDOM % 3 == 0)) &&
			$X ip link set dev "$br" type bridge priority $((RANDOM % 65536))
		np=$((RANDOM % 6))
		for ((p = 0; p < np; p++)); do
			port=$(rname)
			if ((RANDOM % 4 == 0)); then
				$X ip tuntap add dev "$port" mode tap 2>/dev/null || continue
			else
				$X ip link add name "$port" type veth peer name "x$t.$b.$p" \
					2>/dev/null || continue
			fi
			$X ip link set dev "$port" master "$br"
			((RANDOM % 5 == 0)) && $X ip link set dev "$port" nomaster
		done
		((RANDOM % 2)) && $X ip link set dev "$br" up
	done
	compare_all
	ip netns del "$SH_NS"
done
echo "ok: $SH_COMPARED comparisons with brctl"
