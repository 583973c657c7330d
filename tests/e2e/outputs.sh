#!/usr/bin/env bash
# What panorama writes out: a project file another panorama is writing to, workbooks that
# replace the previous one only when whole, CSV without formulas, CSV for people that opens
# in a French Excel.
. "$(dirname "$0")/lib.bash"

import_demo p.db

# ---- a second writer: "in use" (exit 7), not "damaged" (exit 5); nothing changed ---------
sum() { sqlite3 p.db .dump | sha256sum; }
before=$(sum)
# another writer holds the write lock (as a running import does) for longer than the 5 s
# panorama waits for it
$PY -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open("locked", "w").close()
time.sleep(12)
c.execute("ROLLBACK")
' p.db &
holder=$!
for _ in $(seq 100); do [ -e locked ] && break; sleep 0.1; done
[ -e locked ] || fail "the lock holder did not start"
expect_exit 7 "$PN_BIN" --db p.db import --form ecole "$EX/ecole.csv" "$EX/ecole-partenaires.csv"
expect_err "another panorama is writing to the project file 'p.db'"
# readers are not blocked by a writer: tab and report still work meanwhile
"$PN_BIN" --db p.db tab type_lien >/dev/null || fail "'tab' failed while another panorama writes"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
[ "$(sum)" = "$before" ] || fail "an import refused as busy changed the store"
"$PN_BIN" --help | grep -q "7 project file in use" || fail "'panorama --help' lacks exit code 7"
grep -q "7 project file in" "$PN_SOURCE_DIR/README.md" || fail "the README lacks exit code 7"

echo "outputs: ok"
