#!/bin/bash
# xs-toolstack against the lab's real xenstored: libxl- and xend-style
# vif-add write exactly the expected keys and permissions; vif-remove
# completes in both orders against a hotplug side played with xenstore-*;
# the watch-based waits work and time out.
# Env: XS_SHIM, XS_TOOLSTACK (from CTest).
# shellcheck disable=SC2015 # "A && B || lab_fail" is meant
. "$(dirname "$0")/lab.sh"

lab_need_cmd xenstore-read xenstore-write xenstore-ls xenstore-rm
lab_init
lab_xenstored
TS=$XS_TOOLSTACK
be() { echo "/local/domain/0/backend/vif/$1/$2"; }
fe() { echo "/local/domain/$1/device/vif/$2"; }
gone() { ! xenstore-exists "$1" 2>/dev/null; }

# ---- libxl-style add: the exact keys, in libxl's order, with perms -------
lab_assert "libxl vif-add" "$TS" vif-add --style libxl 3 0
lab_assert_eq '/local/domain/0/backend/vif/3/0/frontend = "/local/domain/3/device/vif/0"   (n0,r3)
/local/domain/0/backend/vif/3/0/frontend-id = "3"   (n0,r3)
/local/domain/0/backend/vif/3/0/online = "1"   (n0,r3)
/local/domain/0/backend/vif/3/0/state = "2"   (n0,r3)
/local/domain/0/backend/vif/3/0/script = "/etc/xen/scripts/vif-bridge"   (n0,r3)
/local/domain/0/backend/vif/3/0/mac = "00:16:3e:00:03:00"   (n0,r3)
/local/domain/0/backend/vif/3/0/bridge = "xenbr0"   (n0,r3)
/local/domain/0/backend/vif/3/0/handle = "0"   (n0,r3)
/local/domain/0/backend/vif/3/0/type = "vif"   (n0,r3)
/local/domain/0/backend/vif/3/0/hotplug-status = ""   (n0,r3)' \
	"$(xenstore-ls -fp "$(be 3 0)")" "libxl backend"
lab_assert_eq '/local/domain/3/device/vif/0/backend = "/local/domain/0/backend/vif/3/0"   (n3,r0)
/local/domain/3/device/vif/0/backend-id = "0"   (n3,r0)
/local/domain/3/device/vif/0/state = "1"   (n3,r0)
/local/domain/3/device/vif/0/handle = "0"   (n3,r0)
/local/domain/3/device/vif/0/mac = "00:16:3e:00:03:00"   (n3,r0)
/local/domain/3/device/vif/0/trusted = "1"   (n3,r0)
/local/domain/3/device/vif/0/mtu = "1500"   (n0,r3)' \
	"$(xenstore-ls -fp "$(fe 3 0)")" "libxl frontend"
lab_assert_eq '/libxl/3/device/vif/0/frontend = "/local/domain/3/device/vif/0"
/libxl/3/device/vif/0/backend = "/local/domain/0/backend/vif/3/0"
/libxl/3/device/vif/0/frontend-id = "3"
/libxl/3/device/vif/0/online = "1"
/libxl/3/device/vif/0/state = "1"
/libxl/3/device/vif/0/script = "/etc/xen/scripts/vif-bridge"
/libxl/3/device/vif/0/mac = "00:16:3e:00:03:00"
/libxl/3/device/vif/0/bridge = "xenbr0"
/libxl/3/device/vif/0/handle = "0"
/libxl/3/device/vif/0/type = "vif"
/libxl/3/device/vif/0/hotplug-status = ""' \
	"$(xenstore-ls -f /libxl/3/device/vif/0)" "libxl private record"
"$TS" vif-add 3 0 2>/dev/null && lab_fail "second vif-add 3 0 succeeded"

# options: overrides land where libxl puts them; --no-initwait keeps state 1
lab_assert "libxl vif-add with keys" "$TS" vif-add --no-initwait 3 1 \
	bridge=br-test mtu=9000 ip=10.0.0.5 vifname=web0 \
	mac=00:16:3e:aa:bb:cc type=vif_ioemu
lab_assert_eq 'frontend frontend-id online state script vifname mac ip mtu bridge handle type hotplug-status' \
	"$(xenstore-list "$(be 3 1)" | xargs)" "libxl backend keys with options"
lab_assert_eq "1 br-test 9000 9000 web0 00:16:3e:aa:bb:cc vif_ioemu" \
	"$(xenstore-read "$(be 3 1)/state" "$(be 3 1)/bridge" \
	"$(be 3 1)/mtu" "$(fe 3 1)/mtu" "$(be 3 1)/vifname" \
	"$(fe 3 1)/mac" "$(be 3 1)/type" | xargs)" "libxl option values"

# ---- xend-style add: no bridge/type/hotplug-status unless given ----------
lab_assert "xend vif-add" "$TS" vif-add --style xend --name vm4 4 0
lab_assert_eq '/local/domain/0/backend/vif/4/0/frontend = "/local/domain/4/device/vif/0"   (n0,r4)
/local/domain/0/backend/vif/4/0/frontend-id = "4"   (n0,r4)
/local/domain/0/backend/vif/4/0/online = "1"   (n0,r4)
/local/domain/0/backend/vif/4/0/state = "2"   (n0,r4)
/local/domain/0/backend/vif/4/0/domain = "vm4"   (n0,r4)
/local/domain/0/backend/vif/4/0/script = "/etc/xen/scripts/vif-bridge"   (n0,r4)
/local/domain/0/backend/vif/4/0/mac = "00:16:3e:00:04:00"   (n0,r4)
/local/domain/0/backend/vif/4/0/handle = "0"   (n0,r4)' \
	"$(xenstore-ls -fp "$(be 4 0)")" "xend backend"
