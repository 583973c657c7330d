#!/usr/bin/env bash
# The demo end to end: import the bundled exports, write the workbook, open it with an
# independent reader (openpyxl), and check that nothing depends on the locale.
. "$(dirname "$0")/lib.bash"

# The comparison below means something only if the French locale is really there.
[ "$(LC_ALL=fr_FR.UTF-8 /usr/bin/printf '%.1f' 1.5 2>/dev/null)" = "1,5" ] \
  || fail "the fr_FR.UTF-8 locale is not installed (make deps generates it)"

LC_ALL=C import_demo c.db
LC_ALL=fr_FR.UTF-8 import_demo fr.db

# Import figures: every row is stored or rejected; the three planted bad rows are rejected.
"$PN_BIN" --db x.db init >/dev/null
"$PN_BIN" --db x.db import --form centre_social "$EX/centre_social.csv" \
  "$EX/centre_social-partenaires.csv" >import.out 2>import.err
grep -q "rejected" import.out || fail "no import summary"
rows=$(grep -o '[0-9]* rows\? (' import.out | awk '{s += $1} END {print s}')
# records, not lines: answers may hold line breaks
expected=$($PY -c 'import csv, sys; print(sum(sum(1 for _ in csv.reader(open(f, newline="", encoding="utf-8"))) - 1 for f in sys.argv[1:]))' \
  "$EX/centre_social.csv" "$EX/centre_social-partenaires.csv")
[ "$rows" -eq "$expected" ] || fail "import read $rows rows, the files hold $expected"
"$PN_BIN" --db c.db rejects --format csv >rejects.csv
n=$(($(wc -l <rejects.csv) - 1))
[ "$n" -eq 3 ] || fail "expected the 3 planted bad rows in the rejects, found $n"

# Importing the same files again adds nothing.
"$PN_BIN" --db c.db import --form ecole "$EX/ecole.csv" "$EX/ecole-partenaires.csv" >again.out 2>&1
# Each file's own line: nothing stored, each row already there or rejected again.
for f in ecole.csv ecole-partenaires.csv; do
  line=$(grep -F "$EX/$f: " again.out) || fail "no summary of $f on the second import: $(cat again.out)"
  re=': ([0-9]+) rows \([a-z]+\): 0 stored, ([0-9]+) already in the store, ([0-9]+) rejected$'
  [[ $line =~ $re ]] || fail "the second import stored rows of $f: $line"
  [ "${BASH_REMATCH[1]}" -eq $((BASH_REMATCH[2] + BASH_REMATCH[3])) ] \
    || fail "the second import of $f lost rows: $line"
done

# The workbook, under both locales.
LC_ALL=C "$PN_BIN" --db c.db report reports/demo.csv -o c.xlsx >/dev/null
LC_ALL=fr_FR.UTF-8 LANG=fr_FR.UTF-8 "$PN_BIN" --db fr.db report reports/demo.csv -o fr.xlsx >/dev/null
nitems=$(grep -c '^table,' reports/demo.csv)
npairs=$(grep -c '^pairs,' reports/demo.csv)
ntowns=$(grep -c '^,communes,' forms/centre_social.csv)
# a sheet per table and per pairs record, the cover and the methodology; one chart per table,
# and one per network for travaille_avec, which the two forms word differently (one table per
# network on its sheet); no chart for the pairs; the fiches' figures and a fiche per town
$PY "$CHECK_XLSX" c.xlsx --sheets $((nitems + npairs + 2 + 1 + ntowns)) --charts $((nitems + 1)) \
  || fail "the workbook does not hold its sheets and charts"
$PY "$CHECK_XLSX" c.xlsx --dump >c.dump
$PY "$CHECK_XLSX" fr.xlsx --dump >fr.dump
cmp -s c.dump fr.dump || { diff c.dump fr.dump | head -20 >&2; fail "the workbook differs under fr_FR.UTF-8"; }

