#!/bin/sh
# Lane 2: /init of the PV domU initramfs. Reads its job from the kernel command line
# (xl's extra=):
#   d0ip=CIDR      address for eth0        d0peer=IP      dom0's bridge address to ping
#   d0loop=N       after the first reply, once d0go=IP answers (dom0 adds that address
#                  when it is ready), N pings to d0peer 0.2 s apart: the loss count for
#                  the netd-restart check   d0spoof=IP     also try pinging from IP
# Prints "DOMU <key> <value...>" lines on hvc0; dom0 reads them from xenconsoled's log.
# Then idles until dom0 destroys the domain.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

for a in $(cat /proc/cmdline); do
	case $a in
	d0ip=* | d0peer=* | d0loop=* | d0go=* | d0spoof=*) eval "${a%%=*}=${a#*=}" ;;
	esac
done
say() { echo "DOMU $*"; }
now() { cut -d. -f1 /proc/uptime; }
# ping_until SECONDS IP: until one reply, or the deadline.
ping_until() {
	local end=$(($(now) + $1))
	while [ "$(now)" -lt $end ]; do
		ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}

if [ -z "$d0ip" ]; then # no network job (the frame-buffer guest)
	say idle
	exec sleep 100000
fi
modprobe xen-netfront
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
if [ ! -e /sys/class/net/eth0 ]; then
	say eth0 missing
	exec sleep 100000
fi
ip link set lo up
ip link set eth0 up
ip addr add "$d0ip" dev eth0
say eth0 up "$d0ip" mac "$(cat /sys/class/net/eth0/address)"

# First reply: the VIF may still be attaching, so retry for up to 40 s.
t=$(now)
ok=0
ping_until 40 "$d0peer" && ok=1
if [ $ok = 1 ]; then say ping ok "$d0peer" after $(($(now) - t)) s; else say ping fail "$d0peer"; fi

if [ -n "$d0spoof" ]; then
	# A forged source: an address dom0 never gave us (anti-spoof must drop it).
	ip addr add "$d0spoof/32" dev eth0
	if ping -c 3 -W 2 -I "$d0spoof" "$d0peer" >/dev/null 2>&1; then
		say spoof answered "$d0spoof"
	else
		say spoof dropped "$d0spoof"
	fi
	ip addr del "$d0spoof/32" dev eth0
fi

if [ -n "$d0loop" ] && [ $ok = 1 ] && ping_until 150 "$d0go"; then
	say loop start "$d0loop"
	out=$(ping -c "$d0loop" -i 0.2 -W 2 "$d0peer" 2>&1 | grep 'packets transmitted')
	# "N packets transmitted, M packets received, P% packet loss"
	say loop done "$(echo "$out" | awk '{print "tx=" $1 " rx=" $4}')"
fi
say idle
exec sleep 100000
