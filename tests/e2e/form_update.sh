#!/usr/bin/env bash
# The typology never goes stale: after the rule is edited in forms/, 'form update' gives every
# stored link of both forms the class the new rule says, 'tab' counts them, re-running changes
# nothing, a failure changes nothing, 'import' applies a changed form first, and the commands
# that find a form file other than the stored one say so.
. "$(dirname "$0")/lib.bash"

import_demo p.db
dump() { sqlite3 p.db .dump | md5sum; }
classes() { sqlite3 p.db "SELECT form_id, entry_id, coalesce(class, 'NULL') FROM links ORDER BY 1, 2"; }
classes >classes.v1

# The rule as a coordinator edits it: a written project no longer makes a partnership
# formalised, only a convention does.
for f in centre_social ecole; do
  sed -i "s/\${formalisation} = 'convention' or \${formalisation} = 'projet_ecrit'/\${formalisation} = 'convention'/" \
    "forms/$f.csv"
  grep -q "if(\${formalisation} = 'convention', 'partenariat_formalise'" "forms/$f.csv" \
    || fail "the rule of forms/$f.csv was not edited"
done

# tab, report and rejects say that forms/ differs, and change nothing (but the text of the
# report's spec, which report keeps: the same spec as a first report wrote).
"$PN_BIN" --db p.db report reports/demo.csv -o r.xlsx >/dev/null 2>&1
before=$(dump)
for cmd in "tab type_lien" "report reports/demo.csv -o r.xlsx" "rejects"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$PN_BIN" --db p.db $cmd
  for f in centre_social ecole; do
    expect_err "panorama: forms/$f.csv differs from the form stored in p.db; run 'panorama --db p.db form update $f' to apply it"
  done
done
[ "$(dump)" = "$before" ] || fail "a command that only reads changed the project file"