# Values in the workbook are the program's figures: the class counts match 'tab'.
LC_ALL=C "$PN_BIN" --db c.db tab type_lien --format csv >c.tab
LC_ALL=fr_FR.UTF-8 "$PN_BIN" --db fr.db tab type_lien --format csv >fr.tab
cmp -s c.tab fr.tab || fail "'tab' differs under fr_FR.UTF-8"
total=$(awk -F, '$6 == "total" {print $7}' c.tab)
links=$(sqlite3 c.db "SELECT count(*) FROM links WHERE class IS NOT NULL")
[ "$total" = "$links" ] || fail "type_lien total $total differs from the $links stored links"
aucun=$(awk -F, '$4 == "aucun" && $6 == "n" {print $7}' c.tab)
structures=$(sqlite3 c.db "SELECT count(*) FROM structures WHERE side='ecole' AND responded=1")
# links counted twice: the pairs of structures, and those that both sides reported
all_links=$(sqlite3 c.db "SELECT count(*) FROM links")
pairs=$(sqlite3 c.db "SELECT count(*) FROM (SELECT DISTINCT centre_ident, school_ident FROM links)")
dyads=$(sqlite3 c.db "SELECT count(*) FROM (SELECT centre_ident, school_ident FROM links
  WHERE reporter_side = 'centre' INTERSECT SELECT centre_ident, school_ident FROM links
  WHERE reporter_side = 'ecole')")
[ "$all_links $pairs $dyads" = "917 567 350" ] \
  || fail "the demo's links, pairs and dyads are $all_links $pairs $dyads, not 917 567 350"
[ $((pairs + dyads)) -eq "$all_links" ] || fail "each link is not one side of a pair"
# the fieldwork period on the cover: from the first answer to the last
[ "$(sqlite3 c.db "SELECT substr(min(submitted), 1, 10) || ' ' || substr(max(submitted), 1, 10)
  FROM submissions")" = "2026-03-02 2026-04-21" ] || fail "the demo's answers span another period"
$PY "$CHECK_XLSX" c.xlsx --cell "Types de liens!A11=\"Total\"" --cell "Types de liens!B11=$links" \
  --cell "Types de liens!A5=\"Aucun lien\"" --cell "Types de liens!B5=$aucun" \
  --cell "Sommaire!B10=$structures" --cell "Sommaire!B12=$all_links" \
  --cell "Sommaire!A13=\"Paires centre social – école distinctes\"" --cell "Sommaire!B13=$pairs" \
  --cell "Sommaire!B14=$dyads" --cell "Sommaire!B15=3" \
  --cell "Sommaire!A5=\"Période de collecte\"" \
  --cell "Liens et QPV!A5=\"Type de lien\"" --cell "Liens et QPV!B5=\"En QPV\"" \
  --cell "Liens et QPV!C5=\"Hors QPV\"" \
  --cell "Sommaire!B5=\"du 2 mars 2026 au 21 avril 2026\"" \
  --chart-on "Types de liens=pie" --chart-on "Liens par commune=stacked-bar" --chart-on "Liens et QPV=stacked" \
  || fail "the workbook's values are not the program's figures"
# the secret statistique (N = 3 by default): no count of 1 or 2 on a table's sheet, masked
# cells shown as 's', the rule stated on the cover
$PY - c.xlsx <<'PY' || fail "the workbook shows a count of 1 or 2, or masks nothing"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
masked = 0
for ws in wb.worksheets:
    if ws.title in ("Sommaire", "Méthodologie"):
        continue
    for row in ws.iter_rows():
        label = str(row[0].value or "")
        if label.startswith(("Khi-deux", "Rapport de vraisemblance")):
            continue  # degrees of freedom, not counts
        for c in row:
            if c.value == "s":
                masked += 1
            elif isinstance(c.value, (int, float)) and c.number_format == "0" and c.value in (1, 2):
                sys.exit("%s!%s: a count of %s is shown" % (ws.title, c.coordinate, c.value))
assert masked > 50, masked
cover = " ".join(str(c.value) for r in wb["Sommaire"].iter_rows() for c in r if c.value)
assert "moins de 3 unités" in cover, cover
# linked tables: a class's count on "Types de liens" and its row total on each cross-tab of
# type_lien are both shown or both masked when they are the same count, and never differ by
# a small count when both are shown
def freq(ws):
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] == "Modalité")
    out = {}
    for r in rows[top + 1:]:
        if r[0] in (None, "Non-réponse", "Total"):
            break
        out[r[0]] = r[1]
    return out
def row_totals(ws):
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] == "Effectifs") + 1
    width = max(j for j, v in enumerate(rows[top]) if v is not None)
    out = {}
    for r in rows[top + 1:]:
        if r[0] in (None, "Total"):
            break
        out[r[0]] = r[width]
    return out