lab_assert_eq '/local/domain/4/device/vif/0/backend = "/local/domain/0/backend/vif/4/0"   (n4,r0)
/local/domain/4/device/vif/0/backend-id = "0"   (n4,r0)
/local/domain/4/device/vif/0/state = "1"   (n4,r0)
/local/domain/4/device/vif/0/handle = "0"   (n4,r0)
/local/domain/4/device/vif/0/mac = "00:16:3e:00:04:00"   (n4,r0)' \
	"$(xenstore-ls -fp "$(fe 4 0)")" "xend frontend"
gone /libxl/4 || lab_fail "xend wrote a libxl record"
lab_assert "xend vif-add with bridge" "$TS" vif-add --style xend 4 1 \
	bridge=xenbr1 type=ioemu
lab_assert_eq "xenbr1 ioemu" "$(xenstore-read "$(be 4 1)/bridge" \
	"$(be 4 1)/type" | xargs)" "xend bridge/type"
lab_assert_eq "backend backend-id state" "$(xenstore-list "$(fe 4 1)" |
	xargs)" "xend ioemu frontend has no PV details"

# ---- hotplug verdict: --wait-hotplug like libxl/xend wait for it ---------
"$TS" wait "$(be 5 0)/state" 2 5000 >/dev/null &&
	xenstore-write "$(be 5 0)/hotplug-status" connected &
lab_track_pid $!
us=$("$TS" vif-add --wait-hotplug 5000 5 0) ||
	lab_fail "vif-add --wait-hotplug (connected)"
[[ $us =~ ^[0-9]+$ ]] || lab_fail "elapsed microseconds, got '$us'"
"$TS" wait "$(be 5 1)/state" 2 5000 >/dev/null &&
	xenstore-write "$(be 5 1)/hotplug-error" "no bridge xenbr9" \
		"$(be 5 1)/hotplug-status" error &
lab_track_pid $!
err=$("$TS" vif-add --style xend --wait-hotplug 5000 5 1 2>&1) &&
	lab_fail "vif-add --wait-hotplug accepted an error"
[[ $err == *"no bridge xenbr9"* ]] || lab_fail "hotplug-error not shown: $err"

# ---- libxl remove, both orders -------------------------------------------
# a) toolstack first: the backend side sees online=0/state=5, closes (6)
"$TS" wait "$(be 3 0)/state" 5 5000 >/dev/null &&
	[ "$(xenstore-read "$(be 3 0)/online")" = 0 ] &&
	xenstore-write "$(be 3 0)/state" 6 &
lab_track_pid $!
lab_assert "libxl vif-remove (toolstack first)" \
	"$TS" vif-remove --wait-closed --timeout 5000 3 0
gone "$(be 3 0)" && gone "$(fe 3 0)" && gone /libxl/3/device/vif/0 ||
	lab_fail "libxl remove left entries"
# b) backend first: already Closed (6) before the toolstack acts
lab_assert "backend closes first" "$TS" vif-state 3 1 6
lab_assert "libxl vif-remove (backend first)" \
	"$TS" vif-remove --wait-closed --timeout 5000 3 1
gone /libxl/3 && gone "$(be 3 1)" || lab_fail "libxl remove (b) left entries"
# c) nobody closes: timeout (exit 2), entries removed anyway (libxl forces)
"$TS" vif-remove --wait-closed --timeout 200 5 0 2>/dev/null
lab_assert_eq 2 $? "vif-remove timeout exit code"
gone "$(be 5 0)" || lab_fail "forced remove left the backend"

# ---- xend remove, both orders --------------------------------------------
lab_assert "hotplug connected" xenstore-write "$(be 4 0)/hotplug-status" \
	connected
# a) toolstack first: the hotplug side sees state=5, removes hotplug-status
"$TS" wait "$(be 4 0)/state" 5 5000 >/dev/null &&
	xenstore-rm "$(be 4 0)/hotplug-status" &
lab_track_pid $!
lab_assert "xend vif-remove (toolstack first)" \
	"$TS" vif-remove --style xend --timeout 5000 4 0
gone "$(be 4 0)" && gone "$(fe 4 0)" || lab_fail "xend remove left entries"
# b) hotplug side first: hotplug-status already gone
lab_assert "xend vif-remove (hotplug first)" \
	"$TS" vif-remove --style xend --timeout 5000 4 1
gone "$(be 4 1)" || lab_fail "xend remove (b) left entries"
# c) never cleaned up: timeout
"$TS" vif-remove --style xend --timeout 200 5 1 2>/dev/null
lab_assert_eq 2 $? "xend vif-remove timeout exit code"

# ---- wait / wait-rm ------------------------------------------------------
(sleep 0.2; xenstore-write /t/k v) &
lab_track_pid $!
us=$("$TS" wait /t/k v 5000) || lab_fail "wait for /t/k=v"
((us >= 100000)) || lab_fail "wait returned too early (${us}us)"
(sleep 0.1; xenstore-rm /t/k) &
lab_track_pid $!
"$TS" wait-rm /t/k 5000 >/dev/null || lab_fail "wait-rm"
"$TS" wait /t/k never 100 2>/dev/null
lab_assert_eq 2 $? "wait timeout exit code"
"$TS" bogus 2>/dev/null
lab_assert_eq 64 $? "usage exit code"

echo "ok: toolstack emulation"
