#!/usr/bin/env bash
# A fillable workbook (form sheet), filled by a script as a person would (openpyxl: labels from
# the drop-down lists, Oui/Non per option, partners one per row, a year as a number), imports
# to the same stored answers as the same submissions in a plain CSV export; filled again
# later, it replaces the first; the same workbook twice is a duplicate; a workbook given to
# the wrong form, and a label that is no choice, get messages a person can act on.
. "$(dirname "$0")/lib.bash"

FILL="$PN_SOURCE_DIR/tests/e2e/fill_workbook.py"
registry() {
  "$PN_BIN" --db "$1" init >/dev/null || fail "init failed"
  "$PN_BIN" --db "$1" structures import "$EX/annuaire.csv" "$EX/centres.csv" >/dev/null ||
    fail "structures import failed"
}
registry wb.db
registry ref.db

# The submissions: for each form, one without partners, the one with the most, and a few
# more, all of structures in the registry and of rows the examples hold as valid.
$PY - "$EX" wb.db <<'PY' >picked.txt || fail "cannot pick submissions"
import csv, sqlite3, sys
ex, db = sys.argv[1:3]
reg = {r[0] for r in sqlite3.connect(db).execute("SELECT ident FROM registry")}
for form, ident in (("centre_social", "siret"), ("ecole", "uai")):
    subs = list(csv.DictReader(open(f"{ex}/{form}.csv", encoding="utf-8")))
    parts = list(csv.DictReader(open(f"{ex}/{form}-partenaires.csv", encoding="utf-8")))
    n = {}
    for p in parts:
        n[p["PARENT_KEY"]] = n.get(p["PARENT_KEY"], 0) + 1
    ok = [s for s in subs[20:120] if s[ident] in reg]
    none = next(s for s in ok if n.get(s["KEY"], 0) == 0)
    most = max(ok, key=lambda s: n.get(s["KEY"], 0))
    more = [s for s in ok if s not in (none, most)][:3]
    chosen = [none, most] + more
    for s in chosen:
        print(form, s[ident], s["KEY"])
    with open(f"{form}.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(subs[0]))
        w.writeheader()
        w.writerows(chosen)
    keys = {s["KEY"] for s in chosen}
    with open(f"{form}-partenaires.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(parts[0]))
        w.writeheader()
        w.writerows(p for p in parts if p["PARENT_KEY"] in keys)
PY

for form in centre_social ecole; do
  "$PN_BIN" --db ref.db import --form $form $form.csv $form-partenaires.csv >/dev/null ||
    fail "the plain subset of $form does not import"
  args=()
  while read -r f ident key; do
    [ "$f" = $form ] || continue
    "$PN_BIN" --db wb.db form sheet $form --structure "$ident" -o sheets >/dev/null ||
      fail "form sheet $form --structure $ident failed"
    $PY "$FILL" "sheets/$form-$ident.xlsx" "$PN_SOURCE_DIR/forms/$form.csv" $form.csv \
      $form-partenaires.csv "$key" "filled-$ident.xlsx" || fail "cannot fill $ident's workbook"
    args+=("filled-$ident.xlsx")
  done <picked.txt
  # the form is found from the workbook itself
  expect_exit 0 "$PN_BIN" --db wb.db import "${args[@]}"
  grep -qF "filled-${args[0]#filled-}[Questionnaire]: fillable workbook: 1 row (submissions): 1 stored" "$WORK/out" ||
    fail "import said: $(cat "$WORK/out")"
done
[ "$(sqlite3 ref.db "SELECT count(*) FROM rejects")" = 0 ] || fail "the plain subset has rejects"
[ "$(sqlite3 wb.db "SELECT count(*) FROM rejects")" = 0 ] ||
  fail "the filled workbooks have rejects: $("$PN_BIN" --db wb.db rejects)"

# dump DB: the stored answers (all but the keys and the times), the structures, the links.
dump() {
  local db=$1 f id cols pcols
  for f in centre_social ecole; do
    id=uai
    [ $f = centre_social ] && id=siret
    cols=$(sqlite3 "$db" "SELECT group_concat('\"' || name || '\"', ', ') FROM pragma_table_info('data_$f')
      WHERE name NOT IN ('submission_id', 'start', 'end')")
    pcols=$(sqlite3 "$db" "SELECT group_concat('r.\"' || name || '\"', ', ') FROM pragma_table_info('data_${f}__partenaires')
      WHERE name NOT IN ('submission_id', 'entry_id', 'entry_key')")
    echo "== $f"
    sqlite3 -quote "$db" "SELECT $cols FROM data_$f ORDER BY $id"
    sqlite3 -quote "$db" "SELECT p.$id, $pcols FROM data_${f}__partenaires r
      JOIN data_$f p USING (submission_id) ORDER BY p.$id, r.position"
  done
  echo "== links"
  sqlite3 -quote "$db" "SELECT form_id, reporter_side, centre_ident, school_ident, class FROM links
    ORDER BY 1, 3, 4, 5"
}
dump ref.db >ref.dump
dump wb.db >wb.dump
[ "$(grep -c . ref.dump)" -gt 30 ] || fail "the reference holds too little: $(cat ref.dump)"
diff -u ref.dump wb.dump >&2 || fail "the filled workbooks do not import to the answers of the CSV export"

# the same workbook again: a duplicate, nothing changes
read -r _ ident key < <(grep '^centre_social' picked.txt | sed -n 2p)
expect_exit 0 "$PN_BIN" --db wb.db import "filled-$ident.xlsx"
grep -qF "1 row (submissions): 0 stored, 1 already in the store" "$WORK/out" ||
  fail "the same workbook again: $(cat "$WORK/out")"
# filled again later with another answer: replaces the first, partners included
sleep 1
$PY - "filled-$ident.xlsx" <<'PY' || fail "cannot change the workbook"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
cells = {r[2]: r[1] for r in wb["_panorama"].iter_rows(values_only=True) if r[0] == "Questionnaire" and r[3] is None}
wb["Questionnaire"][cells["commentaire"]] = "Réponse corrigée le lendemain"
p = wb["Partenaires"]
p.delete_rows(5)  # the second partner crossed out
wb.save(sys.argv[1])
PY
before=$(sqlite3 wb.db "SELECT count(*) FROM data_centre_social__partenaires")
expect_exit 0 "$PN_BIN" --db wb.db import "filled-$ident.xlsx"
grep -qF "1 replaced the older version stored" "$WORK/out" || fail "filled again: $(cat "$WORK/out")"
[ "$(sqlite3 wb.db "SELECT commentaire FROM data_centre_social WHERE siret = '$ident'")" = "Réponse corrigée le lendemain" ] ||
  fail "the new answer was not stored"
after=$(sqlite3 wb.db "SELECT count(*) FROM data_centre_social__partenaires")
[ "$after" -eq $((before - 1)) ] || fail "partners: $before before, $after after one was crossed out"

# a workbook of one form given to the other
expect_exit 3 "$PN_BIN" --db wb.db import --form ecole "filled-$ident.xlsx"
expect_err "filled-$ident.xlsx: this fillable workbook is one of form 'centre_social', not of form 'ecole': import it with --form centre_social"
# a label typed by hand that is no choice: the row is rejected, with the sheet, its row, the
# question and what was expected
$PY - "filled-$ident.xlsx" <<'PY' || fail "cannot change the workbook"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
cells = {r[2]: r[1] for r in wb["_panorama"].iter_rows(values_only=True) if r[0] == "Questionnaire" and r[3] is None}
wb["Questionnaire"][cells["en_qpv"]] = "Peut-être"
wb.save(sys.argv[1])
PY
expect_exit 0 "$PN_BIN" --db wb.db import "filled-$ident.xlsx"
"$PN_BIN" --db wb.db rejects >rejects.txt
grep -qE "filled-$ident.xlsx\[Questionnaire\]:[0-9]+: .*column 'en_qpv': 'Peut-être' is not a choice" rejects.txt ||
  fail "the reject says: $(cat rejects.txt)"
echo "fillable import: ok"
