#!/usr/bin/env bash
# The program's cross-tab figures on the demo data, checked against GNU PSPP's CROSSTABS
# (at full precision, through tests/stats/pspp/fullprec.py) to 1e-9, and its counts
# against the store.
. "$(dirname "$0")/lib.bash"
command -v pspp >/dev/null || fail "pspp is not installed (make deps installs it)"

import_demo p.db
for pair in "type_lien en_qpv" "type_lien commune" "rythme reseau" "satisfaction en_qpv"; do
  set -- $pair
  var=$1 by=$2
  "$PN_BIN" --db p.db tab "$var" --by "$by" --format csv >pn.csv
  # the same cells as weighted cases for PSPP: row code, column code, count
  awk -F, -v OFS=' ' 'NR > 1 && $6 == "n" && $4 != "" && $7 > 0 {
      if (!($4 in r)) r[$4] = ++nr; if (!($5 in c)) c[$5] = ++nc; print r[$4], c[$5], $7 }' \
    pn.csv >cells.txt
  {
    echo "DATA LIST LIST /r c w."
    echo "BEGIN DATA."
    cat cells.txt
    echo "END DATA."
    echo "WEIGHT BY w."
    echo "CROSSTABS /TABLES=r BY c /CELLS=COUNT /STATISTICS=CHISQ PHI."
  } >x.sps
  $PY "$PN_SOURCE_DIR/tests/stats/pspp/fullprec.py" x.sps >pspp.out 2>pspp.err \
    || fail "pspp failed: $(cat pspp.err)"
  $PY - "$var" "$by" <<'PYEOF' || fail "$var by $by differs from PSPP"
import csv, math, sys
var, by = sys.argv[1], sys.argv[2]
ours = {}
for row in csv.DictReader(open("pn.csv")):
    if row["row"] == "" and row["col"] == "" and row["value"] != "":
        ours[row["measure"]] = float(row["value"])
theirs = {}
for line in open("pspp.out"):
    f = line.rstrip("\n").split(",")
    if f[0] == "Pearson Chi-Square":
        theirs["chi2"], theirs["chi2_df"], theirs["chi2_p"] = map(float, f[1:4])
    elif f[0] == "Likelihood Ratio":
        theirs["lr"], theirs["lr_df"], theirs["lr_p"] = map(float, f[1:4])
    elif len(f) > 2 and f[1] == "Cramer's V":
        theirs["cramer_v"] = float(f[2])
    elif f[0] == "N of Valid Cases" and "n" not in theirs:
        theirs["n"] = float(f[1])
assert len(theirs) == 8, "PSPP output not understood: %r" % theirs
bad = []
for k, v in theirs.items():
    o = ours.get(k)
    if o is None or not math.isclose(o, v, rel_tol=1e-9, abs_tol=1e-12):
        bad.append("%s: panorama %r, PSPP %r" % (k, o, v))
if bad:
    sys.exit("%s by %s: %s" % (var, by, "; ".join(bad)))
print("%s by %s: chi2 %.6f df %d p %.6g V %.6f n %d, as PSPP" % (
    var, by, ours["chi2"], ours["chi2_df"], ours["chi2_p"], ours["cramer_v"], ours["n"]))
PYEOF
done

# the agreement of the pairs (tab --pairs): each pair's two answers read from the store with
# sqlite3 (a centre and a school that each report their link once), given to PSPP's
# CROSSTABS /STATISTICS=KAPPA as cases; kappa, its standard error, T and n to 1e-9
for var in type_lien rythme formalisation profondeur; do
  "$PN_BIN" --db p.db tab "$var" --pairs --format csv >pn.csv
  sqlite3 -separator ' ' p.db "
    WITH c AS (SELECT d.siret ci, e.partenaire_id si, e.$var v,
                 count(*) OVER (PARTITION BY d.siret, e.partenaire_id) n
               FROM data_centre_social__partenaires e JOIN data_centre_social d
                 ON d.submission_id = e.submission_id),
         s AS (SELECT e.partenaire_id ci, d.uai si, e.$var v,
                 count(*) OVER (PARTITION BY e.partenaire_id, d.uai) n
               FROM data_ecole__partenaires e JOIN data_ecole d
                 ON d.submission_id = e.submission_id)
    SELECT c.v, s.v FROM c JOIN s ON c.ci = s.ci AND c.si = s.si
    WHERE c.n = 1 AND s.n = 1 AND c.ci <> '' AND c.si <> '' AND c.v <> '' AND s.v <> ''" \
    >pairs.txt
  [ -s pairs.txt ] || fail "$var: no pair in the store"
  {
    echo "DATA LIST LIST /c (A40) s (A40)."
    echo "BEGIN DATA."
    cat pairs.txt
    echo "END DATA."
    echo "CROSSTABS /TABLES=c BY s /CELLS=COUNT /STATISTICS=KAPPA."
  } >k.sps
  $PY "$PN_SOURCE_DIR/tests/stats/pspp/fullprec.py" k.sps >pspp.out 2>pspp.err \
    || fail "pspp failed: $(cat pspp.err)"
  $PY - "$var" <<'PYEOF' || fail "$var --pairs differs from PSPP"
import csv, math, sys
var = sys.argv[1]
ours = {}
for row in csv.DictReader(open("pn.csv")):
    if row["row"] == "" and row["col"] == "" and row["value"] != "":
        ours[row["measure"]] = float(row["value"])
theirs = {}
for line in open("pspp.out"):
    f = line.rstrip("\n").split(",")
    if len(f) > 4 and f[1] == "Kappa":
        theirs["kappa"], theirs["kappa_ase"], theirs["kappa_t"] = map(float, f[2:5])
    elif f[0] == "N of Valid Cases" and "n" not in theirs:
        theirs["n"] = float(f[2] if f[1] == "" else f[1])
assert len(theirs) == 4, "PSPP output not understood: %r" % theirs
bad = ["%s: panorama %r, PSPP %r" % (k, ours.get(k), v) for k, v in theirs.items()
       if ours.get(k) is None or not math.isclose(ours[k], v, rel_tol=1e-9, abs_tol=1e-12)]
if bad:
    sys.exit("%s --pairs: %s" % (var, "; ".join(bad)))
if var == "type_lien" and round(ours["kappa"], 4) != 0.5947:  # DOMAIN.md's figure
    sys.exit("type_lien --pairs: kappa %r, not 0.5947" % ours["kappa"])
print("%s --pairs: kappa %.10f ase %.10f T %.6f over %d pairs, as PSPP" % (
    var, ours["kappa"], ours["kappa_ase"], ours["kappa_t"], ours["n"]))
PYEOF
done

# counts: the class counts of 'tab' are the links the store holds
"$PN_BIN" --db p.db tab type_lien --format csv >freq.csv
for klass in aucun ponctuel cooperation_reguliere dispositif partenariat_formalise; do
  ours=$(awk -F, -v k="$klass" '$4 == k && $6 == "n" {print $7}' freq.csv)
  store=$(sqlite3 p.db "SELECT count(*) FROM links WHERE class = '$klass'")
  [ "$ours" = "$store" ] || fail "type_lien $klass: tab says $ours, the store holds $store"
done
echo "pspp: ok"
