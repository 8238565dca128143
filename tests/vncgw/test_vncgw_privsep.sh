#!/bin/bash
# The gateway process holds no privilege: the configured user, no capabilities in any
# set, no new privileges, a seccomp filter, only sockets netd handed it (no xenstore,
# no netlink, no files). netd refuses to run it as root or as a missing user.
set -uo pipefail
. "${LAB_DIR:?}/lab.sh"
. "$(dirname "${BASH_SOURCE[0]}")/vnclab.sh"
lab_init
vnc_lab

vnc_qemu vm1 127.0.0.1:1 guestpw
vnc_domain 1 vm1 vnc-port=5901 vnc-pass=guestpw
vnc_wait_state 1 ready || lab_fail "console 1: $(NC consoles)"
gw=$(vnc_gw_pid)
[ -n "$gw" ] || lab_fail "no gateway pid"
st=/proc/$gw/status
lab_assert_eq vncgw "$(cat /proc/$gw/comm)" "gateway process name"
lab_assert_eq "65534 65534 65534 65534" "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' $st)" "uids"
lab_assert_eq "65534 65534 65534 65534" "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' $st)" "gids"
lab_assert_eq "65534" "$(awk '/^Groups:/ { print $2 $3 }' $st)" "supplementary groups"
for set in CapInh CapPrm CapEff CapBnd CapAmb; do
	lab_assert_eq 0000000000000000 "$(awk "/^$set:/ { print \$2 }" $st)" "$set"
done
lab_assert_eq 1 "$(awk '/^NoNewPrivs:/ { print $2 }' $st)" "NoNewPrivs"
if grep -q "sandbox: no seccomp filter in this build (sanitizer" "$VNC_LOG"; then
	echo "seccomp: not in this build (ASan/LSan need system calls the filter refuses)"
else
	lab_assert_eq 2 "$(awk '/^Seccomp:/ { print $2 }' $st)" "Seccomp (filter)"
fi
[ "$(ps -o ppid= -p "$gw" | tr -d ' ')" = "$VNC_NETD_PID" ] || lab_fail "gateway is not netd's child"
echo "gateway pid $gw: uid/gid 65534, no capabilities, NoNewPrivs, seccomp filter"

# Descriptors: stdio, the channel, epoll, the listening socket; no files, no
# netlink or xenstore connection.
files=$(for f in /proc/$gw/fd/*; do readlink "$f"; done | sort)
while read -r f; do
	case $f in
	socket:* | anon_inode:\[eventpoll\] | /dev/null | "$VNC_LOG" | pipe:*) ;;
	*) lab_fail "unexpected descriptor in the gateway: $f" ;;
	esac
done <<<"$files"
xs_inode=$(lab_in dom0 ss -xp 2>/dev/null | grep -F "$LAB_TMP/xs" | grep -c "pid=$gw,")
lab_assert_eq 0 "$xs_inode" "xenstore connections held by the gateway"
lab_in dom0 ss -Hltnp "( sport = :5901 )" | grep -q "pid=$gw," ||
	lab_fail "the gateway does not hold the listener"
lab_assert_eq 0 "$(lab_in dom0 ss -Hlnp -A netlink 2>/dev/null | grep -c "pid=$gw,")" \
	"netlink sockets of the gateway"
echo "gateway descriptors: $(wc -l <<<"$files") (sockets from netd, epoll, stdio)"

# A viewer still works under all that.
out=$(lab_in peer "$RFB_PROBE" -v 3.8 -u -p "$(vnc_passfile guestpw)" $GW 5901)
lab_assert_eq "ok 3.8 720x400 QEMU (vm1)" "$out" "viewer of the sandboxed gateway"

# No unprivileged user, no gateway: a missing user and root are refused.
for user in no-such-user root; do
	vnc_netd_stop
	sed -i "s/^user = .*/user = $user/" "$VNC_CONF"
	: >"$VNC_LOG"
	lab_bg dom0 bash -c "exec '$NETD' -d -f '$VNC_CONF' 2>>'$VNC_LOG'"
	VNC_NETD_PID=$LAB_LAST_PID
	lab_wait_for 5000 test -S "$VNC_SOCK" || lab_fail "netd did not start"
	case $user in
	root) want="user 'root' is root; refusing; gateway disabled" ;;
	*) want="user '$user' does not exist; gateway disabled" ;;
	esac
	lab_wait_for 3000 grep -q "$want" "$VNC_LOG" || lab_fail "no refusal for $user: $(tail -3 "$VNC_LOG")"
	[[ $(NC consoles) == *"console gateway: disabled"* ]] || lab_fail "consoles with user $user"
	lab_in dom0 ss -Hltn | grep -q "$GW:59" && lab_fail "listening without a gateway"
	pgrep -f -- "--vncgw-child" | xargs -r ps -o ppid= -p | grep -qw "$VNC_NETD_PID" &&
		lab_fail "a gateway runs as $user"
done
echo "user root or missing: no gateway, a clear log line"
echo "test_vncgw_privsep: all checks passed"
