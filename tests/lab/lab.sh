# lab.sh - network-namespace test labs for lane 1 (source it from bash).
#
# Topology (every name starts with $LAB_ID = d0t<pid>x<random>):
#
#   $LAB_DOM0 : eth0..ethN-1 ----veth---- d0..dN-1 \
#                                                   sw (bridge) in $LAB_LAN
#   $LAB_PEER : eth0 ---------veth---- peer --------/
#   guest D.N : eth0 ---veth--- vifD.N (or tapD.N, vifD.N-emu) in $LAB_DOM0
#
# Every link is created directly inside its namespace (ip -n ... netns ...),
# so nothing ever appears in, or sends from, the host namespace.
#
# Functions:
#   lab_init                    new lab: names, temp dir $LAB_TMP, cleanup
#                               trap on EXIT/INT/TERM, reaps leftovers of
#                               SIGKILLed labs (LAB_NO_REAP=1: don't);
#                               called implicitly by the functions below.
#                               Namespace functions skip (77) if not root
#                               or without netns support
#   lab_dom0 N [addr]           dom0 + lan namespaces, N NICs on switch sw;
#                               "addr": ethI gets 10.I.0.2/24
#   lab_peer [CIDR...]          peer host on the switch (default 10.I.0.1/24
#                               for each dom0 NIC I), IP forwarding on
#   lab_guest D N [NAME] [MAC] [CIDR]
#                               guest namespace for VIF D.N; the dom0 end
#                               (default name vifD.N) stays DOWN and without
#                               address, as netback leaves it; guest eth0 has
#                               MAC (default 00:16:3e:00:DD:NN), CIDR, up
#   lab_guest_ns D N            print the guest's namespace name
#   lab_ns ROLE                 namespace of dom0|lan|peer|D.N
#   lab_in ROLE CMD...          run CMD inside that namespace
#   lab_bg ROLE CMD...          start CMD in the background there; pid in
#                               $LAB_LAST_PID, killed at cleanup
#   lab_track_pid PID           kill PID at cleanup too
#   lab_xenstored               start the real xenstored (xenstored.sh) in
#                               $LAB_TMP/xs, export XENSTORED_RUNDIR/PATH
#   lab_on_exit CMD...          run CMD first at cleanup (don't set your own
#                               EXIT trap: it would replace the lab's)
#   lab_assert DESC CMD...      run CMD; on failure lab_fail DESC
#   lab_assert_eq WANT GOT DESC
#   lab_wait_for MS CMD...      retry CMD every 20 ms until it succeeds or MS
#                               pass (returns 1)
#   lab_fail MSG                print "FAIL: MSG (file:line)", exit 1
#   lab_skip REASON             print "skipped: REASON", exit 77
#   lab_need_cmd CMD...         skip unless every CMD is in PATH
#   lab_need_link_kind KIND...  skip unless the kernel can create such links
#                               (e.g. bond, vlan, dummy; tried in a scratch
#                               namespace)
#   lab_cleanup                 what the trap runs; idempotent
#
# Variables: LAB_ID LAB_TMP LAB_DOM0 LAB_LAN LAB_PEER LAB_NICS LAB_DIR
# (this directory), LAB_LAST_PID; XS_SHIM and XS_TOOLSTACK (paths to the
# built helpers; found in build*/ when not set).

LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}

lab_fail() {
	local i=0 where=""
	# First caller outside this file.
	while [ "${BASH_SOURCE[i]:-}" = "${BASH_SOURCE[0]}" ]; do
		i=$((i + 1))
	done
	[ -n "${BASH_SOURCE[i]:-}" ] &&
		where=" (${BASH_SOURCE[i]##*/}:${BASH_LINENO[i-1]})"
	echo "FAIL: $*$where" >&2
	exit 1
}

lab_skip() {
	echo "skipped: $*"
	exit 77
}

lab_assert() {
	local desc=$1
	shift
	"$@" || lab_fail "$desc [command: $*]"
}

lab_assert_eq() {
	[ "$1" = "$2" ] || lab_fail "$3: expected '$1', got '$2'"
}