def col_totals(ws):  # the towns in rows: the classes' totals are the counts' Total row
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] == "Effectifs") + 1
    total = next(r for r in rows[top + 1:] if r[0] == "Total")
    return {h: v for h, v in zip(rows[top][1:], total[1:]) if h not in (None, "Total")}
f = freq(wb["Types de liens"])
for sheet in ("Liens par commune", "Liens et QPV"):
    t = (col_totals if sheet == "Liens par commune" else row_totals)(wb[sheet])
    assert set(t) == set(f), (sheet, t, f)
    for k in f:
        a, b = f[k], t[k]
        if "s" in (a, b):
            continue
        assert a == b or abs(a - b) >= 3, (sheet, k, a, b)
PY
# small bases: on "Liens par commune" (towns in rows), a row percentage is in italics exactly
# when its town has fewer than 30 links (the spec's default), and the note says so
$PY - c.xlsx <<'PY' || fail "the small bases are not flagged as they should be"
import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["Liens par commune"]
rows = list(ws.iter_rows())
def block(name):
    top = next(i for i, r in enumerate(rows) if r[0].value == name) + 2
    out = []
    for r in rows[top:]:
        if r[0].value in (None, "Total"):
            return out
        out.append(r)
counts = {r[0].value: r for r in block("Effectifs")}
flagged = 0
for r in block("Pourcentages en ligne (%)"):
    total = counts[r[0].value][6].value
    small = total == "s" or total < 30
    for c in r[1:7]:
        if isinstance(c.value, (int, float)):
            assert bool(c.font.i) == small, (r[0].value, total, c.coordinate)
            flagged += small
assert flagged > 20, flagged
notes = [c.value for r in rows for c in r if isinstance(c.value, str) and c.value.startswith("En italique")]
assert notes == ["En italique : pourcentage calculé sur moins de 30 unités, à interpréter avec prudence."], notes
PY
# the spec's cells column: the expected counts and adjusted residuals of "Liens et QPV" are
# tab's (PSPP-checked in test_stats); its order column: "Freins" the most frequent first
"$PN_BIN" --db c.db tab type_lien --by en_qpv --format csv >qpv.csv
$PY - c.xlsx qpv.csv <<'PY' || fail "the expected counts, residuals or frequency order are wrong"
import csv, math, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
tab = {(r["row"], r["col"], r["measure"]): float(r["value"]) for r in csv.DictReader(open(sys.argv[2]))
       if r["row"] and r["col"]}
rows = list(wb["Liens et QPV"].iter_rows(values_only=True))
for title, measure in (("Effectifs théoriques", "expected"), ("Résidus ajustés", "adj_resid")):
    top = next(i for i, r in enumerate(rows) if str(r[0]).startswith(title))
    assert rows[top + 1][1:3] == ("En QPV", "Hors QPV"), rows[top + 1]
    aucun = rows[top + 2]
    assert aucun[0] == "Aucun lien", aucun
    for j, col in ((1, "oui"), (2, "non")):
        assert math.isclose(aucun[j], tab[("aucun", col, measure)], rel_tol=1e-12), (title, aucun)
counts = []
for r in list(wb["Freins"].iter_rows(values_only=True))[4:]:
    if r[0] == "Total des réponses":
        break
    counts.append(r[1])
shown = [c for c in counts if isinstance(c, (int, float))]
assert counts[:len(shown)] == shown, counts  # a masked one last
assert shown == sorted(shown, reverse=True) and len(shown) > 5, counts
PY

# under every table, as INSEE's: its field, its source and a reading of its first figure; under
# a cross-tab, its non-response
$PY - c.xlsx <<'PY' || fail "a table lacks its Champ, Source or Lecture line"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
for ws in wb.worksheets[1:-1]:
    lines = [r[0] for r in ws.iter_rows(values_only=True) if isinstance(r[0], str)]
    for head in ("Champ : ", "Source : enquête écoles – centres sociaux, Fédération", "Lecture : "):
        assert any(l.startswith(head) for l in lines), (ws.title, head)
    if ws.title in ("Liens par commune", "Liens et QPV"):
        assert "Non-réponse : aucune unité écartée du tableau." in lines, ws.title
        assert any(l.startswith("Champ : liens déclarés par les centres sociaux et les écoles") for l in lines)
