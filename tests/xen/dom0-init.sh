#!/bin/bash
# Lane 2: /init of the dom0 initramfs. Brings up a minimal Xen dom0 (xenfs, xenstored,
# xen-init-dom0, xenconsoled), then sources /lane2/checks.d/*.sh in order. Each check
# prints exactly one line per check name it declares in its "# checks:" header:
#   RESULT <name> PASS|FAIL <detail>
# and the host (run.sh) fails the run if a declared name has no PASS line.
# Detail/diagnostics go on lines starting with "  | ". Ends with "LANE2 DONE" and a
# power-off, which makes Xen (noreboot) and thus QEMU exit.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/xen /run/xenstored /run/lock /var/log/xen/console
ip link set lo up
echo "LANE2 BOOT dom0 up at $(cut -d' ' -f1 /proc/uptime)s, kernel $(uname -r)"

# ---- helpers used by the checks ----------------------------------------------------------
# pending_reason NAME: prints the reason and succeeds if /lane2/pending lists NAME.
pending_reason() { [ -f /lane2/pending ] && awk -v n="$1" '$1==n {$1=""; sub(/^ +/, ""); print; f=1} END {exit !f}' /lane2/pending; }
result() {
	local name=$1 st=$2 reason
	shift 2
	# A pending check that ran anyway (its file has others) and did not pass says so.
	if [ "$st" = FAIL ] && reason=$(pending_reason "$name"); then
		echo "RESULT $name PENDING $reason [ran: FAIL $*]"
		return
	fi
	echo "RESULT $name $st $*"
}
diag() { sed 's/^/  | /' "$@"; }
# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds or the deadline passes
# (a deadline, not a count: one poll can take seconds under TCG on a loaded host).
wait_for() {
	local end=$(($(cut -d. -f1 /proc/uptime) + $1))
	shift
	while ! "$@" 2>/dev/null; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt $end ] || return 1
		sleep 0.2
	done
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# The netd daemon's pid (its children, e.g. the console gateway, are called netd too).
netd_pid() { cat /run/dom0net/netd.pid 2>/dev/null; }
# The last lines netd logged (stderr with -d, else syslog).
netd_log() { tail -n "${1:-15}" /var/log/netd.out /var/log/messages 2>/dev/null; }

# ---- Xen dom0 bring-up -------------------------------------------------------------------
BOOT_ERR=
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do
	modprobe "$m" || BOOT_ERR="$BOOT_ERR modprobe-$m"
done
mount -t xenfs xenfs /proc/xen || BOOT_ERR="$BOOT_ERR mount-xenfs"
xenstored --pid-file /run/xenstored.pid || BOOT_ERR="$BOOT_ERR xenstored"
xen-init-dom0 >/var/log/xen/init-dom0.log 2>&1 || BOOT_ERR="$BOOT_ERR xen-init-dom0"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console ||
	BOOT_ERR="$BOOT_ERR xenconsoled"
echo "LANE2 XEN userland up at $(uptime_s)s${BOOT_ERR:+, errors:$BOOT_ERR}"

# A check file whose checks are all pending (/lane2/pending: "NAME reason" lines) is
# not run; its checks report PENDING with the reason.
for c in /lane2/checks.d/*.sh; do
	[ ! -f /lane2/only ] || grep -qw "$(basename "$c" .sh)" /lane2/only || continue
	names=$(sed -n 's/^# checks: //p' "$c")
	run=0
	[ -n "$names" ] || run=1
	for n in $names; do pending_reason "$n" >/dev/null || run=1; done
	if [ $run = 0 ]; then
		for n in $names; do result "$n" PENDING "$(pending_reason "$n")"; done
		continue
	fi
	echo "LANE2 CHECKS $(basename "$c" .sh) at $(uptime_s)s"
	# shellcheck source=/dev/null
	. "$c"
done

echo "LANE2 DONE at $(uptime_s)s"
sync
poweroff -f
sleep 30
