# vif-lab.sh - helpers for the VIF tests (source after ../lab/lab.sh).
#
#   vl_setup [NICS]         xenstored, dom0 with NICS NICs (default 1), xenbr0 holding
#                           eth0, the peer at 10.0.0.1/16 on the LAN
#   vl_netd [TIMEOUT_MS]    write the config and start netd -d in dom0 (pid $VL_NETD);
#                           $VL_FIREWALL is the [firewall] section's body (default
#                           enable = no)
#   vl_netd_kill [SIG]      stop netd (default TERM) and wait for it
#   vl_devices N [FIRST]    N devices vifD.0 (other ends in a shared namespace)
#   vl_guest D N [NAME] [IP] [MAC]
#                           the guest's namespace behind NAME (default vifD.N)
#   vl_add ...              xs-toolstack vif-add ...
#   vl_rm ...               xs-toolstack vif-remove ...
#   vl_be D N [KEY]         backend path
#   vl_read PATH            xenstore-read, empty when missing
#   vl_wait_hs D N VALUE [MS]   wait for hotplug-status = VALUE
#   vl_is D N KEY VALUE     the backend KEY reads VALUE; vl_absent D N KEY
#   vl_attached DEV [BRIDGE]    DEV is up, in BRIDGE (default xenbr0), MAC fe:ff:...
#   vl_detached DEV         DEV has no master and is down
#   vl_ping D N [COUNT]     the guest pings the peer 10.0.0.1 (0 = all replies)
#   vl_netctl ARGS...       netctl against this netd
#   vl_not CMD...           succeeds when CMD fails (for lab_assert)
#   vl_check_log            fail if netd logged a sanitizer error or crashed
# Env from CTest: NETD, NETCTL, XS_TOOLSTACK, XS_SHIM. VL_KEEP_LOG=FILE keeps netd's log,
# VL_LOG_LEVEL=debug makes it verbose.

VL_NETD=""
: "${NETD:?NETD must name the netd binary}"
: "${NETCTL:?NETCTL must name the netctl binary}"
: "${XS_TOOLSTACK:?XS_TOOLSTACK must name xs-toolstack}"

vl_setup() {
	local nics=${1:-1}
	lab_need_cmd xenstore-read xenstore-write xenstore-rm ping
	lab_init
	lab_xenstored
	lab_dom0 "$nics"
	lab_peer 10.0.0.1/16
	lab_in dom0 ip link add xenbr0 type bridge stp_state 0 forward_delay 0 ||
		lab_fail "bridge xenbr0"
	lab_in dom0 ip link set eth0 master xenbr0 || lab_fail "eth0 -> xenbr0"
	lab_in dom0 ip link set xenbr0 up || lab_fail "xenbr0 up"
	lab_on_exit vl_netd_kill TERM
}

vl_netd() {
	local timeout=${1:-3000}
	cat >"$LAB_TMP/netd.conf" <<-EOF
	[global]
	log-level = ${VL_LOG_LEVEL:-info}
	pidfile = $LAB_TMP/netd.pid
	control-socket = $LAB_TMP/netd.sock
	[bridges]
	default-style = none
	hotplug-nics = no
	[vif]
	link-timeout-ms = $timeout
	[firewall]
	${VL_FIREWALL:-enable = no}
	EOF
	ip netns exec "$LAB_DOM0" "$NETD" -d -f "$LAB_TMP/netd.conf" \
		>>"$LAB_TMP/netd.log" 2>&1 &
	VL_NETD=$!
	disown "$VL_NETD"	# no job-control chatter when a test kills it
	lab_wait_for 5000 test -S "$LAB_TMP/netd.sock" ||
		{ cat "$LAB_TMP/netd.log" >&2; lab_fail "netd did not start"; }
	lab_wait_for 5000 vl__xs_connected ||
		{ cat "$LAB_TMP/netd.log" >&2; lab_fail "netd did not connect to xenstore"; }
}

vl__xs_connected() {
	"$NETCTL" -s "$LAB_TMP/netd.sock" status 2>/dev/null | grep -q "xenstore connected"
}

