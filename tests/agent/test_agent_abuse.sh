#!/bin/bash
# Wrong password, no credentials, the login back-off, malformed XML, an entity bomb,
# deep nesting, unknown methods and classes, wrong argument types, a 100 MB body
# (Content-Length and chunked), 20 KB of headers, 1000 idle connections from one
# address, a slow sender: each gets the right error while the manager's client
# (another address) is served; the agent neither crashes nor grows, and no
# password reaches the log.
set -u
LAB_DIR=${LAB_DIR:-$(cd "$(dirname "$0")/../lab" && pwd)}
. "$LAB_DIR/lab.sh"
. "$(dirname "$0")/agentlab.sh"

ag_lab "${AG_TEST_MODE:-plain}"
pid=$(ag_agent_pid) || lab_fail "no agent process"
ag_py abuse.py || lab_fail "abuse.py"
[ "$(ag_agent_pid)" = "$pid" ] || lab_fail "the agent restarted (crashed?) during the test"
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
echo "agent RSS after the test: ${rss} kB"
[ "$rss" -lt 65536 ] || lab_fail "the agent grew to ${rss} kB"
grep -q "wrong password for user 'oracle'" "$AG_LOG" || lab_fail "the failed login is not logged"
grep -q "refusing a connection from 10.0.0.1: too many connections from this address" "$AG_LOG" ||
	lab_fail "the refused connections are not logged"
grep -Eq "wrong again|s3cret" "$AG_LOG" && lab_fail "a password in the log"
ag_finish
echo "PASS"
