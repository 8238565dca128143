#!/bin/bash
# netctl agent-password: the password read from stdin, hashed with crypt(3)
# (yescrypt), written into the [agent] section of the configuration in place (the
# rest of the file byte for byte the same), netd reloaded: the old password gets
# 401, the new one works, on connections already open too. --print only prints;
# a file without [agent] gets the section; a file that would not load is left alone.
set -u
LAB_DIR=${LAB_DIR:-$(cd "$(dirname "$0")/../lab" && pwd)}
. "$LAB_DIR/lab.sh"
. "$(dirname "$0")/agentlab.sh"

ag_lab plain
cat >"$LAB_TMP/pw.py" <<'PY'
import sys, xmlrpc.client
from agentc import check, ovm, proxy
pw, want = sys.argv[1], sys.argv[2]
try:
    ok = ovm(proxy(pw=pw), "OvmNetwork.getAllBridges") == "[]"
except xmlrpc.client.ProtocolError as e:
    ok = e.errcode
check(str(ok) == want, "password %r: %s" % (pw[:2] + "...", want))
PY
ag_py "$LAB_TMP/pw.py" "$AG_PW" True || lab_fail "the first password"

# --print: the lines to add, nothing written.
cp "$AG_CONF" "$LAB_TMP/before"
out=$(printf 'other\n' | "$NETCTL" agent-password --print -f "$AG_CONF") || lab_fail "--print"
printf '%s\n' "$out" | grep -Eq '^password-hash = \$y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{43}$' ||
	lab_fail "--print: $out"
cmp -s "$AG_CONF" "$LAB_TMP/before" || lab_fail "--print changed the file"

# In place, and netd reloads.
chmod 640 "$AG_CONF"
printf 'n3w-Pass word\n' | NC agent-password -f "$AG_CONF" || lab_fail "netctl agent-password"
[ "$(stat -c %a "$AG_CONF")" = 640 ] || lab_fail "the file mode changed"
[ "$(grep -c '^password-hash = ' "$AG_CONF")" = 1 ] || lab_fail "not exactly one password-hash"
diff <(grep -v '^password-hash' "$LAB_TMP/before") <(grep -v '^password-hash' "$AG_CONF") ||
	lab_fail "the rest of the file changed"
grep -q "n3w" "$AG_CONF" && lab_fail "the password itself in the file"
lab_wait_for 5000 grep -q "password hash updated" "$AG_LOG" || lab_fail "the agent did not get the hash"
ag_py "$LAB_TMP/pw.py" "$AG_PW" 401 || lab_fail "the old password still works"
sleep 1.1	# the back-off after that failure
ag_py "$LAB_TMP/pw.py" 'n3w-Pass word' True || lab_fail "the new password"
grep -q "n3w-Pass" "$AG_LOG" && lab_fail "the password in the log"

# A file without [agent]: the section is added; one that would not load: untouched.
printf '[global]\nlog-level = info\n' >"$LAB_TMP/min.conf"
printf 'x\n' | "$NETCTL" agent-password -f "$LAB_TMP/min.conf" >/dev/null 2>&1
grep -q '^\[agent\]$' "$LAB_TMP/min.conf" && grep -q '^password-hash = \$y\$' "$LAB_TMP/min.conf" ||
	lab_fail "[agent] not added: $(cat "$LAB_TMP/min.conf")"
"$NETD" -n -f "$LAB_TMP/min.conf" >/dev/null || lab_fail "the updated file does not load"
printf '[global]\nnonsense = 1\n' >"$LAB_TMP/bad.conf"
cp "$LAB_TMP/bad.conf" "$LAB_TMP/bad.before"
printf 'x\n' | "$NETCTL" agent-password -f "$LAB_TMP/bad.conf" 2>/dev/null && lab_fail "accepted a broken file"
cmp -s "$LAB_TMP/bad.conf" "$LAB_TMP/bad.before" || lab_fail "a broken file was changed"
ls "$LAB_TMP"/bad.conf.* >/dev/null 2>&1 && lab_fail "a temporary file left behind"
printf '\n' | "$NETCTL" agent-password --print >/dev/null 2>&1 && lab_fail "accepted an empty password"
ag_finish
echo "PASS"
