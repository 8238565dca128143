#!/bin/bash
# The lab's xenstored through the real xenstore-* tools (xenstore-utils):
# write/read/ls/list/rm/chmod, watches (xenstore-watch), and the special
# @introduceDomain / @releaseDomain watches fired by xs-toolstack.
# Env: XS_SHIM, XS_TOOLSTACK (from CTest).
. "$(dirname "$0")/lab.sh"

lab_need_cmd xenstore-read xenstore-write xenstore-ls xenstore-list \
	xenstore-rm xenstore-watch xenstore-chmod xenstore-exists
lab_init
lab_xenstored
W=$LAB_TMP/watch

# write / read / exists
lab_assert "write" xenstore-write /test/a hello /test/b "" /test/c/d 4
lab_assert_eq hello "$(xenstore-read /test/a)" "read /test/a"
lab_assert_eq "" "$(xenstore-read /test/b)" "read empty /test/b"
lab_assert "exists" xenstore-exists /test/c/d
xenstore-read /test/missing 2>/dev/null && lab_fail "read of a missing key"

# listing: children in creation order; -f gives full paths (of the
# descendants only)
lab_assert_eq "a b c" "$(xenstore-list /test | xargs)" "xenstore-list"
want='/test/a = "hello"
/test/b = ""
/test/c = ""
/test/c/d = "4"'
lab_assert_eq "$want" "$(xenstore-ls -f /test)" "xenstore-ls -f"

# rm removes the subtree
lab_assert "rm" xenstore-rm /test/c
xenstore-exists /test/c/d 2>/dev/null && lab_fail "/test/c/d survived rm"

# permissions: a guest-owned node, dom0 may read (guest 7 "exists": shim)
lab_assert "chmod" xenstore-chmod /test/a n7 r0
lab_assert_eq '/test/a = "hello"   (n7,r0)' \
	"$(xenstore-ls -fp /test | grep '^/test/a ')" "perms"

# watch: fires once on registration, then per change below the path
xenstore-watch -n 3 /test/w >"$W" 2>&1 &
lab_track_pid $!
wpid=$!
lab_assert "watch registered" lab_wait_for 2000 grep -qx /test/w "$W"
xenstore-write /test/w/x 1
xenstore-rm /test/w/x
lab_assert "watch ended after 3 events" lab_wait_for 2000 \
	bash -c "! kill -0 $wpid"
lab_assert_eq "/test/w /test/w/x /test/w/x" "$(xargs <"$W")" "watch events"

# special watches: introduce/release a domain (fake grant map in xs-shim)
xenstore-watch -n 2 @introduceDomain >"$W.intro" 2>&1 &
lab_track_pid $!
xenstore-watch -n 2 @releaseDomain >"$W.rel" 2>&1 &
lab_track_pid $!
lab_assert "special watches registered" lab_wait_for 2000 \
	bash -c "[ -s '$W.intro' ] && [ -s '$W.rel' ]"
lab_assert "introduce" "$XS_TOOLSTACK" introduce 9 vm9
lab_assert_eq vm9 "$(xenstore-read /local/domain/9/name)" "domain name"
lab_assert "@introduceDomain fired" lab_wait_for 2000 \
	bash -c "[ \$(wc -l <'$W.intro') = 2 ]"
lab_assert "release" "$XS_TOOLSTACK" release 9
lab_assert "@releaseDomain fired" lab_wait_for 2000 \
	bash -c "[ \$(wc -l <'$W.rel') = 2 ]"
xenstore-exists /local/domain/9 2>/dev/null && lab_fail "domain 9 left"

echo "ok: xenstore CLI"
