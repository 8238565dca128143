#!/bin/bash
# HTTPS with the configured certificate and key: Python's xmlrpc.client verifies
# the server against the test CA and calls through TLS; a plain-HTTP request to the
# TLS port gets nothing; the hostile clients of abuse.py over TLS. The agent
# process: user nobody, no capabilities, seccomp, no new privileges, none of
# netd's descriptors; killed, it is restarted and serves again; it goes with netd.
set -u
LAB_DIR=${LAB_DIR:-$(cd "$(dirname "$0")/../lab" && pwd)}
. "$LAB_DIR/lab.sh"
. "$(dirname "$0")/agentlab.sh"

ag_lab tls
cat >"$LAB_TMP/tls.py" <<'PY'
import http.client, ssl
from agentc import check, ovm, proxy
check(ovm(proxy(), "OvmNetwork.getAllBridges") == "[]", "HTTPS call, certificate verified")
c = http.client.HTTPConnection("10.0.0.2", 8899, timeout=5)
try:
    c.request("POST", "/RPC2", "<x/>")
    r = c.getresponse()
    ok = False
except (OSError, http.client.HTTPException):
    ok = True
check(ok, "plain HTTP to the TLS port: no answer")
try:
    ssl.create_default_context().wrap_socket(
        __import__("socket").create_connection(("10.0.0.2", 8899), timeout=5),
        server_hostname="10.0.0.2")
    ok = False
except ssl.SSLCertVerificationError:
    ok = True
check(ok, "a client without the CA refuses the certificate")
PY
ag_py "$LAB_TMP/tls.py" || lab_fail "tls checks"

pid=$(ag_agent_pid) || lab_fail "no agent process"
st=/proc/$pid/status
grep -q "^Uid:[[:space:]]*65534[[:space:]]65534" "$st" || lab_fail "agent uid: $(grep ^Uid "$st")"
grep -q "^CapEff:[[:space:]]*0000000000000000" "$st" || lab_fail "agent has capabilities"
grep -q "^CapBnd:[[:space:]]*0000000000000000" "$st" || lab_fail "agent bounding set not empty"
grep -q "^NoNewPrivs:[[:space:]]*1" "$st" || lab_fail "agent without no_new_privs"
if grep -q "seccomp on" "$AG_LOG"; then
	grep -q "^Seccomp:[[:space:]]*2" "$st" || lab_fail "agent without its seccomp filter"
fi
nfd=$(ls "/proc/$pid/fd" | wc -l)
[ "$nfd" -le 8 ] || lab_fail "agent holds $nfd descriptors: $(ls -l /proc/$pid/fd)"
echo "ok: agent pid $pid: uid 65534, no capabilities, no_new_privs, seccomp, $nfd descriptors"

kill -KILL "$pid"
lab_wait_for 10000 bash -c "[ \$(grep -c 'agent: ready on' '$AG_LOG') -ge 2 ]" ||
	lab_fail "the agent was not restarted"
npid=$(ag_agent_pid) || lab_fail "no agent after the restart"
[ "$npid" != "$pid" ] || lab_fail "same pid after the kill"
ag_py "$LAB_TMP/tls.py" >/dev/null || lab_fail "not served after the restart"
echo "ok: killed, restarted as $npid, serving"

AG_TEST_MODE=tls ag_py abuse.py || lab_fail "abuse.py over TLS"

ag_finish
echo "ok: the agent went with netd"
echo "PASS"
