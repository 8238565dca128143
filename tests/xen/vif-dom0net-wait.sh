#!/bin/sh
# Lane 2: the VIF "hotplug script" libxl runs (xl.conf vif.default.script). libxl 4.17
# always runs the backend's `script` (run_hotplug_scripts=0 no longer hands hotplug to
# anyone else), so this stand-in does nothing itself: it waits for netd's verdict in
# hotplug-status and turns it into the exit status libxl expects, so that `xl create`
# succeeds only when netd attached the VIF, and fails with netd's hotplug-error.
# Args: online|offline|add|remove type_if=vif; env XENBUS_PATH=backend/vif/D/N.
case $1 in
online | add) ;;
*) exit 0 ;; # detach is netd's job too; nothing to wait for
esac
# A deadline, not a loop count: under emulation each xenstore-read takes a while.
now() { cut -d. -f1 /proc/uptime; }
end=$(($(now) + 30))
while [ "$(now)" -lt $end ]; do
	case $(xenstore-read "$XENBUS_PATH/hotplug-status" 2>/dev/null) in
	connected) exit 0 ;;
	error)
		echo "netd: $(xenstore-read "$XENBUS_PATH/hotplug-error" 2>/dev/null)" >&2
		exit 1
		;;
	esac
	sleep 0.1
done
xenstore-write "$XENBUS_PATH/hotplug-error" "no hotplug-status from netd within 30 s"
exit 1
