#!/bin/bash
# Golden configuration tests (in the spirit of OpenBSD vmd's regress/.../config):
# every pass/*.conf must print "configuration OK" from `netd -n`, every fail/*.conf
# must exit 1 with exactly the message in the matching .err file.
set -u
netd=${NETD:?set NETD to the netd binary}
cd "$(dirname "$0")" || exit 1
failed=0 passed=0
for f in pass/*.conf; do
	out=$("$netd" -n -f "$f" 2>&1); rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "configuration OK" ]; then
		passed=$((passed + 1))
	else
		echo "FAIL $f: exit $rc: $out"; failed=$((failed + 1))
	fi
done
for f in fail/*.conf; do
	want="netd: $(cat "${f%.conf}.err")"
	out=$("$netd" -n -f "$f" 2>&1); rc=$?
	if [ $rc -eq 1 ] && [ "$out" = "$want" ]; then
		passed=$((passed + 1))
	else
		echo "FAIL $f: exit $rc"; echo "  got:  $out"; echo "  want: $want"
		failed=$((failed + 1))
	fi
done
echo "config: $passed passed, $failed failed"
[ $failed -eq 0 ]
