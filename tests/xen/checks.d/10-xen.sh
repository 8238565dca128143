# Lane 2: the hypervisor and the dom0 toolstack basics.
# checks: xen_boot xenstore xl_list
hv=$(cat /sys/hypervisor/type 2>/dev/null)
if [ "$hv" = xen ] && [ -e /proc/xen/capabilities ] && grep -q control_d /proc/xen/capabilities; then
	v=$(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)$(cat /sys/hypervisor/version/extra)
	result xen_boot PASS "Xen $v, privileged dom0, $(nproc) vcpus, up at $(uptime_s)s"
else
	result xen_boot FAIL "hypervisor='$hv' capabilities='$(cat /proc/xen/capabilities 2>&1)' errors:$BOOT_ERR"
fi

name=$(xenstore-read /local/domain/0/name 2>&1)
if [ "$name" = Domain-0 ]; then
	result xenstore PASS "xenstored up, /local/domain/0/name=$name"
else
	result xenstore FAIL "/local/domain/0/name: $name"
	diag /var/log/xen/init-dom0.log
fi

if out=$(xl list 2>&1) && echo "$out" | grep -q '^Domain-0 *0 '; then
	result xl_list PASS "$(echo "$out" | awk '$1=="Domain-0" {print "Domain-0 mem="$3"M vcpus="$4}')"
else
	result xl_list FAIL "xl list failed"
	echo "$out" | diag
fi
