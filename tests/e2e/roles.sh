#!/usr/bin/env bash
# A question renamed keeps its part when its role is marked: a copy of the forms whose
# centre social identifier is 'num_siret' instead of 'siret' (role identifiant_siret kept)
# imports the same answers into the same structures, links and rejects, and gives the same
# tables and workbook as the bundled forms. Before roles, that rename silently made the form
# one without a side: no structures, no links, no SIRET check.
. "$(dirname "$0")/lib.bash"

grep -q '^,text,siret,.*,identifiant_siret$' forms/centre_social.csv \
  || fail "forms/centre_social.csv does not mark siret with its role"

# Both trees get the examples and one more centre whose SIRET fails its check digit (the
# check must reject it in both).
for t in orig renamed; do
  mkdir "$t"
  cp -r forms reports "$t/"
  cp "$EX"/*.csv "$t/"
  line=$(sed -n 2p "$t/centre_social.csv")
  printf '%s\n' "$line" | sed 's/,30791900100403,/,30791900100404,/; s/uuid:[0-9a-f-]*$/uuid:bad-siret/' \
    >>"$t/centre_social.csv"
  grep -q ',30791900100404,.*uuid:bad-siret$' "$t/centre_social.csv" || fail "no bad SIRET row"
done
sed -i 's/^,text,siret,/,text,num_siret,/' renamed/forms/centre_social.csv
sed -i '1s/,siret,/,num_siret,/' renamed/centre_social.csv
grep -q '^,text,num_siret,' renamed/forms/centre_social.csv || fail "the form was not renamed"
if head -1 renamed/centre_social.csv | grep -qE '(^|,)siret(,|$)'; then
  fail "the export still has a siret column"
fi

for t in orig renamed; do
  (
    cd "$t" || exit 1
    "$PN_BIN" --db p.db init >/dev/null
    "$PN_BIN" --db p.db import --form centre_social centre_social.csv \
      centre_social-partenaires.csv >import.out 2>&1 || true
    "$PN_BIN" --db p.db import --form ecole ecole.csv ecole-partenaires.csv >>import.out 2>&1
    sqlite3 p.db "SELECT side, ident, name, commune, en_qpv, code_qpv, rep FROM structures
      ORDER BY side, ident" >structures.txt
    sqlite3 p.db "SELECT form_id, reporter_side, centre_ident, school_ident, class FROM links
      ORDER BY 1, 2, 3, 4, 5" >links.txt
    "$PN_BIN" --db p.db rejects --format csv >rejects.csv
    "$PN_BIN" --db p.db tab type_lien >tab.txt
    "$PN_BIN" --db p.db tab type_lien --by reseau >>tab.txt
    "$PN_BIN" --db p.db tab en_qpv --by reseau >>tab.txt
    "$PN_BIN" --db p.db report reports/demo.csv -o demo.xlsx >report.out 2>&1
    "$PY" - <<'PY' >cells.txt
import openpyxl
wb = openpyxl.load_workbook('demo.xlsx')
for ws in wb.worksheets:
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None:
                print(ws.title, c.coordinate, repr(c.value))
PY
  )
done

[ -s orig/structures.txt ] || fail "no structures"
grep -q '^centre|30791900100403|' orig/structures.txt || fail "no centre structure"
grep -q 'uuid:bad-siret' orig/rejects.csv || fail "the bad SIRET was not rejected"
for f in structures.txt links.txt rejects.csv tab.txt cells.txt; do
  # rejects name the file they come from: the two trees' paths differ
  sed -i 's#/renamed/#/orig/#g; s#num_siret#siret#g' "renamed/$f"
  diff "orig/$f" "renamed/$f" >"$f.diff" || fail "$f differs with siret renamed: $(head -20 "$f.diff")"
done
