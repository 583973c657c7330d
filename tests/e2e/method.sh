#!/usr/bin/env bash
# The methodology text a coordinator edits (reports/methodologie.txt): the edited text is the
# workbook's methodology sheet, with the report's figures in its placeholders; a bad text stops
# the report with its line, and writes nothing.
. "$(dirname "$0")/lib.bash"
import_demo p.db
M="M$(printf '\xc3\xa9')thodologie"

# the bundled text: the sheet the report has always written (the figures of the demo)
expect_exit 0 "$PN_BIN" --db p.db report reports/demo.csv -o bundled.xlsx
"$PY" "$CHECK_XLSX" bundled.xlsx --cell "$M!A3=Enquête, champ et traitements" \
  --cell "$M!A18=Pourcentages et arrondis" --cell "$M!A11=Classe" \
  --cell "$M!A12=Aucun lien" --cell "$M!A16=Lien ponctuel" \
  --cell "$M!B16=dans tous les autres cas" \
  --cell "$M!B13=réponse « Oui, par une convention signée » à « Ce lien est-il formalisé ? » ou réponse « Oui, par un projet écrit partagé » à « Ce lien est-il formalisé ? »" \
  >/dev/null ||
  fail "the bundled methodology text does not give the sheet's sections"
"$PY" - bundled.xlsx <<'PY' || fail "the bundled text's placeholders are not filled"
import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["Méthodologie"]
units = ws["A5"].value
assert "Les 917 liens déclarés relient 567 paires distinctes" in units, units
assert "dont 350 déclarées par les deux partenaires" in units, units
pairs = ws["A9"].value  # how a pair is formed, what a disagreement means
assert "SIRET" in pairs and "UAI" in pairs and "désaccord" in pairs, pairs
assert ws["A10"].value.startswith("Typologie des liens : "), ws["A10"].value
text = "".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
for name in ("centres", "ecoles", "communes", "liens", "paires", "dyades", "rejets", "typologie"):
    assert "{" + name + "}" not in text, name
PY

# a coordinator's own text, beside their own spec
mkdir mine
cp reports/demo.csv mine/rapport.csv
cat >mine/methodologie.txt <<'TXT'
# notre texte
== Notre enquête
Enquête menée auprès de {centres} centres
et de {ecoles} écoles ; {rejets} réponses écartées.

{typologie}
TXT
expect_exit 0 "$PN_BIN" --db p.db report mine/rapport.csv -o mine.xlsx
[ ! -s "$WORK/err" ] || fail "a text beside the spec is said on stderr: $(cat "$WORK/err")"
"$PY" - mine.xlsx <<'PY' || fail "the coordinator's methodology text is not the sheet's"
import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["Méthodologie"]
cells = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
assert cells[1] == "Notre enquête", cells
assert cells[2].startswith("Enquête menée auprès de ") and " centres et de " in cells[2], cells
assert cells[3].startswith("Typologie des liens : "), cells
# the typology's table under its paragraph: its head, then a class and its condition a row
assert cells[4:6] == ["Classe", "Condition (la première remplie donne la classe)"], cells
assert cells[6] == "Aucun lien" and cells[-2:] == ["Lien ponctuel", "dans tous les autres cas"], cells
assert len(cells) == 4 + 2 + 2 * 5, cells
assert not any("Pourcentages et arrondis" == c for c in cells), cells
PY

# a bad placeholder: an input error at its line, and no workbook
printf '== T\nLes {liens} liens et {lien}.\n' >mine/methodologie.txt
expect_exit 3 "$PN_BIN" --db p.db report mine/rapport.csv -o bad.xlsx
expect_err "panorama: mine/methodologie.txt:2: expected a placeholder among {centres}, {ecoles}, {communes}, {liens}, {paires}, {dyades}, {rejets}, {typologie}, {secret} (or '{{' for a brace), found '{lien}'"
[ ! -e bad.xlsx ] || fail "a bad methodology text wrote a workbook"
printf 'Texte en Windows-1252 : \xe9t\xe9\n' >mine/methodologie.txt
expect_exit 3 "$PN_BIN" --db p.db report mine/rapport.csv -o bad.xlsx
expect_err "panorama: mine/methodologie.txt:1: expected UTF-8 text, found the byte 0xE9 at column 25 (save the file as UTF-8)"

# none beside the spec: reports/methodologie.txt here, said on stderr
rm mine/methodologie.txt
expect_exit 0 "$PN_BIN" --db p.db report mine/rapport.csv -o here.xlsx
expect_err "panorama: methodology text: 'reports/methodologie.txt'"
echo "method: ok"
