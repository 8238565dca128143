#!/bin/bash
# Host port policy through netd, with real TCP connects from the peer host:
# ssh/agent/cluster/console/migration open exactly as configured, a non-pool address
# kept out of 7777, other tools' rules untouched, a bad configuration refused with
# file:line and the table unchanged, an established connection surviving a reload
# that closes its port to new connections, the nf_tables warning, stop leaving the
# rules and --remove-firewall removing them.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
lab_init
lab_need_cmd socat nc iptables-legacy iptables-legacy-save
lab_dom0 1 addr                      # dom0 eth0 10.0.0.2/24
lab_peer 10.0.0.1/24 10.0.0.9/24     # .1: manager and pool member; .9: neither
netd=${NETD:?} netctl=${NETCTL:?}
conf=$LAB_TMP/netd.conf log=$LAB_TMP/netd.log sock=$LAB_TMP/netd.sock

cluster() { # cluster.conf with the given node addresses
	local i=0 a
	{
		printf 'cluster:\n\tnode_count = %d\n\tname = pool1\n\n' $#
		for a in "$@"; do
			printf 'node:\n\tip_port = 7777\n\tip_address = %s\n\tnumber = %d\n' "$a" $i
			printf '\tname = ovs%d\n\tcluster = pool1\n\n' $i
			i=$((i + 1))
		done
	} >"$LAB_TMP/cluster.conf"
}
write_conf() {
	cat >"$conf" <<EOC
[global]
pidfile = $LAB_TMP/netd.pid
control-socket = $sock
[bridges]
default-style = none
[firewall]
ssh-networks = 10.0.0.0/24
agent-networks = 10.0.0.1
console-networks = 10.0.0.1
cluster-conf = $LAB_TMP/cluster.conf
roles = vm-server
$*
EOC
}
table() { lab_in dom0 iptables-legacy-save -t filter | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'; }
# connect SRC PORT -> 0 when the TCP handshake completes within 1 s
connect() { lab_in peer nc -z -w 1 -s "$1" 10.0.0.2 "$2" 2>/dev/null; }
expect() { # SRC "port:want ..."  (want: ok | no)
	local src=$1 pw p w
	for pw in $2; do
		p=${pw%%:*} w=${pw##*:}
		if connect "$src" "$p"; then got=ok; else got=no; fi
		[ "$got" = "$w" ] || lab_fail "$src -> 10.0.0.2:$p: expected $w, got $got ($3)"
	done
}

for p in 22 8899 7777 5901 8002 9999; do
	lab_bg dom0 socat "TCP-LISTEN:$p,fork,reuseaddr" EXEC:cat
done
lab_wait_for 3000 connect 10.0.0.9 9999 || lab_fail "listeners did not come up"
# Another tool's chain and jump: must survive untouched and in place.
lab_in dom0 iptables-legacy -N OTHER
lab_in dom0 iptables-legacy -A INPUT -j OTHER
lab_in dom0 iptables-legacy -A OTHER -p tcp --dport 12345 -j ACCEPT
expect 10.0.0.9 "22:ok 8899:ok 7777:ok 9999:ok" "no firewall yet"

# A broken cluster.conf is refused with file:line before anything is touched.
cluster 10.0.0.1 10.0.0.2
printf 'node:\n\tip_address = 10.0.0.300\n' >>"$LAB_TMP/cluster.conf"
write_conf
before=$(table)
lab_in dom0 "$netd" -d -f "$conf" 2>"$LAB_TMP/bad.log"
lab_assert_eq 1 $? "netd exit status with a broken cluster.conf"
grep -q "cluster.conf:[0-9]*: node stanza without a name" "$LAB_TMP/bad.log" ||
	lab_fail "no file:line message: $(cat "$LAB_TMP/bad.log")"
# ... and so is a bad [firewall] key.
write_conf "roles = vm-server hypervisor"
lab_in dom0 "$netd" -d -f "$conf" 2>"$LAB_TMP/bad2.log"
grep -q "netd.conf:12: roles: 'hypervisor' is not one of" "$LAB_TMP/bad2.log" ||
	lab_fail "bad roles: $(cat "$LAB_TMP/bad2.log")"
[ "$(table)" = "$before" ] || lab_fail "a refused configuration changed the table"

# nf_tables holds a rule of its own: netd must say both rule sets apply.
if command -v nft >/dev/null; then
	lab_in dom0 nft add table ip filter
	lab_in dom0 nft add chain ip filter input '{ type filter hook input priority 0; }'
	lab_in dom0 nft add rule ip filter input counter
fi

cluster 10.0.0.1 10.0.0.2
write_conf
lab_bg dom0 "$netd" -d -f "$conf" 2>"$log"
netd_pid=$LAB_LAST_PID
lab_wait_for 5000 grep -q "firewall: policy applied" "$log" || { cat "$log"; lab_fail "policy not applied"; }
if command -v nft >/dev/null && [[ $(readlink -f "$(command -v iptables)") == *nft* ]]; then
	grep -q "nf_tables holds 1 rules of its own: both rule sets apply" "$log" ||
		lab_fail "no nf_tables warning: $(grep firewall "$log")"
fi

expect 10.0.0.1 "22:ok 8899:ok 7777:ok 5901:ok 8002:ok 9999:no" "manager/pool member"
expect 10.0.0.9 "22:ok 8899:no 7777:no 5901:no 8002:no" "outsider"

# Our jump first, the other tool's after it, its chain intact.
save=$(lab_in dom0 iptables-legacy-save -t filter)
jumps=$(grep -E '^-A INPUT ' <<<"$save" | tr '\n' '|')
lab_assert_eq "-A INPUT -j DOM0NET-INPUT|-A INPUT -j OTHER|" "$jumps" "INPUT order"
grep -q -- "-A OTHER -p tcp -m tcp --dport 12345 -j ACCEPT" <<<"$save" || lab_fail "OTHER lost"
# What netctl shows is what iptables-legacy-save has, with counters.
fw=$(lab_in dom0 "$netctl" -s "$sock" firewall) || lab_fail "netctl firewall"
grep -E '^-A DOM0NET-INPUT ' <<<"$save" | sed 's/^-A DOM0NET-INPUT //' >"$LAB_TMP/saved"
grep -E '^ +[0-9]+ +[0-9]+  DOM0NET-INPUT ' <<<"$fw" | sed 's/^ *[0-9]* *[0-9]*  DOM0NET-INPUT *//' >"$LAB_TMP/shown"
diff "$LAB_TMP/saved" "$LAB_TMP/shown" || lab_fail "netctl firewall differs from iptables-legacy-save"
grep -Eq '^ +[1-9][0-9]* +[0-9]+  DOM0NET-INPUT .*dom0net:ssh' <<<"$fw" || lab_fail "no ssh packets counted: $fw"
lab_in dom0 "$netctl" -s "$sock" firewall --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["pool"]["n_nodes"] == 2, d["pool"]
assert any(r["chain"] == "INPUT" and r["rule"] == "-j DOM0NET-INPUT" for r in d["rules"])
assert any(s["name"] == "ssh" and s["management"] for s in d["services"])' ||
	lab_fail "netctl firewall --json"

# An established connection survives a reload that closes its port to new ones.
coproc CONN { ip netns exec "$LAB_PEER" socat - TCP:10.0.0.2:7777,bind=10.0.0.1; }
echo hello >&"${CONN[1]}"
read -r -t 3 line <&"${CONN[0]}" && [ "$line" = hello ] || lab_fail "no echo before reload"
cluster 10.0.0.2                       # the peer leaves the pool
kill -HUP "$netd_pid"
lab_wait_for 5000 grep -q "policy re-applied" "$log" || lab_fail "reload not applied"
echo again >&"${CONN[1]}"
read -r -t 3 line <&"${CONN[0]}" && [ "$line" = again ] || lab_fail "established connection cut by reload"
expect 10.0.0.1 "7777:no 8002:no 22:ok 8899:ok" "after reload"

# A broken reload keeps the running policy, byte for byte.
before=$(table)
printf 'garbage\n' >>"$LAB_TMP/cluster.conf"
kill -HUP "$netd_pid"
lab_wait_for 5000 grep -q "reload: .*cluster.conf:[0-9]*: expected a stanza name ending with ':'; keeping the running configuration" "$log" ||
	lab_fail "bad reload not refused: $(tail -2 "$log")"
[ "$(table)" = "$before" ] || lab_fail "a refused reload changed the table"
expect 10.0.0.9 "22:ok" "after a refused reload"

# Stop leaves the rules (documented); --remove-firewall takes ours, only ours.
kill -TERM "$netd_pid"
lab_wait_for 5000 bash -c "! kill -0 $netd_pid 2>/dev/null" || lab_fail "netd did not exit"
wait "$netd_pid" 2>/dev/null
table | grep -q DOM0NET-INPUT || lab_fail "stopping netd removed the firewall"
expect 10.0.0.9 "8899:no" "after stop"
lab_in dom0 "$netd" -f "$conf" --remove-firewall 2>/dev/null || lab_fail "--remove-firewall"
! table | grep -q DOM0NET || lab_fail "dom0net chains left: $(table)"
table | grep -q -- "-A INPUT -j OTHER" || lab_fail "--remove-firewall touched OTHER"
expect 10.0.0.9 "8899:ok" "after --remove-firewall"
echo "test_fw_ports: all checks passed"
