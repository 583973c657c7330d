#!/usr/bin/env bash
# Faults injected under the CLI (tests/e2e/fail_iconv.c): each is reported as what it is.
. "$(dirname "$0")/lib.bash"
: "${PN_FAIL_ICONV:?PN_FAIL_ICONV is set by ctest}"
# the sanitizers' runtime wants to come first; the fault library does not need it to
export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"

"$PN_BIN" --db p.db init >/dev/null
sum() { sqlite3 p.db .dump | sha256sum; }
before=$(sum)

# An internal failure while the header of the first file is read to choose its form (here
# iconv fails on a Windows-1252 file) is that failure, exit 6: not "no form matches the
# header", a usage error (exit 2) that would send the user to --form for nothing.
iconv -f UTF-8 -t WINDOWS-1252 "$EX/centre_social.csv" >cp1252.csv
expect_exit 6 env LD_PRELOAD="$PN_FAIL_ICONV" "$PN_BIN" --db p.db import cp1252.csv
expect_err "panorama: cannot read 'cp1252.csv' as WINDOWS-1252: iconv: Bad file descriptor"
grep -qF "matches the header" "$WORK/err" && fail "an internal failure read as no form matching"
[ "$(sum)" = "$before" ] || fail "a failed import changed the store"

# the same file without the fault: its form is found and it is stored
"$PN_BIN" --db p.db import cp1252.csv >/dev/null 2>&1 || fail "the Windows-1252 file does not import"
echo ok
