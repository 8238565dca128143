# agentlab.sh - set-up for the agent API tests (source after lab.sh).
#
#   ag_lab [tls|plain] [CONF-EXTRA]
#       dom0 with eth0 10.0.0.2/24 (management; the agent listens there) and eth1,
#       eth2 without addresses (for createBridge); a peer with 10.0.0.3 (the
#       manager, a good client), 10.0.0.1 (the other clients) and 10.1.0.1 (a host on
#       the network guests on xenbr1 reach through eth1); the real
#       xenstored; netd with the firewall (anti-spoof on), the console gateway and
#       the agent on 10.0.0.2:8899, password $AG_PW (hashed by netctl
#       agent-password). CONF-EXTRA is appended to the configuration.
#   ag_netd_start / ag_netd_stop       (re)start or stop netd
#   ag_py SCRIPT [ARGS...]              run SCRIPT (tests/agent/ or absolute) with python3
#                                       in the peer, agentc.py importable;
#                                       environment: AG_URL (no credentials), AG_PW,
#                                       AG_DOM0 (namespace), AG_CAFILE (tls)
#   ag_agent_pid                        the agent child's pid
#   ag_finish                           stop netd; fail on sanitizer reports in its log
#                                       (netd's and the agent's) or a surviving agent
#   NC ...                              netctl against this netd
AG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AG_PW='s3cret-Agent:pw'

ag__built() {
	local f
	for f in "$LAB_DIR"/../../build*/"$1"; do
		[ -x "$f" ] && { echo "$f"; return 0; }
	done
}

ag_lab() {
	local mode=${1:-plain} extra=${2:-}
	lab_init
	lab_need_cmd python3 iptables-legacy-save brctl
	[ -n "${NETD:-}" ] || NETD=$(ag__built netd/netd)
	[ -n "${NETCTL:-}" ] || NETCTL=$(ag__built netd/netctl)
	[ -x "$NETD" ] && [ -x "$NETCTL" ] || lab_fail "build netd and netctl first"
	id nobody >/dev/null 2>&1 || lab_skip "needs the user nobody"
	lab_dom0 3 addr
	ip -n "$(lab_ns dom0)" addr flush dev eth1
	ip -n "$(lab_ns dom0)" addr flush dev eth2
	lab_peer 10.0.0.3/24 10.0.0.1/24 10.1.0.1/24
	lab_xenstored
	AG_DOM0=$(lab_ns dom0)
	AG_CONF=$LAB_TMP/netd.conf AG_LOG=$LAB_TMP/netd.log AG_SOCK=$LAB_TMP/netd.sock
	AG_MODE=$mode
	mkdir -p "$LAB_TMP/run"
	cat >"$AG_CONF" <<EOC
[global]
log-level = debug
pidfile = $LAB_TMP/run/netd.pid
control-socket = $AG_SOCK
[bridges]
default-style = none
hotplug-nics = no
[firewall]
enable = yes
anti-spoof = yes
cluster-conf = $LAB_TMP/no-cluster.conf
[console]
enable = yes
listen = 10.0.0.2
user = nobody
[agent]
enable = yes
listen = 10.0.0.2
port = 8899
user = nobody
EOC
	if [ "$mode" = tls ]; then
		lab_need_cmd openssl
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-days 2 -subj /CN=dom0net-agent-test -addext subjectAltName=IP:10.0.0.2 \
			-keyout "$LAB_TMP/agent.key" -out "$LAB_TMP/agent.crt" >/dev/null 2>&1 ||
			lab_fail "openssl req"
		printf 'tls-cert = %s\ntls-key = %s\n' "$LAB_TMP/agent.crt" "$LAB_TMP/agent.key" \
			>>"$AG_CONF"
		AG_URL=https://10.0.0.2:8899/RPC2 AG_CAFILE=$LAB_TMP/agent.crt
	else
		printf 'plain-http = yes\n' >>"$AG_CONF"
		AG_URL=http://10.0.0.2:8899/RPC2 AG_CAFILE=
	fi
	# The password goes in as a real administrator would put it.
	printf '%s\n' "$AG_PW" | "$NETCTL" agent-password --print | sed 1d >>"$AG_CONF" ||
		lab_fail "netctl agent-password --print"
	printf '%s\n' "$extra" >>"$AG_CONF"
	export AG_URL AG_PW AG_DOM0 AG_CAFILE AG_MODE
	ag_netd_start
	lab_on_exit ag__report
}

ag__report() {
	[ "${rc:-0}" = 0 ] && return 0
	echo "--- netd log (last 60 lines)" >&2
	tail -60 "$AG_LOG" >&2
}

ag_netd_start() {
	: >>"$AG_LOG"
	lab_bg dom0 bash -c "exec '$NETD' -d -f '$AG_CONF' 2>>'$AG_LOG'"
	AG_NETD_PID=$LAB_LAST_PID
	lab_wait_for 10000 test -S "$AG_SOCK" || { tail "$AG_LOG"; lab_fail "netd did not start"; }
	lab_wait_for 10000 grep -q "agent: ready on" "$AG_LOG" ||
		{ tail -30 "$AG_LOG"; lab_fail "the agent did not become ready"; }
}

ag_netd_stop() {
	kill -TERM "$AG_NETD_PID" 2>/dev/null
	lab_wait_for 10000 bash -c "! kill -0 $AG_NETD_PID 2>/dev/null" || lab_fail "netd did not stop"
	wait "$AG_NETD_PID" 2>/dev/null
	AG_NETD_PID=
}

ag_finish() {
	local pid
	pid=$(ag_agent_pid) || pid=
	[ -z "${AG_NETD_PID:-}" ] || ag_netd_stop
	[ -z "$pid" ] || lab_wait_for 5000 bash -c "! kill -0 $pid 2>/dev/null" ||
		lab_fail "the agent outlived netd"
	if grep -E "Sanitizer|runtime error:" "$AG_LOG" >&2; then
		lab_fail "sanitizer reports in netd's log"
	fi
}

ag_agent_pid() {
	local p
	for p in $(pgrep -f -- '--agent-child'); do
		[ "$(ps -o ppid= -p "$p" | tr -d ' ')" = "$AG_NETD_PID" ] && { echo "$p"; return 0; }
	done
	return 1
}

ag_py() {
	local script=$1
	shift
	[[ $script == /* ]] || script=$AG_DIR/$script
	lab_in peer env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$AG_DIR" AG_URL="$AG_URL" \
		AG_PW="$AG_PW" AG_DOM0="$AG_DOM0" AG_CAFILE="$AG_CAFILE" AG_MODE="$AG_MODE" \
		python3 "$script" "$@"
}

NC() { lab_in dom0 "$NETCTL" -s "$AG_SOCK" "$@"; }
