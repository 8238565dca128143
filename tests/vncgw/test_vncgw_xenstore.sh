#!/bin/bash
# The console table follows xenstore: consoles appear and disappear with their keys
# and domains (libxl console/vnc-*, the vfb backend, xend's /vm/<uuid>/vncpasswd),
# hostile values are refused, a console without a display or a password says so to
# the viewer, ports run out gracefully, and a restarted netd gives every running
# guest its port back.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
. "$(dirname "${BASH_SOURCE[0]}")/vnclab.sh"
lab_init
vnc_lab
xsw() { xenstore-write "$@" || lab_fail "xenstore-write $*"; }

# A domain without a console is not listed.
vnc_domain 3 vm3
sleep 0.3
[ -z "$(vnc_console_field 3 state)" ] || lab_fail "a domain without a console is listed"

# The vfb backend says "vnc=1, any free display": configured, not running yet.
xsw /local/domain/0/backend/vfb/3/0/vnc 1 /local/domain/0/backend/vfb/3/0/vncunused 1 \
	/local/domain/0/backend/vfb/3/0/vncpasswd pw3
vnc_wait_state 3 not-running || lab_fail "vfb console: $(NC consoles)"
port3=$(vnc_console_field 3 port)
[ -n "$port3" ] || lab_fail "no gateway port for a configured console"
out=$(lab_in peer "$RFB_PROBE" -v 3.8 $GW "$port3")
lab_assert_eq "refused: this guest's console is not running" "$out" "console not running (3.8)"
out=$(lab_in peer "$RFB_PROBE" -v 3.3 $GW "$port3")
lab_assert_eq "refused: this guest's console is not running" "$out" "console not running (3.3)"
# qemu starts and writes the port it got: ready, same gateway port.
vnc_qemu vm3 127.0.0.1:13 pw3
vnc_wait_display "$(vnc_passfile pw3)" 5913
xsw /local/domain/3/console/vnc-port 5913
vnc_wait_state 3 ready || lab_fail "vfb console after vnc-port: $(NC consoles)"
lab_assert_eq "$port3" "$(vnc_console_field 3 port)" "port kept when the display appears"
out=$(lab_in peer "$VNC_GRAB" -q -p "$(vnc_passfile pw3)" $GW "$port3")
lab_assert_eq "frame 720x400" "$out" "viewer of the vfb console"
echo "vfb console: not running, then ready on the same port"

# xend / qemu-dm: the password lives at /vm/<uuid>/vncpasswd.
vnc_qemu vm4 127.0.0.1:14 pw4
vnc_wait_display "$(vnc_passfile pw4)" 5914
uuid=4d4d4d4d-0000-4000-8000-000000000004
vnc_domain 4 vm4
xsw /local/domain/4/vm /vm/$uuid /vm/$uuid/vncpasswd pw4 /local/domain/4/console/vnc-port 5914
vnc_wait_state 4 ready || lab_fail "xend console: $(NC consoles)"
port4=$(vnc_console_field 4 port)
out=$(lab_in peer "$VNC_GRAB" -q -p "$(vnc_passfile pw4)" $GW "$port4")
lab_assert_eq "frame 720x400" "$out" "viewer of the xend-style console"
echo "xend console (/vm/<uuid>/vncpasswd): ok"

# No password anywhere: refused with a reason that says what to do.
vnc_domain 5 vm5 vnc-port=5915
vnc_wait_state 5 no-password || lab_fail "no-password console: $(NC consoles)"
out=$(lab_in peer "$RFB_PROBE" -v 3.8 $GW "$(vnc_console_field 5 port)")
[[ $out == "refused: no console password is set for this guest"* ]] || lab_fail "no password: $out"

# Hostile values from the guest-writable console directory.
vnc_domain 6 vm6 vnc-port=22 vnc-listen=10.9.9.9 vnc-pass=x
vnc_wait_state 6 not-running || lab_fail "hostile listen: $(NC consoles)"
[[ $(vnc_console_field 6 problem) == *"not loopback"* ]] || lab_fail "no note for 10.9.9.9"
xsw /local/domain/6/console/vnc-listen "unix:/run/xenstored/socket"
vnc_wait_field 6 problem "*outside*" ||
	lab_fail "unix path outside the allowed directories: $(vnc_console_field 6 problem)"
xsw /local/domain/6/console/vnc-listen 127.0.0.1 /local/domain/6/console/vnc-port 'x; rm -rf /'
vnc_wait_field 6 problem "*not a port*" ||
	lab_fail "bad port: $(vnc_console_field 6 problem)"
