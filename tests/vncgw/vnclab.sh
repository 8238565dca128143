# vnclab.sh - shared set-up for the console gateway tests (source after lab.sh).
#
#   vnc_lab [CONF-EXTRA]   dom0 (eth0 10.0.0.2) + peer (10.0.0.1, 10.0.0.3) + the real
#                          xenstored + netd with the gateway on 10.0.0.2; CONF-EXTRA is
#                          appended to [console] (VNC_HS_TIMEOUT: handshake-timeout, 5)
#   vnc_netd_start / vnc_netd_stop    (re)start or stop netd (VNC_NETD_NOFILE: fd limit)
#   vnc_qemu NAME VNCARG [PASSWORD]   qemu in dom0 with -vnc VNCARG (a password makes
#                          it ",password-secret=..."); pid in $VNC_LAST_QEMU
#   vnc_wait_display PWFILE PORT      until qemu's screen (127.0.0.1:PORT) settled
#   vnc_domain D NAME [key=value...]  introduce domain D and write its console keys
#                          (vnc-port=, vnc-listen=, vnc-pass=)
#   vnc_console_field D FIELD         a field of `netctl consoles --json` for domain D
#   vnc_wait_state D STATE [MS]       until the console of D has that state
#   vnc_wait_field D FIELD GLOB [MS]  until a field matches; vnc_wait_gone D [MS]
#   vnc_passfile PASSWORD             a password file for the viewers; prints its path
#   NC ...                 netctl against this netd;  GW=10.0.0.2

GW=10.0.0.2
VNC_GRAB=${VNC_GRAB:-}
RFB_PROBE=${RFB_PROBE:-}

vnc__built() {
	local f
	for f in "$LAB_DIR"/../../build*/"$1"; do
		[ -x "$f" ] && { echo "$f"; return 0; }
	done
}

vnc_lab() {
	lab_init
	lab_need_cmd qemu-system-x86_64 python3
	[ -n "${NETD:-}" ] || NETD=$(vnc__built netd/netd)
	[ -n "${NETCTL:-}" ] || NETCTL=$(vnc__built netd/netctl)
	[ -n "$VNC_GRAB" ] || VNC_GRAB=$(vnc__built tests/vncgw/vnc-grab)
	[ -n "$RFB_PROBE" ] || RFB_PROBE=$(vnc__built tests/vncgw/rfb-probe)
	[ -x "$NETD" ] && [ -x "$VNC_GRAB" ] && [ -x "$RFB_PROBE" ] ||
		lab_fail "build netd, netctl, vnc-grab and rfb-probe first"
	lab_dom0 1 addr
	lab_peer 10.0.0.1/24 10.0.0.3/24
	lab_xenstored
	VNC_CONF=$LAB_TMP/netd.conf VNC_LOG=$LAB_TMP/netd.log VNC_SOCK=$LAB_TMP/netd.sock
	cat >"$VNC_CONF" <<EOC
[global]
log-level = debug
pidfile = $LAB_TMP/run/netd.pid
control-socket = $VNC_SOCK
[bridges]
default-style = none
[firewall]
enable = no
[console]
listen = $GW
ports = 5900-5999
user = nobody
handshake-timeout = ${VNC_HS_TIMEOUT:-5}
${1:-}
EOC
	mkdir -p "$LAB_TMP/run"
	vnc_netd_start
	lab_on_exit vnc__report
}

# On failure, the tail of netd's log helps more than anything.
vnc__report() {
	# lab_cleanup's local rc (bash scoping): the test's exit status.
	[ "${rc:-0}" = 0 ] && return 0
	echo "--- netd log (last 40 lines)" >&2
	tail -40 "$VNC_LOG" >&2
}

vnc_netd_start() {
	# VNC_NETD_NOFILE: a descriptor limit for netd and its gateway (EMFILE tests).
	lab_bg dom0 bash -c "${VNC_NETD_NOFILE:+ulimit -n $VNC_NETD_NOFILE;} exec '$NETD' -d -f '$VNC_CONF' 2>>'$VNC_LOG'"
	VNC_NETD_PID=$LAB_LAST_PID
	lab_wait_for 5000 test -S "$VNC_SOCK" || { cat "$VNC_LOG"; lab_fail "netd did not start"; }
	lab_wait_for 5000 grep -q "console gateway: ready" "$VNC_LOG" ||
		{ tail "$VNC_LOG"; lab_fail "the gateway did not become ready"; }
}

vnc_netd_stop() {
	kill -TERM "$VNC_NETD_PID" 2>/dev/null
	lab_wait_for 5000 bash -c "! kill -0 $VNC_NETD_PID 2>/dev/null" || lab_fail "netd did not stop"
	wait "$VNC_NETD_PID" 2>/dev/null
	# Its gateway child goes with it.
	lab_wait_for 3000 bash -c "! pgrep -f -- '--vncgw-child' | xargs -r ps -o ppid= -p | grep -qw $VNC_NETD_PID"
}

