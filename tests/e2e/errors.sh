#!/usr/bin/env bash
# Bad input through the CLI: a clear message, a non-zero exit, and the store as it was.
. "$(dirname "$0")/lib.bash"

"$PN_BIN" --db p.db init >/dev/null
"$PN_BIN" --db p.db import --form centre_social "$EX/centre_social.csv" >/dev/null 2>&1
sum() { sqlite3 p.db .dump | sha256sum; }
before=$(sum)

# a form with an error
mkdir bad
sed 's/^,select_one oui_non,en_qpv,/,select_one oui_nom,en_qpv,/' forms/centre_social.csv \
  >bad/centre_social.csv
line=$(grep -n 'select_one oui_nom,en_qpv' bad/centre_social.csv | cut -d: -f1)
expect_exit 3 "$PN_BIN" --db p.db import --forms bad --form centre_social "$EX/centre_social.csv"
expect_err "panorama: bad/centre_social.csv:$line: column 'type': choice list 'oui_nom' is not in the choices sheet"
[ "$(sum)" = "$before" ] || fail "a bad form changed the store"

# a file that does not exist
expect_exit 4 "$PN_BIN" --db p.db import --form centre_social reponses.csv
expect_err "panorama: cannot open 'reponses.csv': No such file or directory"
[ "$(sum)" = "$before" ] || fail "a missing file changed the store"

# a CSV that is not one: a binary file, an unterminated quote, a file that mixes encodings
head -c 300 "$PN_BIN" >binary.csv
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social binary.csv
expect_err "panorama: binary.csv:1: NUL byte at column 8: this is not a text (CSV) file"
[ "$(sum)" = "$before" ] || fail "a binary file changed the store"
{ head -1 "$EX/centre_social.csv"; sed -n 2p "$EX/centre_social.csv" | sed 's/^/"/'; } >quote.csv
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social quote.csv
expect_err "quote.csv:2: unterminated quoted field"
[ "$(sum)" = "$before" ] || fail "an unterminated quote changed the store"
# a Windows-1252 'é' (0xE9) on line 2 and a UTF-8 'é' on line 3: neither encoding reads it all
{
  head -1 "$EX/centre_social.csv"
  printf 'Centre \xe9t\xe9\n'
  printf 'Centre \xc3\xa9t\xc3\xa9\n'
} >mixed.csv
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social mixed.csv
expect_err "panorama: mixed.csv:2: invalid UTF-8 at column 8 (byte 0xE9): the file mixes encodings; save it again as CSV UTF-8"
[ "$(sum)" = "$before" ] || fail "a file that mixes encodings changed the store"
: >empty.csv
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social empty.csv
expect_err "empty.csv: the file is empty"
[ "$(sum)" = "$before" ] || fail "an empty file changed the store"

# personal data (column 'personnel' of the forms) is never tabulated or published
for var in courriel nom_repondant; do
  expect_exit 2 "$PN_BIN" --db p.db tab "$var"
  expect_err "panorama: '$var' holds personal data (column 'personnel' of form 'centre_social'): it stays in the project file and is never tabulated or published"
  [ ! -s "$WORK/out" ] || fail "tab $var printed: $(head -3 "$WORK/out")"
done
expect_exit 2 "$PN_BIN" --db p.db tab type_lien --by courriel
expect_err "'courriel' holds personal data"
expect_exit 2 "$PN_BIN" --db p.db tab en_qpv --where "\${courriel} = 'a@b.fr'"
expect_err "'courriel' holds personal data"
{ head -1 reports/demo.csv; echo 'table,Noms,Noms des répondants,nom_repondant,,,bar,'; } >names.csv
set +e
"$PN_BIN" --db p.db report names.csv -o names.xlsx >"$WORK/out" 2>"$WORK/err"
got=$?
set -e
[ "$got" -ne 0 ] || fail "a report spec row on nom_repondant succeeded"
expect_err "names.csv:2: sheet 'Noms': 'nom_repondant' holds personal data"
[ ! -e names.xlsx ] || fail "a report on personal data wrote a workbook"

# a report on an empty project file: the store is empty, the spec is not wrong
"$PN_BIN" --db empty.db init >/dev/null
expect_exit 2 "$PN_BIN" --db empty.db report reports/demo.csv -o empty.xlsx
expect_err "panorama: the project file 'empty.db' holds no answers yet; run 'panorama import' first"
[ ! -e empty.xlsx ] || fail "a report on an empty project file wrote a workbook"

# usage errors and help
expect_exit 2 "$PN_BIN" --db none.db tab type_lien
expect_err "no project file 'none.db'; create one with 'panorama init'"
expect_exit 2 "$PN_BIN" --db p.db frobnicate
expect_err "'frobnicate' is not a panorama command"
expect_exit 2 "$PN_BIN" --db p.db init
expect_err "'p.db' already exists"
expect_exit 2 "$PN_BIN" --db p.db tab
expect_err "tab needs a variable name"
expect_exit 2 "$PN_BIN" --db p.db tab type_lien --format xml
expect_err "--format: expected 'text' or 'csv', found 'xml'"
expect_exit 3 "$PN_BIN" --db p.db tab en_qpv --where '${en_qpv} = '
expect_err "--where: expression '\${en_qpv} = ': at character"
expect_exit 4 "$PN_BIN" --db p.db report reports/none.csv
expect_err "panorama: cannot open 'reports/none.csv': No such file or directory"
expect_exit 4 "$PN_BIN" --db p.db report reports/demo.csv -o /nonexistent/dir/x.xlsx
# a spec that is wrong is an input error with its file:line, whatever the check that finds it:
# a title longer than a cell holds, a variable no stored form has (on the command line, the
# same variable stays a usage error)
head -1 reports/demo.csv >long.csv
awk 'BEGIN { printf "table,Liens,"; for (i = 0; i < 40000; i++) printf "T"; print ",type_lien,,,," }' \
  >>long.csv
expect_exit 3 "$PN_BIN" --db p.db report long.csv -o long.xlsx
expect_err "panorama: long.csv:2: column 'title': expected at most 32767 characters (what an Excel cell holds), found 40000 characters"
{ head -1 reports/demo.csv; echo "table,Liens,Liens,type_lien,,,,"; echo "table,Autre,Autre,nosuch,,,,"; } >var.csv
expect_exit 3 "$PN_BIN" --db p.db report var.csv -o var.xlsx
expect_err "panorama: var.csv:3: sheet 'Autre': no question 'nosuch' in the stored forms"
[ ! -e long.xlsx ] && [ ! -e var.xlsx ] || fail "a wrong spec left a workbook"
expect_exit 2 "$PN_BIN" --db p.db tab nosuch
expect_err "panorama: no question 'nosuch' in the stored forms"
for cmd in init import rejects tab report; do
  expect_exit 0 "$PN_BIN" "$cmd" --help
  grep -q "^usage: panorama" "$WORK/out" || fail "$cmd --help prints no usage"
done
expect_exit 0 "$PN_BIN" --version
grep -q "^panorama [0-9]" "$WORK/out" || fail "--version"
[ "$(sum)" = "$before" ] || fail "the store changed"
echo "errors: ok"
