#!/usr/bin/env bash
# `panorama form export`: the XLSForm workbook KoboToolbox and ODK Central upload, read back
# with openpyxl (as pyxform reads it) against the form's CSV, cell by cell. That pyxform
# converts it to the same XForm as the CSV was checked by hand with a fetched pyxform 4.5.0
# (CI cannot reach PyPI): see the README.
. "$(dirname "$0")/lib.bash"

for form in centre_social ecole; do
  expect_exit 0 "$PN_BIN" form export "$form" -o "$form.xlsx"
  grep -qF "wrote '$form.xlsx': the XLSForm of '$form' from forms/$form.csv" "$WORK/out" \
    || fail "form export said: $(cat "$WORK/out")"
  $PY - "$form.xlsx" "forms/$form.csv" <<'PY' || fail "the XLSForm of $form is not its CSV"
import csv, sys, zipfile, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], data_only=False)
assert wb.sheetnames[:3] == ["survey", "choices", "settings"], wb.sheetnames
# the CSV's sections, their rows without the first (empty) column
sections, cur = {}, None
for row in csv.reader(open(sys.argv[2], encoding="utf-8", newline="")):
    if not any(row):
        continue
    if row[0]:
        cur = sections.setdefault(row[0], [])
        continue
    cur.append(row[1:])
for name, rows in sections.items():
    ws = wb[name]
    got = [[("" if c.value is None else c.value) for c in r] for r in ws.iter_rows()]
    for i, want in enumerate(rows):
        have = (got[i] + [""] * len(want))[: len(want)]
        assert have == want, (name, i + 1, have, want)
        for c in ws[i + 1]:
            # every cell text: pyxform fails on a number in a header, Kobo evaluates no formula
            assert c.value is None or c.data_type == "s", (name, c.coordinate, c.data_type)
    assert len(got) == len(rows), (name, len(got), len(rows))
# no formula anywhere in the file
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith("xl/worksheets/"):
            assert b"<f>" not in z.read(n), n
PY
done

# the default name, from the stored form when no file is in the forms folder
import_demo p.db
mkdir elsewhere
cd elsewhere
expect_exit 0 "$PN_BIN" --db ../p.db form export ecole
grep -qF "from the form stored in ../p.db" "$WORK/out" || fail "not from the stored form: $(cat "$WORK/out")"
[ -s ecole.xlsx ] || fail "no ecole.xlsx"
cd ..

# KoboToolbox refuses a form that mixes translated and untranslated label columns
mkdir mixed
sed '2s/,label,hint,/,label,hint::Français (fr),/' forms/ecole.csv >mixed/ecole.csv
expect_exit 3 "$PN_BIN" form export ecole --forms mixed -o mixed.xlsx
expect_err "has the untranslated column 'label' beside the translated 'hint::Français (fr)'"
[ ! -e mixed.xlsx ] || fail "a refused form was written"
expect_exit 2 "$PN_BIN" form export nosuchform
expect_err "no form 'nosuchform'"
echo "form export: ok"
