#!/usr/bin/env bash
# The registry end to end, on the bundled registry files (tools/generate.c): the Annuaire
# extract of the 32 towns, the federation's list of centres (Windows-1252, ';', CRLF) and the
# QPV list; then the listing with each structure's answer, against counts made in SQL.
. "$(dirname "$0")/lib.bash"

import_demo p.db
expect_exit 0 "$PN_BIN" --db p.db structures import "$EX/annuaire.csv" "$EX/centres.csv" \
  "$EX/qpv.csv"
out=$(cat "$WORK/out")
schools=$(sqlite3 p.db "SELECT count(*) FROM registry WHERE side = 'ecole'")
centres=$(sqlite3 p.db "SELECT count(*) FROM registry WHERE side = 'centre'")
# the Annuaire's lines: every open school once (a few are on two lines, a few closed)
lines=$(($(wc -l <"$EX/annuaire.csv") - 1))
closed=$(grep -c ';A FERMER;' "$EX/annuaire.csv")
distinct=$(tail -n +2 "$EX/annuaire.csv" | grep -v ';A FERMER;' | cut -d';' -f1 | sort -u | wc -l)
[ "$schools" -eq "$distinct" ] || fail "the registry holds $schools schools, the Annuaire $distinct"
echo "$out" | grep -qF "annuaire.csv: Annuaire de l'éducation, $lines rows: $schools added, 0 updated, 0 unchanged, $((lines - closed - schools)) on a line already read (the first kept), $closed closed (etat not OUVERT) left aside, 0 rejected" \
  || fail "the Annuaire's summary is not its counts: $out"
[ "$centres" -eq $(($(wc -l <"$EX/centres.csv") - 1)) ] || fail "centres: $centres"
# Windows-1252 read as such, the commune given by its name
[ "$(sqlite3 p.db "SELECT count(*) FROM registry WHERE side = 'centre' AND commune_name = 'Éragny'")" -gt 0 ] \
  || fail "the centres' list was not decoded from Windows-1252"
[ "$(sqlite3 p.db "SELECT count(*) FROM registry WHERE name LIKE '%Ã%'")" -eq 0 ] || fail "mojibake"
# a commune given by its name gets the INSEE code the Annuaire's schools give that name
[ "$(sqlite3 p.db "SELECT count(*) FROM registry WHERE side = 'centre' AND coalesce(commune, '') = ''")" -eq 0 ] ||
  fail "centres without a commune code: $(sqlite3 p.db "SELECT ident, commune_name FROM registry WHERE side = 'centre' AND coalesce(commune, '') = '' LIMIT 3")"
[ "$(sqlite3 p.db "SELECT DISTINCT commune FROM registry WHERE side = 'centre' AND commune_name = 'Éragny'")" = 95218 ] ||
  fail "Éragny is not 95218"


# INSEE's Sirene file places the centres: its Lambert-93 x, y converted by PROJ give back the
# latitude and longitude the file also carries (its y_latitude, x_longitude)
expect_exit 0 "$PN_BIN" --db p.db structures import "$EX/sirene.csv"
grep -qF "fichier Sirene géolocalisé" "$WORK/out" || fail "sirene.csv not read as such: $(cat "$WORK/out")"
$PY - "$EX/sirene.csv" p.db <<'PY' || fail "the centres' places are not the Sirene file's"
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
placed = {i: (la, lo) for i, la, lo in db.execute(
    "SELECT ident, latitude, longitude FROM registry WHERE side = 'centre' AND latitude IS NOT NULL")}
n = 0
for row in csv.DictReader(open(sys.argv[1], encoding="utf-8"), delimiter=";"):
    if row["siret"] in placed:
        la, lo = placed[row["siret"]]
        # 0.1 m of rounding in x and y: about 1e-6 degree
        assert abs(la - float(row["y_latitude"])) < 3e-6 and abs(lo - float(row["x_longitude"])) < 3e-6, (row, la, lo)
        n += 1
total = db.execute("SELECT count(*) FROM registry WHERE side = 'centre'").fetchone()[0]
assert n == total, (n, total)
PY

# again: nothing changes
expect_exit 0 "$PN_BIN" --db p.db structures import "$EX/annuaire.csv" "$EX/centres.csv" \
  "$EX/qpv.csv"
grep -q ": 0 added, 0 updated, $schools unchanged" "$WORK/out" || fail "a second import changed: $(cat "$WORK/out")"

