#!/usr/bin/env bash
# A spec's fiches record: the sheet of the network's figures by town, checked against counts
# made here in SQL (the registry, who answered, the links the answers report); then one fiche
# per town, each with its network drawing (a PNG in the workbook), its table of link types
# the same as the town's row of "Liens par commune" (one secret pattern for both), its
# obstacles and success factors the town's column of the multiple-response cross-tab, no
# answer count from 1 to 2 shown, and fitted to one printed page (the PDF is checked by
# print.sh). Bad fiches records are refused with their line and column.
. "$(dirname "$0")/lib.bash"

import_demo p.db
"$PN_BIN" --db p.db structures import "$EX/annuaire.csv" "$EX/centres.csv" "$EX/qpv.csv" \
  "$EX/sirene.csv" >/dev/null
expect_exit 0 "$PN_BIN" --db p.db report reports/demo.csv -o panorama.xlsx
grep -qF "32 town fiches" "$WORK/out" || fail "report said: $(cat "$WORK/out")"
$PY "$PN_SOURCE_DIR/tests/e2e/fiches_check.py" p.db panorama.xlsx 3 ||
  fail "the fiches do not match the project file"

# the same under a French locale (same_workbook.py says how the drawings are compared)
LC_ALL=fr_FR.UTF-8 "$PN_BIN" --db p.db report reports/demo.csv -o fr.xlsx >/dev/null
$PY "$PN_SOURCE_DIR/tests/e2e/same_workbook.py" panorama.xlsx fr.xlsx ||
  fail "the workbook differs under fr_FR.UTF-8"

# without the secret statistique, the drawings show each link's class: other pictures
cp reports/demo.csv open.csv
$PY - open.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
head = rows[0] + ["secret"]
out = [head] + [r + [""] * (len(rows[0]) - len(r)) + ["0" if r[0] == "workbook" else ""]
                for r in rows[1:]]
csv.writer(open(sys.argv[1], "w", encoding="utf-8", newline="")).writerows(out)
PY
"$PN_BIN" --db p.db report open.csv -o open.xlsx >/dev/null
$PY "$PN_SOURCE_DIR/tests/e2e/fiches_check.py" p.db open.xlsx 0 ||
  fail "the fiches without the secret do not match the project file"
$PY - panorama.xlsx open.xlsx <<'PY' || fail "the drawings do not change with the secret"
import sys, zipfile
a, b = (zipfile.ZipFile(p) for p in sys.argv[1:3])
media = [n for n in a.namelist() if n.startswith("xl/media/")]
assert media and all(a.read(n) != b.read(n) for n in media), "same pictures"
PY

# bad records
printf 'kind,sheet,var,by\nfiches,R\xc3\xa9seaux,type_lien inconnue,commune\n' >bad.csv
expect_exit 3 "$PN_BIN" --db p.db report bad.csv -o bad.xlsx
expect_err "bad.csv:2: sheet 'Réseaux': column 'var'"
expect_err "inconnue"
[ ! -e bad.xlsx ] || fail "a refused spec wrote a workbook"
printf 'kind,sheet,var,by\nfiches,R,type_lien,commune\nfiches,S,freins,commune\n' >two.csv
expect_exit 3 "$PN_BIN" --db p.db report two.csv -o two.xlsx
expect_err "two.csv:3: column 'kind': expected one 'fiches' record"
echo "fiches: the figures match SQL, one fiche and one drawing per town"
