#!/usr/bin/env bash
# `panorama form sheet`: a fillable workbook per structure of the registry, read back with
# openpyxl: the identity filled in and locked, the answer cells unlocked on a protected sheet,
# drop-down lists of the choices' labels, the hints as comments, the skip rules in words, one
# Oui/Non row per option of a multiple choice, a partners' sheet, and the hidden map of which
# question each answer cell holds. Reading a filled workbook back: fillable_import.sh.
. "$(dirname "$0")/lib.bash"

import_demo p.db
"$PN_BIN" --db p.db structures import "$EX/annuaire.csv" "$EX/centres.csv" >/dev/null
expect_exit 0 "$PN_BIN" --db p.db form sheet centre_social -o wb
centres=$(sqlite3 p.db "SELECT count(*) FROM registry WHERE side = 'centre'")
[ "$(ls wb | wc -l)" -eq "$centres" ] || fail "$(ls wb | wc -l) workbooks for $centres centres"
grep -qF "wrote $centres fillable workbooks of the form 'centre_social' into 'wb'" "$WORK/out" \
  || fail "form sheet said: $(cat "$WORK/out")"
one=$(sqlite3 p.db "SELECT ident FROM registry WHERE side = 'centre' ORDER BY ident LIMIT 1")
$PY - "wb/centre_social-$one.xlsx" p.db "$one" forms/centre_social.csv <<'PY' || fail "the fillable workbook is wrong"
import csv, sqlite3, sys, openpyxl
path, db, ident, form = sys.argv[1:5]
wb = openpyxl.load_workbook(path)
assert wb.sheetnames == ["Questionnaire", "Partenaires", "Listes", "_panorama"], wb.sheetnames
assert wb["Listes"].sheet_state == "hidden" and wb["_panorama"].sheet_state == "hidden"
ws = wb["Questionnaire"]
assert ws.protection.sheet, "the questionnaire is not protected"
name, = sqlite3.connect(db).execute("SELECT name FROM registry WHERE ident = ?", (ident,)).fetchone()
cells = {}
for sheet, cell, q, choice in list(wb["_panorama"].iter_rows(min_row=4, values_only=True)):
    cells.setdefault(sheet, []).append((cell, q, choice))
where = {q: c for c, q, ch in cells["Questionnaire"] if ch is None}
# the identity: filled in, locked; the other answers: empty, unlocked
assert ws[where["siret"]].value == ident and ws[where["siret"]].protection.locked
assert ws[where["nom_structure"]].value == name and ws[where["nom_structure"]].protection.locked
assert ws[where["freins_autre"]].value is None and not ws[where["freins_autre"]].protection.locked
# a single choice: a drop-down list of its labels, on the hidden sheet
dv = {str(r): d for d in ws.data_validations.dataValidation for r in d.sqref.ranges}
d = dv[where["travaille_avec"]]
assert d.type == "list" and d.formula1.startswith("Listes!"), d.formula1
# the skip rule in words beside a question asked on a condition, the hint as a comment
row = ws[where["freins_autre"]].row
assert ws.cell(row, 3).value.startswith("Si « Autre frein » coché à « D'après votre expérience"), ws.cell(row, 3).value
assert any(c.comment for r in ws.iter_rows() for c in r), "no hint"
# a multiple choice: one Oui/Non row per option, as the form lists them
opts = [ch for c, q, ch in cells["Questionnaire"] if q == "freins"]
rows = [r for r in csv.reader(open(form, encoding="utf-8")) if len(r) > 2 and r[1] == "freins"]
assert opts == [r[2] for r in rows], (opts, rows)
# the partners: one column per question of the repeat, rows to fill
p = wb["Partenaires"]
heads = [c.value for c in p[3] if c.value]
assert heads[0].startswith("Numéro SIRET") or "UAI" in heads[0], heads
assert not p.cell(4, 1).protection.locked and p.protection.sheet
# a partner's question asked on a condition: the rule in words above its head
col = next(c.column for c in p[3] if c.value and c.value.startswith("À quelle fréquence"))
assert (p.cell(2, col).value or "").startswith("Si réponse autre que « Plus de lien aujourd'hui"), p.cell(2, col).value
# the repeat's own condition, once, in the sheet's title
assert "à remplir seulement si réponse « Oui » à « Votre centre social travaille" in p["A1"].value, p["A1"].value
# every cell text, no formula
for w in wb.worksheets:
    for r in w.iter_rows():
        for c in r:
            assert c.value is None or c.data_type == "s", (w.title, c.coordinate, c.data_type)
PY
expect_exit 2 "$PN_BIN" --db p.db form sheet centre_social --structure 00000000000000 -o none
expect_err "no structure of the registry has the identifiers given"
echo "form sheet: ok"