vl_netd_kill() {
	local sig=${1:-TERM} i
	[ -n "$VL_NETD" ] || return 0
	kill -"$sig" "$VL_NETD" 2>/dev/null
	for ((i = 0; i < 250; i++)); do
		kill -0 "$VL_NETD" 2>/dev/null || break
		sleep 0.02
	done
	kill -KILL "$VL_NETD" 2>/dev/null
	VL_NETD=""
	rm -f "$LAB_TMP/netd.pid" "$LAB_TMP/netd.sock"
	# For debugging: VL_KEEP_LOG=FILE keeps netd's log.
	[ -z "${VL_KEEP_LOG:-}" ] || cp "$LAB_TMP/netd.log" "$VL_KEEP_LOG"
}

# vl_devices N [FIRST]: vifD.0 for D = FIRST..FIRST+N-1 in dom0, as netback creates
# them; their other ends go to one "guests" namespace (as on a real host, where the
# guest side is not in dom0: dom0 holds N links, not 2N).
vl_devices() {
	local n=$1 first=${2:-1} d
	VL_SINK=${VL_SINK:-$LAB_ID-guests}
	if ! ip netns list | grep -qw "$VL_SINK"; then
		ip netns add "$VL_SINK" || lab_fail "netns $VL_SINK"
		lab_on_exit ip netns del "$VL_SINK"
	fi
	for ((d = first; d < first + n; d++)); do
		echo "link add vif$d.0 type veth peer name p$d netns $VL_SINK"
	done >"$LAB_TMP/devices"
	lab_in dom0 ip -batch "$LAB_TMP/devices" || lab_fail "$n devices"
}

vl_guest() {
	local d=$1 n=$2 name=${3:-vif$1.$2} ip=${4:-} mac=${5:-}
	[ -n "$ip" ] || ip=10.0.$((100 + d / 250)).$((d % 250 + 1))
	lab_guest "$d" "$n" "$name" "$mac" "$ip/16"
}

vl_not() { ! "$@"; }
vl_add() { "$XS_TOOLSTACK" vif-add "$@"; }
vl_rm() { "$XS_TOOLSTACK" vif-remove "$@"; }
vl_be() { echo "/local/domain/0/backend/vif/$1/$2${3:+/$3}"; }
vl_read() { xenstore-read "$1" 2>/dev/null || true; }

# KEY of D/N reads VALUE (for lab_wait_for)
vl_is() { [ "$(xenstore-read "$(vl_be "$1" "$2" "$3")" 2>/dev/null)" = "$4" ]; }
vl_absent() { ! xenstore-exists "$(vl_be "$1" "$2" "$3")" 2>/dev/null; }

vl_wait_hs() {
	"$XS_TOOLSTACK" wait "$(vl_be "$1" "$2" hotplug-status)" "$3" "${4:-5000}" >/dev/null
}

vl_link() { lab_in dom0 ip -o link show dev "$1" 2>/dev/null; }

# The <FLAGS> of `ip -o link` hold UP when the link is administratively up.
vl__up() { [[ $1 =~ \<([A-Z_-]+,)*UP[,\>] ]]; }

vl_attached() {
	local l
	l=$(vl_link "$1") || return 1
	vl__up "$l" && [[ $l == *" master ${2:-xenbr0} "* ]] &&
		[[ $l == *"link/ether fe:ff:ff:ff:ff:ff"* ]]
}

vl_detached() {
	local l
	l=$(vl_link "$1") || return 0	# gone counts as detached
	! vl__up "$l" && [[ $l != *" master "* ]]
}

vl_ping() {
	lab_in "$1.$2" ping -q -c "${3:-2}" -i 0.2 -W 1 10.0.0.1 >/dev/null 2>&1
}

vl_netctl() { "$NETCTL" -s "$LAB_TMP/netd.sock" "$@"; }

vl_check_log() {
	if grep -E "ERROR: (AddressSanitizer|LeakSanitizer: detected)|runtime error" "$LAB_TMP/netd.log" >&2; then
		lab_fail "netd: sanitizer report"
	fi
	if [ -n "$VL_NETD" ] && ! kill -0 "$VL_NETD" 2>/dev/null; then
		tail -20 "$LAB_TMP/netd.log" >&2
		lab_fail "netd died"
	fi
}
