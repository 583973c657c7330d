#!/usr/bin/env bash
# Honest figures over the demo store: questions that share a name but not a meaning are shown
# per network, filters on the network and on one form's questions, a multiple-choice question
# by another variable, and a filter literal that is a label instead of a choice name. Every
# figure is checked against a count made here, over the store, by Python's sqlite3.
. "$(dirname "$0")/lib.bash"

import_demo d.db
tabcsv() { "$PN_BIN" --db d.db tab "$@" --format csv; }
# value VAR ROW COL MEASURE < CSV: the value of one row of a tab CSV ("" when absent)
value() { awk -F, -v v="$1" -v r="$2" -v c="$3" -v m="$4" \
  '$2 == v && $4 == r && $5 == c && $6 == m {print $7}'; }
# count SQL: one number from the store, read by Python (not by panorama)
count() { $PY -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' d.db "$1"; }

# ---- 1. questions that share a name but not a meaning
# Of the demo's variables, exactly these are asked differently by the two forms (label or
# choice list): they come out per network; every other one stays pooled, as before.
for v in type_lien commune en_qpv rythme frequence formalisation profondeur dispositifs objets \
  initiative annee_debut satisfaction perspective freins facteurs reseau; do
  tabcsv "$v" >t.csv
  grep -q "@" t.csv && fail "'$v' is asked alike by both forms but was split by network"
  grep -q "^[a-z_]*,$v," t.csv || fail "'$v' is not pooled under its own name"
done
for v in travaille_avec rep acteurs raisons_non; do
  tabcsv "$v" >t.csv
  grep -q "^[a-z_]*,$v," t.csv && fail "'$v' is pooled across forms that ask it differently"
  grep -q ",$v@centre," t.csv || fail "'$v' has no table for the centres"
  grep -q ",$v@ecole," t.csv || fail "'$v' has no table for the schools"
done
# each network's table counts its own units, under its own wording
tabcsv travaille_avec >t.csv
for side in centre:centre_social ecole:ecole; do
  net=${side%%:*} form=${side#*:}
  for c in oui non; do
    got=$(value "travaille_avec@$net" "$c" "" n <t.csv)
    want=$(count "SELECT count(*) FROM data_$form WHERE travaille_avec = '$c'")
    [ "$got" = "$want" ] || fail "travaille_avec@$net $c: tab says $got, the store holds $want"
  done
done
"$PN_BIN" --db d.db tab travaille_avec >t.txt
centre_label="Votre centre social travaille-t-il avec au moins une école ou un collège"
ecole_label="Votre établissement travaille-t-il avec au moins un centre social"
awk '/^== Centres sociaux ==$/ {s = "c"} /^== Écoles ==$/ {s = "e"} {print s "|" $0}' t.txt >t.sec
grep -q "^c|$centre_label" t.sec || fail "the centres' table is not under the centres' wording"
grep -q "^e|$ecole_label" t.sec || fail "the schools' table is not under the schools' wording"
grep -q "^e|$centre_label" t.sec && fail "the schools' answers are shown under the centres' wording"
grep -q "un tableau par réseau" t.txt || fail "the text does not say why there are two tables"
# a cross-tab by network of such a question would set one wording against the other
expect_exit 2 "$PN_BIN" --db d.db tab rep --by reseau
expect_err "the forms ask 'rep' differently"
expect_exit 2 "$PN_BIN" --db d.db tab reseau --by rep
expect_err "the forms ask 'rep' differently (label or choices): its networks cannot be set side by side in one cross-tab with 'reseau'"
# and a cross-tab by a question both ask alike is split too: each network's own table
tabcsv rep --by en_qpv >t.csv
grep -q "^crosstab,rep@centre,en_qpv," t.csv && grep -q "^crosstab,rep@ecole,en_qpv," t.csv \
  || fail "'rep --by en_qpv' is not one cross-tab per network"

# the workbook: the demo's sheet on travaille_avec holds one table per network, each under
# its own label, with the store's counts, and a chart each
"$PN_BIN" --db d.db report reports/demo.csv -o d.xlsx >/dev/null
$PY "$CHECK_XLSX" d.xlsx --dump >d.dump
sheet="Travail avec l'autre réseau"
awk -v s="== sheet $sheet" '$0 == s {on = 1; next} /^== sheet / {on = 0} on' d.dump >sheet.dump
grep -q "Centres sociaux — Question : $centre_label" sheet.dump || fail "no centres' heading on '$sheet'"
grep -q "Écoles — Question : $ecole_label" sheet.dump || fail "no schools' heading on '$sheet'"
[ "$(grep -c '^chart	pie	' sheet.dump)" -eq 2 ] || fail "'$sheet' does not hold one chart per network"
# the two tables' "Oui" counts, in order: the centres', then the schools'
oui=$(awk -F'\t' '$3 == "Oui" {sub(/^A/, "B", $1); want[$1] = 1; next} ($1 in want) {print $3}' sheet.dump \
  | tr '\n' ' ')
want="$(count "SELECT count(*) FROM data_centre_social WHERE travaille_avec = 'oui'").0 $(count "SELECT count(*) FROM data_ecole WHERE travaille_avec = 'oui'").0 "
[ "$oui" = "$want" ] || fail "'$sheet' counts 'Oui' as '$oui', the store as '$want'"

# ---- 2. filters people need
# ${reseau} in a filter: the schools' obstacles
tabcsv freins --where "\${reseau} = 'ecole'" >t.csv
got=$(value freins "" "" cases <t.csv)
want=$(count "SELECT count(*) FROM data_ecole WHERE freins <> ''")
[ "$got" = "$want" ] || fail "freins where reseau = ecole: $got respondents, the store has $want"
# a question only the schools' form has: the centres' units read it as empty and do not match
tabcsv freins --where "\${type_ecole} = 'college'" >t.csv
got=$(value freins "" "" cases <t.csv)
want=$(count "SELECT count(*) FROM data_ecole WHERE type_ecole = 'college' AND freins <> ''")
[ "$got" = "$want" ] || fail "freins where type_ecole = college: $got respondents, the store has $want"
tabcsv satisfaction --where "\${type_ecole} = ''" >t.csv
got=$(value satisfaction "" "" total <t.csv)
want=$(count "SELECT count(*) FROM data_centre_social__partenaires WHERE satisfaction IS NOT NULL")
[ "$got" = "$want" ] || fail "satisfaction where type_ecole = '': $got links, the centres reported $want"
# a question no stored form has is an input error
expect_exit 3 "$PN_BIN" --db d.db tab freins --where "\${type_etablissement} = 'college'"
expect_err "\${type_etablissement} is not a question of any stored form"
# an unknown variable to tabulate stays a usage error
expect_exit 2 "$PN_BIN" --db d.db tab obstacles --by reseau
expect_err "no question 'obstacles'"

# obstacles by network: a multiple-response cross-tab, checked against an independent count
tabcsv freins --by reseau >t.csv
grep -q '^multi_crosstab,freins,reseau,' t.csv || fail "freins --by reseau is not a multiple-response cross-tab"
grep -q 'chi2' t.csv && fail "a multiple-response cross-tab carries a chi-square"
$PY - d.db t.csv <<'EOF' || fail "freins by reseau differs from the count over the store"
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
got = {(r["row"], r["col"], r["measure"]): float(r["value"] or "nan")
       for r in csv.DictReader(open(sys.argv[2], newline="")) if r["table"] == "multi_crosstab"}
want = {}
for net, table in (("centre", "data_centre_social"), ("ecole", "data_ecole")):
    cases = missing = 0
    ticks = {}
    for (answer,) in db.execute(f"SELECT freins FROM {table} WHERE freins IS NOT NULL"):
        options = set(answer.split())
        if not options:
            missing += 1
            continue
        cases += 1
        for o in options:
            ticks[o] = ticks.get(o, 0) + 1
    want[("", net, "cases")] = cases
    want[("", net, "missing")] = missing
    for o, n in ticks.items():
        want[(o, net, "n")] = n
        want[(o, net, "pct_cases")] = 100.0 * n / cases
bad = 0
for k, v in want.items():
    if k not in got or abs(got[k] - v) > 1e-9 * max(1, abs(v)):
        print(f"{k}: panorama {got.get(k)}, count {v}", file=sys.stderr)
        bad += 1
# cells panorama has and the count has not are options no one ticked
for k, v in got.items():
    if k[1] in ("centre", "ecole") and k not in want and not (k[2] == "n" and v == 0) \
            and not (k[2] == "pct_cases" and v == 0):
        print(f"{k}: panorama {v}, the count has none", file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
EOF
"$PN_BIN" --db d.db tab freins --by reseau >t.txt
grep -q "khi-deux : un répondant compte dans plusieurs lignes" t.txt || fail "the text does not say why there is no chi-square"
grep -q "Khi-deux de Pearson" t.txt && fail "the text shows a chi-square on non-exclusive rows"
# ... and in a workbook: a sheet with the counts, the bases and the % of each column
printf 'kind,sheet,title,var,by\ntable,Freins par réseau,Freins selon le réseau,freins,reseau\n' >fr.csv
"$PN_BIN" --db d.db report fr.csv -o fr.xlsx >/dev/null
$PY "$CHECK_XLSX" fr.xlsx --dump >fr.dump
base=$(count "SELECT count(*) FROM data_ecole WHERE freins <> ''")
grep -q "Répondants (base des %)" fr.dump || fail "the workbook's multiple-response cross-tab has no base"
row=$(awk -F'\t' '$3 == "Répondants (base des %)" {sub(/^A/, "", $1); print $1}' fr.dump)
grep -q "^C$row	n	$base.0	" fr.dump || fail "the schools' base in the workbook is not $base"
$PY "$CHECK_XLSX" fr.xlsx --chart-on "Freins par réseau=bar" || fail "no bar chart of the % by network"

# ---- 3. a filter that matches nothing by mistake
for w in "\${commune} = 'Argenteuil'" "'argenteuil' != \${commune}"; do
  expect_exit 3 "$PN_BIN" --db d.db tab annee_debut --where "$w"
  expect_err "is not a choice name of \${commune}; the choice labelled 'Argenteuil' is named '95018'"
done
expect_exit 3 "$PN_BIN" --db d.db tab type_lien --where "selected(\${freins}, 'le manque de TEMPS')"
expect_err "the choice labelled 'Le manque de temps' is named 'manque_temps'"
expect_exit 3 "$PN_BIN" --db d.db tab type_lien --where "\${commune} = 'Argentuil'"
expect_err "the closest of its 32 choices are '95018' (Argenteuil)"
expect_exit 3 "$PN_BIN" --db d.db tab freins --where "\${reseau} = 'école'"
expect_err "is named 'ecole'"
# the same in a report spec, with its line
printf 'kind,sheet,var,where\ntable,Argenteuil,type_lien,${commune} = '"'"'Argenteuil'"'"'\n' >bad.csv
expect_exit 3 "$PN_BIN" --db d.db report bad.csv -o bad.xlsx
expect_err "bad.csv:2: sheet 'Argenteuil': column 'where': expression"
expect_err "is named '95018'"
# the filter is the spec's column, not an option of tab
grep -qF -- "--where" "$WORK/err" && fail "a report's message names tab's --where: $(cat "$WORK/err")"
[ ! -e bad.xlsx ] || fail "a report with a bad filter wrote a workbook"
# the right name works, and text or number questions take any literal
tabcsv annee_debut --where "\${commune} = '95018'" >/dev/null
tabcsv freins --where "\${nom_structure} = 'Argenteuil'" >/dev/null
echo "figures: ok"