lab_wait_for() {
	local ms=$1 i
	shift
	for ((i = 0; i <= ms / 20; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

lab_need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || lab_skip "needs $c"
	done
}

lab_init() {
	[ -z "${LAB_ID:-}" ] || return 0
	LAB_ID=d0t$$x$(printf '%04x' $((RANDOM % 65536)))
	LAB_NS=() LAB_PIDS=() LAB_HOOKS=() LAB_NICS=0 LAB_XS_DIR=""
	LAB_DOM0="" LAB_LAN="" LAB_PEER="" LAB_NETNS_OK=""
	declare -gA LAB_GUESTS=()
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	LAB_TMP=$(mktemp -d "/tmp/$LAB_ID.XXXXXX") || lab_fail "mktemp"
	[ -n "${LAB_NO_REAP:-}" ] || lab_reap_stale
	# Built helpers: CTest passes them; by hand, take them from build*/.
	[ -n "${XS_TOOLSTACK:-}" ] || XS_TOOLSTACK=$(lab__built xs-toolstack)
	[ -n "${XS_SHIM:-}" ] || XS_SHIM=$(lab__built xs-shim.so)
	export XS_TOOLSTACK XS_SHIM
}

lab__built() {
	local f
	for f in "$LAB_DIR"/../../build*/tests/lab/"$1"; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
}

# Leftovers of labs whose shell died by SIGKILL (e.g. a CTest timeout):
# d0t<pid>x... namespaces and temp dirs whose <pid> no longer runs.
lab_reap_stale() {
	local name pid p
	for name in $(ip netns list 2>/dev/null | awk '{print $1}') \
	    /tmp/d0t*; do
		[[ $name =~ ^(/tmp/)?d0t([0-9]+)x ]] || continue
		pid=${BASH_REMATCH[2]}
		[ "$pid" = $$ ] || kill -0 "$pid" 2>/dev/null && continue
		if [[ $name == /tmp/* ]]; then
			rm -rf -- "$name"
		else
			for p in $(ip netns pids "$name" 2>/dev/null); do
				kill -KILL "$p" 2>/dev/null || true
			done
			ip netns del "$name" 2>/dev/null || true
		fi
	done
	return 0
}

# Network labs need root and netns support; skip (77) otherwise.
lab__need_netns() {
	[ -z "$LAB_NETNS_OK" ] || return 0
	[ "$(id -u)" = 0 ] || lab_skip "needs root (network namespaces)"
	lab_need_cmd ip
	ip netns add "$LAB_ID-probe" 2>/dev/null ||
		lab_skip "cannot create network namespaces"
	ip netns del "$LAB_ID-probe"
	LAB_NETNS_OK=1
}

lab_on_exit() {
	LAB_HOOKS+=("$*")
}

# Start time (clock ticks since boot) of pid $1: with the pid, it names a
# process even after its pid was reused.
lab__starttime() {
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	s=${s##*) }	# drop "pid (comm) ": field 3 (state) comes first
	# shellcheck disable=SC2086
	set -- $s
	echo "${20}"
}

lab_track_pid() {
	local st
	st=$(lab__starttime "$1") || return 0	# already gone
	LAB_PIDS+=("$1:$st")
}

# Create namespace $LAB_ID-$1 with lo up; name in $LAB__NS. (No $(...):
# a subshell would lose the LAB_NS bookkeeping.)
lab__ns_new() {
	local ns=$LAB_ID-$1
	lab_init
	lab__need_netns
	ip netns add "$ns" || lab_fail "ip netns add $ns"
	LAB_NS+=("$ns")
	ip -n "$ns" link set lo up
	# No IPv6 chatter (DAD, router solicitations) on lab links.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
	LAB__NS=$ns
}

lab__lan() {
	[ -n "${LAB_LAN:-}" ] && return 0
	lab__ns_new lan
	LAB_LAN=$LAB__NS
	# STP off, no forward delay: ports forward at once.
	ip -n "$LAB_LAN" link add sw type bridge stp_state 0 forward_delay 0 ||
		lab_fail "bridge sw"
	ip -n "$LAB_LAN" link set sw up
}

# Attach lan-side port $1 (already in $LAB_LAN) to the switch: a pure L2
# port, without ARP or addresses.
lab__port() {
	ip -n "$LAB_LAN" link set "$1" arp off master sw up ||
		lab_fail "switch port $1"
}

lab_dom0() {
	local n=${1:?lab_dom0 N [addr]} addr=${2:-} i
	lab_init
	[ -z "$LAB_DOM0" ] || lab_fail "lab_dom0 called twice"
	lab__lan
	lab__ns_new dom0
	LAB_DOM0=$LAB__NS
	for ((i = 0; i < n; i++)); do
		ip -n "$LAB_DOM0" link add "eth$i" type veth \
			peer name "d$i" netns "$LAB_LAN" || lab_fail "veth eth$i"
		lab__port "d$i"
		ip -n "$LAB_DOM0" link set "eth$i" up
		if [ "$addr" = addr ]; then
			ip -n "$LAB_DOM0" addr add "10.$i.0.2/24" dev "eth$i" ||
				lab_fail "address on eth$i"
		fi
	done
	LAB_NICS=$n
}

lab_peer() {
	local cidrs=("$@") i c
	lab_init
	[ -z "$LAB_PEER" ] || lab_fail "lab_peer called twice"
	lab__lan
	lab__ns_new peer
	LAB_PEER=$LAB__NS
	ip -n "$LAB_PEER" link add eth0 type veth peer name peer \
		netns "$LAB_LAN" || lab_fail "veth peer"
	lab__port peer
	if ((${#cidrs[@]} == 0)); then
		for ((i = 0; i < (LAB_NICS > 0 ? LAB_NICS : 1); i++)); do
			cidrs+=("10.$i.0.1/24")
		done
	fi
	for c in "${cidrs[@]}"; do
		ip -n "$LAB_PEER" addr add "$c" dev eth0 || lab_fail "addr $c"
	done
	ip -n "$LAB_PEER" link set eth0 up
	ip netns exec "$LAB_PEER" sysctl -qw net.ipv4.ip_forward=1 ||
		lab_fail "peer forwarding"
}

lab_guest() {
	local d=${1:?lab_guest D N [NAME] [MAC] [CIDR]} n=${2:?devid} ns
	local name=${3:-vif$1.$2} mac=${4:-} cidr=${5:-}
	[ -n "${LAB_DOM0:-}" ] || lab_fail "lab_guest needs lab_dom0 first"
	[ -z "${LAB_GUESTS[$d.$n]:-}" ] || lab_fail "guest $d.$n exists"
	[ -n "$mac" ] || mac=$(printf '00:16:3e:00:%02x:%02x' $((d & 255)) \
		$((n & 255)))
	lab__ns_new "g$d.$n"
	ns=$LAB__NS
	LAB_GUESTS[$d.$n]=$ns
	ip -n "$LAB_DOM0" link add "$name" type veth peer name eth0 \
		netns "$ns" || lab_fail "veth $name"
	ip -n "$ns" link set eth0 address "$mac" up || lab_fail "guest mac"
	[ -z "$cidr" ] || ip -n "$ns" addr add "$cidr" dev eth0 ||
		lab_fail "guest addr $cidr"
}

lab_guest_ns() {
	echo "${LAB_GUESTS[$1.$2]:?no guest $1.$2}"
}

lab_ns() {
	case $1 in
	dom0) echo "${LAB_DOM0:?no dom0}" ;;
	lan) echo "${LAB_LAN:?no lan}" ;;
	peer) echo "${LAB_PEER:?no peer}" ;;
	*.*) echo "${LAB_GUESTS[$1]:?no guest $1}" ;;
	*) lab_fail "unknown lab role '$1'" ;;
	esac
}

lab_in() {
	local ns
	ns=$(lab_ns "$1") || exit 1
	shift
	ip netns exec "$ns" "$@"
}

lab_bg() {
	local ns
	ns=$(lab_ns "$1") || exit 1
	shift
	ip netns exec "$ns" "$@" &
	LAB_LAST_PID=$!
	lab_track_pid "$LAB_LAST_PID"
}

lab_xenstored() {
	lab_init
	[ -z "$LAB_XS_DIR" ] || return 0
	# shellcheck source=xenstored.sh
	. "$LAB_DIR/xenstored.sh"
	LAB_XS_DIR=$LAB_TMP/xs
	xs_start "$LAB_XS_DIR" || lab_fail "xenstored did not start"
	lab_track_pid "$(xs_pid "$LAB_XS_DIR")"
}

# Can a link of kind $2 be created in namespace $1?
lab__try_kind() {
	case $2 in
	vlan)
		ip -n "$1" link add p type veth peer name q &&
			ip -n "$1" link add link p name p.5 type vlan id 5 ;;
	*)
		ip -n "$1" link add probe0 type "$2" ;;
	esac >/dev/null 2>&1
}

lab_need_link_kind() {
	local k ns ok
	lab_init
	ns=$LAB_ID-kind-probe
	lab__need_netns
	for k in "$@"; do
		ip netns add "$ns" || lab_fail "netns $ns"
		ok=1
		lab__try_kind "$ns" "$k" || ok=0
		ip netns del "$ns"
		((ok)) || lab_skip "kernel lacks '$k' links (lane 2 covers it)"
	done
}

# Kill "pid[:starttime]" and wait for it (up to 1 s), quietly; with a
# starttime, only if the pid still names that process.
lab__kill() {
	local pid=${1%%:*} st=${1#*:} i
	if [ "$st" != "$1" ]; then
		[ "$(lab__starttime "$pid")" = "$st" ] || return 0
	fi
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

lab_cleanup() {
	local rc=$? h pid ns
	[ -n "${LAB_ID:-}" ] || return "$rc"
	trap - EXIT INT TERM
	set +e	# a caller's "set -e" must not cut the cleanup short
	for h in "${LAB_HOOKS[@]}"; do eval "$h" || true; done
	for pid in "${LAB_PIDS[@]}"; do lab__kill "$pid"; done
	[ -z "$LAB_XS_DIR" ] || xs_stop "$LAB_XS_DIR"
	for ns in "${LAB_NS[@]}"; do
		# Anything still running inside keeps the namespace alive.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			lab__kill "$pid"
		done
		ip netns del "$ns" 2>/dev/null
	done
	ip netns del "$LAB_ID-probe" 2>/dev/null
	ip netns del "$LAB_ID-kind-probe" 2>/dev/null
	rm -rf -- "$LAB_TMP"
	LAB_ID=""
	return "$rc"
}
