#!/usr/bin/env bash
# make install and a coordinator's own folder: the program installed under a PREFIX (and under
# a DESTDIR) runs the README's examples from an empty folder, with the installed forms and
# demo spec, then with the copies kept in the project file; the build tree's program works
# from any folder too.
. "$(dirname "$0")/lib.bash"
build=$(dirname "$PN_BIN")
cmake --install "$build" --prefix "$WORK/prefix" >/dev/null || fail "cmake --install failed"
P="$WORK/prefix/bin/panorama"
DATA="$WORK/prefix/share/panorama"
[ -x "$P" ] || fail "no program at PREFIX/bin/panorama"
for f in forms/centre_social.csv forms/ecole.csv reports/demo.csv reports/methodologie.txt; do
  cmp -s "$DATA/$f" "$PN_SOURCE_DIR/$f" || fail "PREFIX/share/panorama/$f is not the source's $f"
done

# the README's user's guide, from a coordinator's folder that has no forms/ and no reports/
mkdir coord
cd coord
cp "$EX/centre_social.csv" centres.csv
cp "$EX/centre_social-partenaires.csv" centres-partenaires.csv
cp "$EX/ecole.csv" ecoles.csv
cp "$EX/ecole-partenaires.csv" ecoles-partenaires.csv
expect_exit 0 "$P" init
expect_exit 0 "$P" import --form centre_social centres.csv centres-partenaires.csv
expect_err "panorama: form 'centre_social': the bundled form '$DATA/forms/centre_social.csv'"
expect_exit 0 "$P" import ecoles.csv ecoles-partenaires.csv # the form chosen from the header
expect_err "panorama: form 'ecole': the bundled form '$DATA/forms/ecole.csv'"
expect_exit 0 "$P" rejects
expect_exit 0 "$P" tab type_lien
grep -q '^Aucun lien ' "$WORK/out" || fail "tab type_lien: no 'Aucun lien' row: $(cat "$WORK/out")"
expect_exit 0 "$P" tab freins
expect_exit 0 "$P" tab type_lien --by en_qpv
expect_exit 0 "$P" tab satisfaction --where "\${rythme} = 'regulier'" --format csv
expect_exit 0 "$P" report -o panorama.xlsx
expect_err "panorama: report spec: the bundled demo spec '$DATA/reports/demo.csv'"
# a sheet per table and pairs record, the cover, the methodology, the fiches' figures, a
# fiche per town
"$PY" "$CHECK_XLSX" panorama.xlsx --sheets "$(($(grep -c '^\(table\|pairs\),' "$DATA/reports/demo.csv") + 2 + 1 + $(grep -c '^,communes,' "$DATA/forms/centre_social.csv")))" \
  >/dev/null || fail "the workbook from the installed spec is not a whole workbook"

# the same workbook as the source tree's spec gives
cd "$WORK"
import_demo ref.db
"$PN_BIN" --db ref.db report reports/demo.csv -o ref.xlsx >/dev/null
$PY "$PN_SOURCE_DIR/tests/e2e/same_workbook.py" ref.xlsx coord/panorama.xlsx || fail "the installed spec's workbook differs from reports/demo.csv's"
cd coord

# the copies kept in the project file: the form stored by the first import, the spec by the
# last report, even once the installed data is gone
rm -r "$DATA"
expect_exit 0 "$P" import --form centre_social centres.csv
expect_err "panorama: form 'centre_social': the copy stored in 'panorama.db'"
sed 's/^table,\([^,]*\),[^,]*,/table,\1,Titre modifié,/' "$PN_SOURCE_DIR/reports/demo.csv" >mine.csv
# the methodology text is not kept in the project file: without it, the message says where
# panorama looked; the coordinator's copy beside the spec is then used
expect_exit 2 "$P" report mine.csv -o mine.xlsx
expect_err "panorama: no methodology text: no 'methodologie.txt' beside the spec, no 'reports/methodologie.txt' here and no installed one"
cp "$PN_SOURCE_DIR/reports/methodologie.txt" .
expect_exit 0 "$P" report mine.csv -o mine.xlsx
mkdir reports
mv methodologie.txt reports/
expect_exit 0 "$P" report -o again.xlsx
expect_err "panorama: report spec: the copy of 'mine.csv' kept in 'panorama.db' by the last report"
$PY "$PN_SOURCE_DIR/tests/e2e/same_workbook.py" mine.xlsx again.xlsx || fail "report without SPEC did not use the spec of the last report"
# nothing to fall back on: the messages say where panorama looked
expect_exit 0 "$P" --db other.db init
expect_exit 2 "$P" --db other.db import --form centre_social centres.csv
expect_err "panorama: no form 'centre_social': looked in the project file 'other.db' (there is no 'forms' folder here and no installed forms); give --forms DIR"
expect_exit 2 "$P" --db other.db report
expect_err "panorama: no report spec: none given, none kept in 'other.db'"

# a DESTDIR install (a package being made) finds its data beside the program as well
DESTDIR="$WORK/dest" cmake --install "$build" --prefix /opt/pn >/dev/null ||
  fail "cmake --install with DESTDIR failed"
rm -f d.db
expect_exit 0 "$WORK/dest/opt/pn/bin/panorama" --db d.db init
expect_exit 0 "$WORK/dest/opt/pn/bin/panorama" --db d.db import --form ecole ecoles.csv
expect_err "panorama: form 'ecole': the bundled form '$WORK/dest/opt/pn/share/panorama/forms/ecole.csv'"

# the build tree's program, from a folder without forms/: the source tree's forms and spec
mkdir "$WORK/elsewhere"
cd "$WORK/elsewhere"
expect_exit 0 "$PN_BIN" init
expect_exit 0 "$PN_BIN" import --form ecole "$EX/ecole.csv"
expect_err "panorama: form 'ecole': the bundled form '$PN_SOURCE_DIR/forms/ecole.csv'"
expect_exit 0 "$PN_BIN" report -o r.xlsx
expect_err "panorama: report spec: the bundled demo spec '$PN_SOURCE_DIR/reports/demo.csv'"
echo "install: ok"
