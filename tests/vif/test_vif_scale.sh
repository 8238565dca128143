#!/bin/bash
# 1000 VIFs at once (a host booting many guests): all attached and connected, in
# batches, netd's memory stays small; then the whole backend tree goes and every VIF
# is detached. Timings are printed (bench/vif measures them properly).
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/vif-lab.sh"

: "${VIF_BURST:?VIF_BURST must name vif-burst}"
N=${VIF_SCALE_N:-1000}
vl_setup
vl_netd 10000
vl_devices "$N"
vl_guest 5000 0
vl_add --style libxl --wait-hotplug 5000 5000 0 >/dev/null || lab_fail "guest 5000"

out=$("$VIF_BURST" --timeout 60000 "$N") || lab_fail "burst of $N: $out"
echo "burst: $out"
attached=$(lab_in dom0 ip -o link show master xenbr0 | grep -c 'vif[0-9]*\.0.*link/ether fe:ff:ff:ff:ff:ff')
lab_assert_eq $((N + 1)) "$attached" "ports of xenbr0"
rows=$(vl_netctl vifs | grep -c ' attached  *connected')
lab_assert_eq $((N + 1)) "$rows" "netctl vifs rows"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$VL_NETD/status")
echo "netd VmRSS with $N VIFs: $rss kB"
if grep -q libasan "/proc/$VL_NETD/maps"; then
	echo "(sanitizer build: RSS not checked)"
else
	((rss < 16384)) || lab_fail "netd RSS $rss kB >= 16 MB"
fi
lab_assert "guest reaches the peer among $N VIFs" lab_wait_for 3000 vl_ping 5000 0 1

start=$(date +%s%N)
xenstore-rm /local/domain/0/backend/vif || lab_fail "rm backend tree"
echo "xenstore-rm of the backend tree: $(( ($(date +%s%N) - start) / 1000000 )) ms"
lab_assert "all detached" lab_wait_for 30000 bash -c \
	"! ip -n '$LAB_DOM0' -o link show master xenbr0 | grep -q vif"
echo "detach of $((N + 1)): $(( ($(date +%s%N) - start) / 1000000 )) ms"
lab_assert "guest cut off" vl_not vl_ping 5000 0 1
vl_check_log
echo "ok"
