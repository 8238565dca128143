#!/bin/bash
# netd's life cycle in a lab namespace: start, control socket and its trust rules,
# pidfile lock, reload with a good and a bad file, late xenstored, clean exit.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
lab_init
lab_need_cmd setpriv
lab_dom0 1
netd=${NETD:?} netctl=${NETCTL:?}
# The socket's directory must be reachable by an unprivileged user, as /run/dom0net is.
chmod 755 "$LAB_TMP"
sock=$LAB_TMP/run/netd.sock log=$LAB_TMP/netd.log conf=$LAB_TMP/netd.conf
write_conf() {
	cat >"$conf" <<EOC
[global]
log-level = ${1:-info}
pidfile = $LAB_TMP/run/netd.pid
control-socket = $sock
[bridges]
default-style = none
EOC
}
nc() { lab_in dom0 "$netctl" -s "$sock" "$@"; }

# Not running yet: status says so with exit 3.
nc status >/dev/null 2>&1
lab_assert_eq 3 $? "netctl status exit code without netd"

# xenstored is not there yet: netd must start anyway and keep retrying.
export XENSTORED_PATH=$LAB_TMP/xs/socket
write_conf
lab_bg dom0 bash -c "exec '$netd' -d -f '$conf' 2>'$log'"
netd_pid=$LAB_LAST_PID
lab_wait_for 5000 test -S "$sock" || { cat "$log"; lab_fail "no control socket"; }
out=$(nc status) || lab_fail "netctl status failed"
[[ $out == *"pid $netd_pid"* ]] || lab_fail "status does not name pid $netd_pid: $out"
[[ $out == *"xenstore not connected"* ]] || lab_fail "status: $out"
grep -q "xenstore: cannot connect (retrying" "$log" || lab_fail "no retry message"

# A second netd refuses to start while the first holds the pidfile.
lab_in dom0 "$netd" -d -f "$conf" 2>"$LAB_TMP/second.log"
lab_assert_eq 1 $? "second netd exit status"
grep -q "another netd running" "$LAB_TMP/second.log" || lab_fail "second netd: $(cat "$LAB_TMP/second.log")"

# xenstored appears later: netd connects by itself.
lab_xenstored
lab_wait_for 5000 grep -q "xenstore: connected" "$log" || lab_fail "never connected to xenstored"
[[ $(nc status) == *"xenstore connected"* ]] || lab_fail "status after connect"

# Trust comes from SO_PEERCRED: an unprivileged user may read, not change.
out=$(lab_in dom0 setpriv --reuid=65534 --regid=65534 --clear-groups "$netctl" -s "$sock" status) ||
	lab_fail "status as nobody"
lab_in dom0 setpriv --reuid=65534 --regid=65534 --clear-groups "$netctl" -s "$sock" reload \
	2>"$LAB_TMP/nobody.err"
lab_assert_eq 1 $? "reload as nobody"
grep -q "permission denied" "$LAB_TMP/nobody.err" || lab_fail "nobody reload: $(cat "$LAB_TMP/nobody.err")"

# A malformed request (bad version) closes that client only.
printf '\x07\x00\x01\x00' | lab_in dom0 socat - "UNIX-CONNECT:$sock" >/dev/null 2>&1
nc status >/dev/null || lab_fail "netd died after a malformed request"

# Reload: a good file is taken, a bad one refused with file:line, netd keeps running.
write_conf debug
nc reload || lab_fail "reload"
lab_wait_for 3000 grep -q "reload: configuration re-read" "$log" || lab_fail "reload not logged"
echo "[bridges]" >>"$conf"; echo "colour = blue" >>"$conf"
kill -HUP "$netd_pid"
lab_wait_for 3000 grep -q "unknown key 'colour' in \[bridges\]; keeping the running configuration" "$log" ||
	lab_fail "bad reload not refused: $(tail -3 "$log")"
kill -0 "$netd_pid" || lab_fail "netd died on a bad reload"

# TERM: clean exit, socket and pidfile gone.
kill -TERM "$netd_pid"
lab_wait_for 5000 bash -c "! kill -0 $netd_pid 2>/dev/null" || lab_fail "netd did not exit on TERM"
wait "$netd_pid" 2>/dev/null
[ ! -e "$sock" ] || lab_fail "control socket left behind"
[ ! -e "$LAB_TMP/run/netd.pid" ] || lab_fail "pidfile left behind"
echo "test_daemon: all checks passed"