ws = wb["Types de liens"]
aucun = next(r for r in ws.iter_rows(values_only=True) if r[0] == "Aucun lien")
want = "Lecture : « Aucun lien » représente %s %% des réponses valides (liens déclarés)." % (
    ("%.1f" % aucun[3]).replace(".", ","))
assert want in [r[0] for r in ws.iter_rows(values_only=True)], want
PY
# the agreement of the pairs: the sheet gives tab --pairs' kappa (DOMAIN.md: 0.5947, 350 pairs)
"$PN_BIN" --db c.db tab type_lien --pairs --format csv >pairs.csv
$PY - c.xlsx pairs.csv <<'PY' || fail "the pairs' sheet is not tab --pairs' figures"
import csv, math, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["Accord sur le type"]
got = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0] and r[1] is not None}
tab = {r["measure"]: float(r["value"]) for r in csv.DictReader(open(sys.argv[2]))
       if r["row"] == "" and r["value"] != ""}
assert got["Paires comparées"] == tab["n"] == 350, (got, tab)
assert math.isclose(got["Kappa de Cohen"], tab["kappa"], rel_tol=1e-12), (got, tab)
assert round(tab["kappa"], 4) == 0.5947, tab
assert math.isclose(got["Erreur type asymptotique"], tab["kappa_ase"], rel_tol=1e-12)
PY

# The methodology says it in words, and a chi-square on link rows carries a warning, in the
# workbook, in 'tab' text and in 'tab' CSV; a cross-tab of questionnaires does not.
grep -qF "Les $all_links liens déclarés relient $pairs paires distinctes d'un centre social et d'une école, dont $dyads déclarées par les deux partenaires" c.dump \
  || fail "the methodology does not say how many pairs the links join"
warning="l'unité de ce tableau est le lien déclaré"
$PY - c.xlsx "$warning" <<'PYEOF' || fail "the cross-tab sheets do not warn as they should"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
def warns(name):
    return any(isinstance(c.value, str) and sys.argv[2] in c.value
               for row in wb[name].iter_rows() for c in row)
assert warns("Liens et QPV") and warns("Liens par commune"), "no warning on a link cross-tab"
assert not warns("Types de liens"), "a warning on a frequency table"
PYEOF
"$PN_BIN" --db c.db tab type_lien --by en_qpv >xt.txt
grep -qF "$warning" xt.txt || fail "'tab type_lien --by en_qpv' does not warn: $(cat xt.txt)"
"$PN_BIN" --db c.db tab type_lien --by en_qpv --format csv >xt.csv
grep -qx "crosstab,type_lien,en_qpv,,,link_unit,1" xt.csv \
  || fail "'tab --format csv' of a link cross-tab has no link_unit row"
"$PN_BIN" --db c.db tab rep --by en_qpv >q.txt
! grep -qF "$warning" q.txt || fail "a cross-tab of questionnaires warns about links"
"$PN_BIN" --db c.db tab rep --by en_qpv --format csv >q.csv
! grep -q link_unit q.csv || fail "a cross-tab of questionnaires has a link_unit row"
# links of one side only count each pair once: a network's own table (a question the forms
# ask differently) or a filter on one network does not warn
"$PN_BIN" --db c.db tab type_lien --by rep --format csv >one.csv
! grep -q link_unit one.csv || fail "a cross-tab split by network has a link_unit row"
"$PN_BIN" --db c.db tab type_lien --by en_qpv --where "\${reseau} = 'centre'" >one.txt
! grep -qF "$warning" one.txt || fail "a cross-tab of the centres' links alone warns"

# Every figure under both locales, text and CSV, for tables of each kind.
same_under_both() {
  LC_ALL=C "$PN_BIN" --db c.db tab "$@" >c.out
  LC_ALL=fr_FR.UTF-8 LANG=fr_FR.UTF-8 "$PN_BIN" --db fr.db tab "$@" >fr.out
  [ -s c.out ] || fail "'tab $*' printed nothing"
  cmp -s c.out fr.out || fail "'tab $*' differs under fr_FR.UTF-8"
}
for fmt in text csv; do
  same_under_both type_lien --by en_qpv --format "$fmt"
  same_under_both freins --format "$fmt"
  same_under_both profondeur --format "$fmt"
  same_under_both type_lien --by commune --format "$fmt"
  same_under_both satisfaction --where "\${rythme} = 'regulier'" --format "$fmt"
done
echo "demo: ok"