# the listing: who answered, against SQL; the structures the answers name that it lacks
expect_exit 0 "$PN_BIN" --db p.db structures
answered=$(sqlite3 p.db "SELECT count(*) FROM registry r WHERE EXISTS (SELECT 1 FROM structures st
  JOIN submissions s ON s.structure_id = st.structure_id WHERE st.side = r.side AND st.ident = r.ident)")
unlisted=$(sqlite3 p.db "SELECT count(*) FROM structures st WHERE NOT EXISTS (SELECT 1 FROM registry r
  WHERE r.side = st.side AND r.ident = st.ident)")
[ "$unlisted" -gt 0 ] || fail "the examples name no structure the registry lacks"
grep -qF "$((schools + centres + unlisted)) structures listed: $((schools + centres)) in the registry, $answered of them answered; $unlisted named in the answers but not in the registry" \
  "$WORK/out" || fail "the listing's counts: $(tail -2 "$WORK/out")"
grep -q "^Named in the answers but not in the registry" "$WORK/out" || fail "no list of those to add"

# a filter, and the CSV for people (BOM, ';', CRLF)
expect_exit 0 "$PN_BIN" --db p.db structures --where "\${repondu} = 'non' and \${reseau} = 'ecole'" --format csv
rows=$(($(wc -l <"$WORK/out") - 1))
want=$(sqlite3 p.db "SELECT count(*) FROM registry r WHERE side = 'ecole' AND NOT EXISTS (SELECT 1
  FROM structures st JOIN submissions s ON s.structure_id = st.structure_id WHERE st.side = r.side
  AND st.ident = r.ident)")
[ "$rows" -eq "$want" ] || fail "--where kept $rows schools without an answer, SQL says $want"
head -c 3 "$WORK/out" | od -An -tx1 | grep -q "ef bb bf" || fail "the CSV has no BOM"
head -1 "$WORK/out" | grep -q $'\r$' || fail "the CSV's lines do not end with CRLF"
expect_exit 3 "$PN_BIN" --db p.db structures --where "\${repondu} = "
expect_err "--where"

# a file of no known kind after a good one: an input error at its line 1, nothing kept
printf 'siret;nom\n35600000000048;La Poste\n' >poste.csv
printf 'a;b\n1;2\n' >other.csv
before=$(sqlite3 p.db "SELECT count(*) FROM registry")
expect_exit 3 "$PN_BIN" --db p.db structures import poste.csv other.csv
expect_err "other.csv:1: expected the header of the Annuaire"
[ "$(sqlite3 p.db "SELECT count(*) FROM registry")" -eq "$before" ] || fail "a failed import changed the registry"
# a wrong identifier: the row listed with its line, the others kept
printf 'siret;nom\n73282932000079;Centre mal saisi\n35600000000048;La Poste\n' >typo.csv
expect_exit 0 "$PN_BIN" --db p.db structures import typo.csv
expect_err "typo.csv:2: SIRET '73282932000079': '73282932000079' is not a valid SIRET"
# the centres list kept in Excel: its first visible sheet, numbers where Excel makes them
# (SIRET, postcode), a hidden sheet before it left aside; the same registry as from the CSV
$PY - "$EX/centres.csv" centres.xlsx <<'PY' || fail "cannot write centres.xlsx"
import csv, sys, openpyxl
wb = openpyxl.Workbook()
wb.active.title = "notes"
wb.active["A1"] = "brouillon"
wb.active.sheet_state = "hidden"
ws = wb.create_sheet("Centres")
for row in csv.reader(open(sys.argv[1], encoding="cp1252"), delimiter=";"):
    ws.append([int(v) if v.isdigit() else v for v in row])
wb.save(sys.argv[2])
PY
for f in "$EX/centres.csv" centres.xlsx; do
  db="one-$(basename "$f").db"
  "$PN_BIN" --db "$db" init >/dev/null
  expect_exit 0 "$PN_BIN" --db "$db" structures import "$f"
  "$PN_BIN" --db "$db" structures --format csv >"$db.list"
done
cmp -s one-centres.csv.db.list one-centres.xlsx.db.list ||
  fail "the centres list from Excel differs: $(diff one-centres.csv.db.list one-centres.xlsx.db.list | head)"
[ "$(grep -c . one-centres.xlsx.db.list)" -gt 10 ] || fail "no centre from Excel"
echo "structures: ok"