lab_assert_eq not-running "$(vnc_console_field 6 state)" "console with hostile values"
echo "hostile xenstore values refused (not loopback, outside dirs, not a port)"

# Keys removed: the console goes, its port closes.
port5=$(vnc_console_field 5 port)
xenstore-rm /local/domain/5/console
vnc_wait_gone 5 || lab_fail "console 5 still listed after its keys went"
out=$(lab_in peer "$RFB_PROBE" -v 3.8 $GW "$port5")
[[ $out == connect:* ]] || lab_fail "port $port5 still answers: $out"
# Domain released: gone too.
"$XS_TOOLSTACK" release 6 >/dev/null
vnc_wait_gone 6 || lab_fail "console 6 still listed after @releaseDomain"
echo "consoles disappear with their keys and their domain"

# Restart keeps ports. Domains 8 then 7, displays outside the range (no preference):
# 8 gets the lower port; a restart meeting 7 first must still give each its own.
vnc_domain 8 vm8 vnc-port=16008 vnc-pass=p8
vnc_wait_state 8 ready || lab_fail "console 8"
vnc_domain 7 vm7 vnc-port=16007 vnc-pass=p7
vnc_wait_state 7 ready || lab_fail "console 7"
before=$(NC consoles --json | python3 -c 'import json,sys; print(" ".join("%d:%s" % (c["domid"], c["port"]) for c in json.load(sys.stdin)["consoles"]))')
p8=$(vnc_console_field 8 port) p7=$(vnc_console_field 7 port)
((p8 < p7)) || lab_fail "domain 8 ($p8) came first and should have the lower port than 7 ($p7)"
vnc_netd_stop
vnc_netd_start
for d in 3 4 7 8; do vnc_wait_state $d ready || lab_fail "console $d after restart"; done
after=$(NC consoles --json | python3 -c 'import json,sys; print(" ".join("%d:%s" % (c["domid"], c["port"]) for c in json.load(sys.stdin)["consoles"]))')
lab_assert_eq "$before" "$after" "ports after a netd restart"
out=$(lab_in peer "$VNC_GRAB" -q -p "$(vnc_passfile pw3)" $GW "$port3")
lab_assert_eq "frame 720x400" "$out" "viewer after the restart"
echo "restart keeps ports: $after"

# Running out of ports: a clear log line, the others keep working.
vnc_netd_stop
sed -i 's/^ports = .*/ports = 5950-5952/' "$VNC_CONF"
: >"$VNC_LOG"
vnc_netd_start
lab_wait_for 5000 grep -q "no gateway port: all in use (ports 5950-5952" "$VNC_LOG" ||
	lab_fail "no log line when the ports ran out: $(grep console "$VNC_LOG" | tail -5)"
n=$(NC consoles --json | python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin)["consoles"] if c["port"]))')
lab_assert_eq 3 "$n" "consoles with a port in a range of 3"
kill -0 "$VNC_NETD_PID" || lab_fail "netd died"
echo "port range exhausted: $(grep -c 'no gateway port' "$VNC_LOG") console(s) logged without a port"
# A wildcard listen address: the gateway skips the displays' ports, and a display
# address that is really one of the gateway's own ports is refused, never dialled (it
# would relay to itself, session after session).
vnc_netd_stop
sed -i 's/^listen = .*/listen = 0.0.0.0/; s/^ports = .*/ports = 5950-5959/' "$VNC_CONF"
: >"$VNC_LOG"
vnc_netd_start
grep -q "includes a wildcard" "$VNC_LOG" || lab_fail "no warning about the wildcard listen"
vnc_wait_state 7 ready || lab_fail "console 7 with a wildcard listen"
p7=$(vnc_console_field 7 port)
vnc_domain 9 vm9 "vnc-port=$p7" vnc-pass=p9
vnc_wait_state 9 conflict || lab_fail "a display on the gateway's own port: $(NC consoles)"
[[ $(vnc_console_field 9 problem) == *"gateway's own listener"* ]] || lab_fail "no note for the loop"
out=$(lab_in peer "$RFB_PROBE" -v 3.8 -p "$(vnc_passfile p9)" $GW "$(vnc_console_field 9 port)")
[[ $out == "refused: this guest's console is disabled"* ]] || lab_fail "loop console: $out"
grep -q "dialled" "$VNC_LOG" && lab_fail "netd dialled a display that is its own listener"
echo "wildcard listen: a display on the gateway's own port is refused, not looped"
echo "test_vncgw_xenstore: all checks passed"