# A rule that fails on some stored links (a regular expression made at run time that does
# not compile, for the regular links only): nothing changes, not even the links before it.
mkdir broken
cp forms/*.csv broken/
sed -i "s/if(\${rythme} = 'regulier', 'cooperation_reguliere'/if(\${rythme} = 'regulier' and regex(\${rythme}, concat('(', \${rythme})), 'cooperation_reguliere'/" \
  broken/ecole.csv
grep -q "regex(\${rythme}" broken/ecole.csv || fail "broken/ecole.csv was not edited"
expect_exit 3 "$PN_BIN" --db p.db form update --forms broken
expect_err "form 'ecole': entry"
expect_err "column 'type_lien': cannot be calculated: "
expect_err "invalid regular expression '(regulier'"
[ "$(dump)" = "$before" ] || fail "a failed 'form update' changed the project file"

# The update itself: every stored form with a file in forms/.
expect_exit 0 "$PN_BIN" --db p.db form update
cp "$WORK/out" update.out
grep -qF "form 'ecole': stored the new version from forms/ecole.csv" update.out \
  || fail "no word of the new version: $(cat update.out)"
classes >classes.v2
for f in centre_social ecole; do
  # every link of the form has the class the new rule gives for its stored answers
  wrong=$(sqlite3 p.db "SELECT count(*) FROM links l JOIN \"data_${f}__partenaires\" e
    ON e.entry_id = l.entry_id WHERE l.form_id = '$f' AND l.class IS NOT (CASE
      WHEN e.rythme = 'aucun' THEN 'aucun'
      WHEN e.formalisation = 'convention' THEN 'partenariat_formalise'
      WHEN trim(coalesce(e.dispositifs, '')) <> ''
        AND ' ' || e.dispositifs || ' ' NOT LIKE '% aucun %' THEN 'dispositif'
      WHEN e.rythme = 'regulier' THEN 'cooperation_reguliere'
      ELSE 'ponctuel' END)")
  [ "$wrong" -eq 0 ] || fail "$wrong links of form '$f' do not have the new rule's class"
  # the summary counts the links whose class changed, and there are some
  changed=$(paste -d'|' <(grep "^$f|" classes.v1) <(grep "^$f|" classes.v2) \
    | awk -F'|' '$2 != $5 {exit 1} $3 != $6 {n++} END {print n + 0}') \
    || fail "the links of form '$f' are not the same after the update"
  total=$(grep -c "^$f|" classes.v2)
  [ "$changed" -gt 0 ] || fail "no link of form '$f' changed class"
  grep -qF "form '$f': $changed of $total links changed class: " update.out \
    || fail "the summary does not say $changed of $total links of '$f': $(cat update.out)"
done
grep -qE "form 'ecole': [0-9]+ of [0-9]+ links changed class: [0-9]+ partenariat_formalise → (dispositif|cooperation_reguliere|ponctuel)" \
  update.out || fail "the summary does not say from which class to which: $(cat update.out)"

# 'tab type_lien' counts the new classes, and no longer warns.
expect_exit 0 "$PN_BIN" --db p.db tab type_lien --format csv
grep -q "differs" "$WORK/err" && fail "tab still warns after the update: $(cat "$WORK/err")"
for class in aucun ponctuel cooperation_reguliere dispositif partenariat_formalise; do
  n=$(awk -F, -v c="$class" '$4 == c && $6 == "n" {print $7}' "$WORK/out")
  want=$(sqlite3 p.db "SELECT count(*) FROM links WHERE class = '$class'")
  [ "$n" = "$want" ] || fail "tab counts $n links '$class', the store holds $want"
done
old=$(grep -c "|partenariat_formalise$" classes.v1)
new=$(grep -c "|partenariat_formalise$" classes.v2)
[ "$new" -lt "$old" ] || fail "partenariat_formalise went from $old to $new links"

# Again with the same forms: nothing changes.
after=$(dump)
expect_exit 0 "$PN_BIN" --db p.db form update ecole centre_social
grep -qF "form 'ecole': the stored form is the same as forms/ecole.csv" "$WORK/out" \
  || fail "the second update does not say the form is the same: $(cat "$WORK/out")"
grep -qF "form 'ecole': 0 of " "$WORK/out" || fail "the second update changed links: $(cat "$WORK/out")"
grep -qF "form 'centre_social': 0 of " "$WORK/out" || fail "the second update changed links"
[ "$(dump)" = "$after" ] || fail "a second 'form update' with the same forms changed the project file"

# 'import' with a form file that differs (the original rule again) applies it first, says
# so, and every stored link gets the original class back.
cp "$PN_SOURCE_DIR/forms/ecole.csv" "$PN_SOURCE_DIR/forms/centre_social.csv" forms/
expect_exit 0 "$PN_BIN" --db p.db import --form ecole "$EX/ecole.csv" "$EX/ecole-partenaires.csv"
expect_err "panorama: form 'ecole' differs from the one stored in 'p.db': stored the new version and applied its calculations to the stored answers first"
expect_err "panorama: form 'ecole': "
expect_err " links changed class: "
grep -q "forms/ecole.csv differs" "$WORK/err" && fail "import warns about the form it applies"
# the other form, which this import does not apply
expect_err "forms/centre_social.csv differs from the form stored in p.db; run 'panorama --db p.db form update centre_social'"
grep " 0 stored" "$WORK/out" >/dev/null || fail "the same answers were stored again: $(cat "$WORK/out")"
classes >classes.v3
diff <(grep '^ecole|' classes.v1) <(grep '^ecole|' classes.v3) >/dev/null \
  || fail "the import did not give the links of 'ecole' the original rule's classes"

# The subcommand and its verbs.
expect_exit 0 "$PN_BIN" form --help
grep -q "form update \[--forms DIR\] \[FORM...\]" "$WORK/out" || fail "form --help: $(cat "$WORK/out")"
expect_exit 0 "$PN_BIN" form update --help
grep -q "form update" "$WORK/out" || fail "form update --help: $(cat "$WORK/out")"
expect_exit 2 "$PN_BIN" --db p.db form
expect_err "form needs a verb: update"
expect_exit 2 "$PN_BIN" --db p.db form frob
expect_err "'frob' is not a verb of 'form'"
expect_exit 4 "$PN_BIN" --db p.db form update nosuchform --forms forms
expect_err "no file 'forms/nosuchform.csv': 'form update' reads the edited form from the forms folder (forms/ here, or --forms DIR)"
# from a coordinator's folder without forms/: where to put the edited form
mkdir elsewhere
(cd elsewhere && expect_exit 4 "$PN_BIN" --db ../p.db form update ecole)
expect_err "no file 'forms/ecole.csv': 'form update' reads the edited form from the forms folder"
echo "form_update: ok"
