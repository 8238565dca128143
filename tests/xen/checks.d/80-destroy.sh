# Lane 2: `xl destroy` detaches cleanly: the port leaves the bridge, the backend entry
# goes, no iptables rule names the VIF any more, `xl list` shows only dom0. Runs last,
# for every guest.
# checks: xl_destroy
gone() { ! ip link show "$1" >/dev/null 2>&1; }
fails=
guests=$(xl list | awk 'NR>1 && $1!="Domain-0" {print $1}')
[ -n "$guests" ] || fails=" no-guest-to-destroy"
# Record each guest's VIF and bridge, destroy them all at once, then look.
pids=
rules=0
for g in $guests; do
	d=$(xl domid "$g")
	rules=$((rules + $(iptables-save 2>/dev/null | grep -c "vif$d\.0")))
	echo "$d $(basename "$(readlink "/sys/class/net/vif$d.0/master" 2>/dev/null)")" >/tmp/destroy.$g.vif
	timeout 60 xl destroy "$g" >/tmp/destroy.$g 2>&1 &
	pids="$pids $!"
done
for p in $pids; do wait "$p" || fails="$fails xl-destroy-failed"; done
for g in $guests; do
	read -r d br </tmp/destroy.$g.vif
	[ ! -s /tmp/destroy.$g ] || diag /tmp/destroy.$g
	wait_for 20 gone "vif$d.0" || fails="$fails $g:vif$d.0-still-there"
	[ -z "$br" ] || [ ! -e "/sys/class/net/$br/brif/vif$d.0" ] || fails="$fails $g:still-in-$br"
	! xenstore-exists "/local/domain/0/backend/vif/$d" 2>/dev/null || fails="$fails $g:backend-entry-left"
	! iptables-save 2>/dev/null | grep -q "vif$d\.0" || fails="$fails $g:iptables-rules-left"
done
left=$(xl list | awk 'NR>1 && $1!="Domain-0" {print $1}')
[ -z "$left" ] || fails="$fails still-listed:$left"
if [ -z "$fails" ]; then
	result xl_destroy PASS "$(echo $guests | wc -w) guests destroyed at once; ports left their bridges; their $rules iptables rules gone; xl list clean"
else
	result xl_destroy FAIL "$fails"
	netd_log | diag
fi
