# show_lib.sh - helpers for the `netctl show/showmacs/nics` tests (test_show*.sh).
#
#   sh_ns NAME            new bare namespace (lab.sh), name in $SH_NS; sets $X
#                         ("ip netns exec NS") and makes it the one sh_* use
#   sh_same ARGS...       run `brctl ARGS` and `netctl ARGS` in $SH_NS; fail with
#                         a diff unless stdout, stderr, both through one pipe,
#                         and the exit status are equal
#   sh_macs BR            showmacs BR from both; every column equal except the
#                         ageing timer, which must be a number within 1.0 s
#   sh_json ARGS...       netctl ARGS --json must be valid JSON (python3)
#   sh_veths BR PREFIX N  N veth ports PREFIX1..N (peers PREFIX1p..) in BR, in
#                         one ip -batch
set -uo pipefail
LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../lab" && pwd)}
. "$LAB_DIR/lab.sh"

sh__built() {
	local f
	for f in "$LAB_DIR"/../../build*/"$1"; do
		[ -x "$f" ] && { echo "$f"; return 0; }
	done
}
NETCTL=${NETCTL:-$(sh__built netd/netctl)}
BRCTL=${BRCTL:-$(command -v brctl || echo /usr/sbin/brctl)}
SH_COMPARED=0

sh_init() {
	lab_init
	[ -x "${NETCTL:-}" ] || lab_fail "netctl not built (set NETCTL)"
	[ -x "$BRCTL" ] || lab_skip "needs brctl (bridge-utils)"
	lab_need_cmd python3
}

sh_ns() {
	lab__ns_new "$1"
	SH_NS=$LAB__NS
	X="ip netns exec $SH_NS"
}

sh_same() {
	local d=$LAB_TMP/cmp b_rc n_rc
	mkdir -p "$d"
	$X "$BRCTL" "$@" >"$d/b.out" 2>"$d/b.err"
	b_rc=$?
	$X "$NETCTL" "$@" >"$d/n.out" 2>"$d/n.err"
	n_rc=$?
	# Both streams into one pipe too: the interleaving follows stdio buffering.
	$X "$BRCTL" "$@" 2>&1 | cat >"$d/b.both"
	$X "$NETCTL" "$@" 2>&1 | cat >"$d/n.both"
	SH_COMPARED=$((SH_COMPARED + 1))
	if ! cmp -s "$d/b.out" "$d/n.out" || ! cmp -s "$d/b.err" "$d/n.err" ||
	    ! cmp -s "$d/b.both" "$d/n.both" || [ "$b_rc" != "$n_rc" ]; then
		echo "--- brctl $* (exit $b_rc) vs netctl (exit $n_rc)" >&2
		diff <(cat -A "$d/b.out") <(cat -A "$d/n.out") >&2
		diff <(cat -A "$d/b.err") <(cat -A "$d/n.err") >&2
		diff <(cat -A "$d/b.both") <(cat -A "$d/n.both") >&2
		lab_fail "netctl $* differs from brctl"
	fi
}

sh_macs() {
	local d=$LAB_TMP/macs
	mkdir -p "$d"
	$X "$BRCTL" showmacs "$1" >"$d/b" 2>&1 || lab_fail "brctl showmacs $1"
	$X "$NETCTL" showmacs "$1" >"$d/n" 2>&1 || lab_fail "netctl showmacs $1"
	SH_COMPARED=$((SH_COMPARED + 1))
	python3 - "$d/b" "$d/n" <<'PY' || lab_fail "netctl showmacs $1 differs from brctl"
import sys
b = open(sys.argv[1]).read().split("\n")
n = open(sys.argv[2]).read().split("\n")
if len(b) != len(n):
    sys.exit("row count: brctl %d, netctl %d\n%s\n%s" % (len(b), len(n), b, n))
for i, (x, y) in enumerate(zip(b, n)):
    if i == 0 or x == "":
        if x != y:
            sys.exit("line %d: %r != %r" % (i, x, y))
        continue
    # "%3i\t" port, MAC "\t", "yes\t\t"/"no\t\t", "%4i.%.2i": all but the timer exact.
    xa, xt = x.rsplit("\t", 1)
    ya, yt = y.rsplit("\t", 1)
    if xa != ya or len(xt) != len(yt) and max(len(xt), len(yt)) <= 7:
        sys.exit("line %d: %r != %r" % (i, x, y))
    if abs(float(xt) - float(yt)) > 1.0:
        sys.exit("line %d: ageing %s vs %s" % (i, xt, yt))
    if xa.endswith("yes\t") and xt != yt:
        sys.exit("line %d: local entry ageing %r != %r" % (i, xt, yt))
PY
}

sh_json() {
	$X "$NETCTL" "$@" --json >"$LAB_TMP/json" || lab_fail "netctl $* --json"
	python3 -m json.tool "$LAB_TMP/json" >/dev/null ||
		lab_fail "netctl $* --json: invalid JSON: $(head -c 300 "$LAB_TMP/json")"
}

sh_veths() {
	local br=$1 p=$2 n=$3 i
	for ((i = 1; i <= n; i++)); do
		echo "link add $p$i type veth peer name $p${i}p"
		echo "link set $p$i master $br"
	done >"$LAB_TMP/batch"
	$X ip -batch "$LAB_TMP/batch" || lab_fail "veths $p in $br"
}