NC() { lab_in dom0 "$NETCTL" -s "$VNC_SOCK" "$@"; }

vnc_qemu() {
	local name=$1 arg=$2 pw=${3:-} extra=()
	if [ -n "$pw" ]; then
		extra=(-object "secret,id=sec-$name,data=$pw")
		arg="$arg,password-secret=sec-$name"
	fi
	lab_bg dom0 qemu-system-x86_64 -name "$name" -machine pc,accel=tcg -m 16 -nodefaults \
		-vga std -display none -vnc "$arg" "${extra[@]}" -no-reboot \
		-serial none -parallel none -monitor none
	VNC_LAST_QEMU=$LAB_LAST_PID
}

# Until qemu's display on 127.0.0.1:PORT has settled (SeaBIOS drew its text, the
# screen stopped changing size: libvncclient trips over the early resize).
vnc_wait_display() {
	local pwfile=$1 port=$2 i f=$LAB_TMP/settle.ppm
	for ((i = 0; i < 150; i++)); do
		if lab_in dom0 "$VNC_GRAB" -q ${pwfile:+-p "$pwfile"} -o "$f" 127.0.0.1 "$port" \
			>/dev/null 2>&1 && [ "$(vnc_ppm_lit "$f")" -gt 1000 ]; then
			return 0
		fi
		sleep 0.2
	done
	lab_fail "qemu's display on port $port did not settle"
}

vnc_domain() {
	local d=$1 name=$2 kv k v
	shift 2
	"$XS_TOOLSTACK" introduce "$d" "$name" >/dev/null || lab_fail "introduce $d"
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		xenstore-write "/local/domain/$d/console/$k" "$v" || lab_fail "xenstore-write $k"
	done
}

vnc_console_field() {
	NC consoles --json | python3 -c '
import json, sys
d, f = int(sys.argv[1]), sys.argv[2]
for c in json.load(sys.stdin)["consoles"]:
    if c["domid"] == d:
        v = c.get(f)
        print("" if v is None else v)
        break
' "$1" "$2"
}

vnc_wait_state() {
	local i ms=${3:-5000}
	for ((i = 0; i < ms / 50; i++)); do
		[ "$(vnc_console_field "$1" state)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# Until a field of D's console matches a glob pattern.
vnc_wait_field() {
	local i ms=${4:-5000}
	for ((i = 0; i < ms / 50; i++)); do
		# shellcheck disable=SC2053
		[[ $(vnc_console_field "$1" "$2") == $3 ]] && return 0
		sleep 0.05
	done
	return 1
}

# Until the console of D is gone from the table.
vnc_wait_gone() {
	local i ms=${2:-5000}
	for ((i = 0; i < ms / 50; i++)); do
		NC consoles --json | grep -q "\"domid\": *$1[,}]" || return 0
		sleep 0.05
	done
	return 1
}

vnc_passfile() {
	local f=$LAB_TMP/pw.$1
	printf '%s\n' "$1" >"$f"
	echo "$f"
}

# Fraction of pixels that differ between two PPM files (same size, else 1).
vnc_ppm_diff() {
	python3 - "$1" "$2" <<'PY'
import sys
def load(p):
    d = open(p, 'rb').read()
    parts = d.split(b'\n', 3)
    return parts[1], parts[3]
(da, a), (db, b) = load(sys.argv[1]), load(sys.argv[2])
if da != db or len(a) != len(b):
    print(1.0)
else:
    n = len(a) // 3
    diff = sum(1 for i in range(0, len(a), 3) if a[i:i+3] != b[i:i+3])
    print("%.4f" % (diff / n))
PY
}

# Non-black pixels in a PPM.
vnc_ppm_lit() {
	python3 -c '
import sys
d = open(sys.argv[1], "rb").read().split(b"\n", 3)[3]
print(sum(1 for i in range(0, len(d), 3) if d[i:i+3] != b"\0\0\0"))' "$1"
}

# Width and height of a JPEG (its SOF marker).
vnc_jpeg_size() {
	python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
i = 2
while i < len(d):
    m, l = d[i + 1], struct.unpack(">H", d[i + 2:i + 4])[0]
    if 0xc0 <= m <= 0xcf and m not in (0xc4, 0xc8, 0xcc):
        h, w = struct.unpack(">HH", d[i + 5:i + 9])
        print("%dx%d" % (w, h))
        break
    i += 2 + l' "$1"
}

# The gateway child's pid (from netd's view).
vnc_gw_pid() {
	NC consoles --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["gateway"].get("pid",""))'
}
