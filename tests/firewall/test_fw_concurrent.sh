#!/bin/bash
# Other writers commit in a loop (iptables-legacy -w, two processes) while the
# firewall installs, then removes, N VIFs' rules one commit each (as netd's hooks do
# for VIFs arriving one at a time). Two phases:
#  1. cooperative writers: we hold the xtables lock (/run/xtables.lock, as iptables
#     does) around each transaction, so nobody races anybody: no retry, no failure;
#  2. a writer that ignores our lock (we use a private XTABLES_LOCKFILE): commits
#     that lose the race are redone on a fresh read (EAGAIN / libiptc's counters race).
# In both: no rule of either writer lost, no error left behind.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
lab_init
lab_need_cmd iptables-legacy iptables-legacy-save
lab_dom0 1
drv=${FW_DRIVER:?}
n=${FW_CONCURRENT_VIFS:-300}
printf '[firewall]\ncluster-conf = %s/none\n' "$LAB_TMP" >"$LAB_TMP/fw.conf"
lab_in dom0 iptables-legacy -N OTHER || lab_fail "chain OTHER"

writer() { # $1: writer id; appends distinct rules until $LAB_TMP/stop exists
	local i=0 ok=0
	while [ ! -e "$LAB_TMP/stop" ]; do
		i=$((i + 1))
		ip netns exec "$LAB_DOM0" iptables-legacy -w -A OTHER -s "192.168.$1.$((i % 250))" \
			-p tcp --dport $((1000 + i)) -j ACCEPT 2>/dev/null && ok=$((ok + 1))
	done
	echo "$ok" >"$LAB_TMP/writer$1"
}

# phase NAME ID [LOCKFILE]: run the driver against writers ID and ID+1 (their rules
# use 192.168.ID.x); sets RETRIES and WANT (the writers' appends that succeeded).
phase() {
	local name=$1 id=$2 lockfile=${3:-} rc w1 w2 failures
	rm -f "$LAB_TMP/stop"
	lab_in dom0 iptables-legacy -w -F OTHER
	writer "$id" &
	w1=$!
	writer "$((id + 1))" &
	w2=$!
	lab_track_pid $w1
	lab_track_pid $w2
	sleep 0.2
	XTABLES_LOCKFILE=$lockfile FW_DRIVER_PRECOMMIT_US=1000 lab_in dom0 "$drv" \
		-f "$LAB_TMP/fw.conf" apply bulk $n 1 check $n bulkdel $n 1 check 0 \
		>"$LAB_TMP/out" 2>"$LAB_TMP/err"
	rc=$?
	touch "$LAB_TMP/stop"
	wait $w1 $w2
	echo "== phase $name"
	cat "$LAB_TMP/out" "$LAB_TMP/err"
	lab_assert_eq 0 $rc "$name: fw-driver exit status"
	grep -q "^check: chains=$((n + 2)) vif_rules=$((3 * n)) dispatch=$((2 * n))$" "$LAB_TMP/out" ||
		lab_fail "$name: rules lost while installing"
	grep -q "^check: chains=2 vif_rules=0 dispatch=0$" "$LAB_TMP/out" ||
		lab_fail "$name: rules left after removal"
	RETRIES=$(sed -n 's/.*retries=\([0-9]*\) failures=.*/\1/p' "$LAB_TMP/err" | tail -n 1)
	failures=$(sed -n 's/.*failures=\([0-9]*\)$/\1/p' "$LAB_TMP/err" | tail -n 1)
	lab_assert_eq 0 "$failures" "$name: failed transactions"
	# Every append that iptables reported done is there (iptables may report a
	# failure for an append that did land: the same counters race, its side).
	WANT=$(($(cat "$LAB_TMP/writer$id") + $(cat "$LAB_TMP/writer$((id + 1))")))
	got=$(lab_in dom0 iptables-legacy-save -t filter | grep -c '^-A OTHER ')
	[ "$got" -ge "$WANT" ] || lab_fail "$name: the other writers lost rules: $got present, $WANT done"
}

phase locked 1
lab_assert_eq 0 "${RETRIES:-0}" "retries while every writer takes the xtables lock"
phase unlocked 3 "$LAB_TMP/private.lock"
[ "${RETRIES:-0}" -gt 0 ] ||
	lab_fail "the other writers never won a race: the retry path was not exercised"
[ "$WANT" -gt 0 ] || lab_fail "unlocked: the other writers never got a turn"
echo "test_fw_concurrent: $n VIFs per phase, $RETRIES retries without the shared lock: all checks passed"
