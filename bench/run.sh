#!/usr/bin/env bash
# make bench: national scale (1,000,000 reported links by default).
# Times panorama's import and, on the same files in the same run, the reference
# `sqlite3 .import` (the SQLite shell loading the CSV files into plain tables, no checks),
# then panorama's report. Prints wall time, peak resident memory (GNU time) and throughput.
# Also the whole pipeline, from the exports to the workbook (init, both imports, the report
# of reports/demo.csv), beside bench/pandas_report.py, which reads the same files with pandas
# and writes the same 11 tables and a workbook with XlsxWriter (Debian's python3-pandas and
# python3-xlsxwriter, run by Debian's python3: tools/install-deps.sh bench installs them);
# and single `tab` commands. Prints the ratios panorama / sqlite3 and panorama / pandas, and
# whether the report (under 1 s) and each `tab` (under 0.15 s) are as fast as they must be;
# and the report again with the secret statistique off (the spec's secret 0): what disclosure
# control costs, at most twice the time, with a peak under 64 MiB.
#
# A shared machine's speed drifts by a fifth or more from one minute to the next, so one
# timing of each says little: they are timed in turn, PN_BENCH_RUNS rounds (3 by
# default), each import into a new project file, and the figures are the medians, each
# ratio being the median of each round's own ratio.
#
# Then the registry: the whole Annuaire de l'éducation's size (65,000 schools, generated),
# imported into a new project file (under 2 s), again (nothing changes), and beside it the same
# file through `sqlite3 .import`.
#
# Then two hostile sizes (generated, timed once each; both were quadratic and must stay well
# under a second): a header of 100,000 columns, none of them a question, and one of 100,000
# columns beside the form's own, both refused (and the first against a form of 1,900
# questions, where most of the time goes to SQLite creating its tables); a choice list of 40,000 communes in both forms
# (the 35,000 communes of France are a real case), with the bundled answers imported and
# tabulated, and the national schools' answers imported with the commune's label.
set -euo pipefail
export LC_ALL=C # numbers printed with a dot, whatever the user's locale
BUILD=${1:-build}
LINKS=${PN_BENCH_LINKS:-1000000}
RUNS=${PN_BENCH_RUNS:-3}
DATA=bench/data
PN="$BUILD/panorama"
PYTHON=${PN_BENCH_PYTHON:-/usr/bin/python3} # Debian's, with its pandas and XlsxWriter
mkdir -p "$DATA"

if [ ! -f "$DATA/links-$LINKS" ]; then
  echo "bench: generating $LINKS reported links into $DATA ..." >&2
  rm -f "$DATA"/*.csv "$DATA"/links-*
  "$BUILD/pn-generate" national "$DATA" "$LINKS"
  touch "$DATA/links-$LINKS"
fi

files=("$DATA/centre_social.csv" "$DATA/centre_social-partenaires.csv" "$DATA/ecole.csv"
  "$DATA/ecole-partenaires.csv")
bytes=$(cat "${files[@]}" | wc -c)
rows=$(( $(cat "${files[@]}" | wc -l) - 4 ))

# run NAME CMD...: time CMD with GNU time; sets $secs (wall), $kib and $cpu (user + system)
run() {
  local name=$1 usr sys
  shift
  /usr/bin/time -f "%e %M %U %S" -o "$DATA/time.out" "$@" >"$DATA/$name.log" 2>&1 \
    || { cat "$DATA/$name.log" >&2; echo "bench: $name failed" >&2; exit 1; }
  read -r secs kib usr sys <"$DATA/time.out"
  cpu=$(echo "$usr + $sys" | bc -l)
}

# median of the numbers given
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

centres=() ecoles=() totals=() refs=() ratios=() impmem=0
inits=() reports=() repcpus=() pipes=() pandas=() pratios=() sratios=() repmem=0 pdmem=0
plain=() plainmem=0
# the demo spec with the secret statistique off (its workbook record's secret 0), to weigh what
# disclosure control costs the report
sed -e '1s/^/secret,/' -e '2s/^/0,/' -e '3,$s/^/,/' reports/demo.csv >"$DATA/nosecret.csv"
cp reports/methodologie.txt "$DATA/methodologie.txt"
for round in $(seq 1 "$RUNS"); do
  rm -f "$DATA/bench.db" "$DATA/ref.db" "$DATA/bench.xlsx" "$DATA/pandas.xlsx"
  run "panorama-init" "$PN" --db "$DATA/bench.db" init
  i=$secs
  run "panorama-import-centres" "$PN" --db "$DATA/bench.db" import --form centre_social \
    "$DATA/centre_social.csv" "$DATA/centre_social-partenaires.csv"
  c=$secs
  [ "$kib" -gt "$impmem" ] && impmem=$kib
  run "panorama-import-ecoles" "$PN" --db "$DATA/bench.db" import --form ecole \
    "$DATA/ecole.csv" "$DATA/ecole-partenaires.csv"
  e=$secs
  [ "$kib" -gt "$impmem" ] && impmem=$kib
  run "sqlite3-import" sqlite3 "$DATA/ref.db" \
    ".mode csv" \
    ".import ${files[0]} centres" ".import ${files[1]} centres_partenaires" \
    ".import ${files[2]} ecoles" ".import ${files[3]} ecoles_partenaires"
  r=$secs refmem=$kib
  run "panorama-report" "$PN" --db "$DATA/bench.db" report reports/demo.csv -o "$DATA/bench.xlsx"
  rp=$secs
  repcpus+=("$cpu")
  [ "$kib" -gt "$repmem" ] && repmem=$kib
  run "panorama-report-nosecret" "$PN" --db "$DATA/bench.db" report "$DATA/nosecret.csv" \
    -o "$DATA/nosecret.xlsx"
  plain+=("$secs")
  [ "$kib" -gt "$plainmem" ] && plainmem=$kib
  run "pandas-report" "$PYTHON" bench/pandas_report.py forms "$DATA" "$DATA/pandas.xlsx"
  pd=$secs
  [ "$kib" -gt "$pdmem" ] && pdmem=$kib
  t=$(echo "$c + $e" | bc -l)
  pipe=$(echo "$i + $c + $e + $rp" | bc -l)
  centres+=("$c") ecoles+=("$e") totals+=("$t") refs+=("$r")
  inits+=("$i") reports+=("$rp") pipes+=("$pipe") pandas+=("$pd")
  ratios+=("$(echo "$t / $r" | bc -l)")
  sratios+=("$(echo "$pipe / $r" | bc -l)") pratios+=("$(echo "$pipe / $pd" | bc -l)")
  printf 'bench: round %d of %d: panorama import %.2f s, sqlite3 .import %.2f s (%.2fx);' \
    "$round" "$RUNS" "$t" "$r" "$(echo "$t / $r" | bc -l)" >&2
  printf ' pipeline %.2f s (report %.2f s), pandas %.2f s (%.2fx)\n' "$pipe" "$rp" "$pd" \
    "$(echo "$pipe / $pd" | bc -l)" >&2
done
report=$(median "${reports[@]}")

# single tables, as `tab` prints them: a question of the links, one of the structures, a
# cross-tab with a question of the link's answer, a multiple choice, a filter
tabs=("type_lien" "rythme" "travaille_avec" "type_lien --by commune" "dispositifs"
  "satisfaction --where \${rythme} = 'regulier'")
tabsecs=() tabcpus=()
# the last round's import has just written the store: let the system write it out first, so
# that the tables are timed and not the write-back running beside them
sync
for tb in "${tabs[@]}"; do
  ts=() tc=()
  for round in $(seq 1 "$RUNS"); do
    if [[ $tb == *--where* ]]; then
      run "panorama-tab" "$PN" --db "$DATA/bench.db" tab "${tb%% *}" --where "${tb#*--where }"
    else
      # shellcheck disable=SC2086 # the words of the command
      run "panorama-tab" "$PN" --db "$DATA/bench.db" tab $tb
    fi
    ts+=("$secs") tc+=("$cpu")
  done
  tabsecs+=("$(median "${ts[@]}")") tabcpus+=("$(median "${tc[@]}")")
done

links=$(sqlite3 "$DATA/bench.db" "SELECT count(*) FROM links")
rejected=$(sqlite3 "$DATA/bench.db" "SELECT count(*) FROM rejects")
printf '\nbench: %s rows in 4 files, %.1f MB; panorama stored %s links, rejected %s rows\n' \
  "$rows" "$(echo "$bytes / 1000000" | bc -l)" "$links" "$rejected"
printf 'times: medians of %d rounds (each: panorama, then sqlite3, on the same files); memory: the highest peak\n' "$RUNS"
printf '%-26s %10s %12s %14s\n' step seconds "peak MiB" "rows/s"
ref=$(median "${refs[@]}") imp=$(median "${totals[@]}")
printf '%-26s %10.2f %12s %14s\n' panorama-import-centres "$(median "${centres[@]}")" - -
printf '%-26s %10.2f %12s %14s\n' panorama-import-ecoles "$(median "${ecoles[@]}")" - -
printf '%-26s %10.2f %12.1f %14.0f\n' "panorama-import (total)" "$imp" \
  "$(echo "$impmem / 1024" | bc -l)" "$(echo "$rows / $imp" | bc -l)"
printf '%-26s %10.2f %12.1f %14.0f\n' sqlite3-import "$ref" "$(echo "$refmem / 1024" | bc -l)" \
  "$(echo "$rows / $ref" | bc -l)"
printf '%-26s %10.2f %12.1f %14s\n' "panorama-report" "$report" \
  "$(echo "$repmem / 1024" | bc -l)" -
printf '%-26s %10.2f %12.1f %14s\n' "panorama-report, no secret" "$(median "${plain[@]}")" \
  "$(echo "$plainmem / 1024" | bc -l)" -
printf '%-26s %10.2f %12s %14s\n' "panorama-init" "$(median "${inits[@]}")" - -
printf '%-26s %10.2f %12s %14.0f\n' "panorama-pipeline" "$(median "${pipes[@]}")" - \
  "$(echo "$rows / $(median "${pipes[@]}")" | bc -l)"
printf '%-26s %10.2f %12.1f %14.0f\n' "pandas-report" "$(median "${pandas[@]}")" \
  "$(echo "$pdmem / 1024" | bc -l)" "$(echo "$rows / $(median "${pandas[@]}")" | bc -l)"
for k in "${!tabs[@]}"; do
  printf '%-26s %10.2f %12s %14s\n' "tab ${tabs[$k]%% \$\{*}" "${tabsecs[$k]}" - -
done
# sorted values, for the spread
spread() { printf '%s\n' "$@" | sort -g | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }'; }
printf 'panorama import / sqlite3 .import: %.2fx the time (median of the rounds; %s)\n' \
  "$(median "${ratios[@]}")" "$(spread "${ratios[@]}")"
printf 'panorama pipeline (init, imports, report) / sqlite3 .import: %.2fx (%s)\n' \
  "$(median "${sratios[@]}")" "$(spread "${sratios[@]}")"
printf 'panorama pipeline / pandas (the same files to the same tables and a workbook): %.2fx (%s)\n' \
  "$(median "${pratios[@]}")" "$(spread "${pratios[@]}")"
slowest=$(printf '%s\n' "${tabsecs[@]}" | sort -g | tail -1)
# on a busy machine the wall time is the processor's share, not the work: the work is the
# processor time (user + system), printed beside it
printf 'processor time (user + system, medians): report %.2f s; tab %s s\n' \
  "$(median "${repcpus[@]}")" "$(printf '%s\n' "${tabcpus[@]}" |
    awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }')"
printf 'targets: report %.2f s (under 1 s: %s); slowest tab %.2f s (under 0.15 s: %s)\n' \
  "$report" "$(echo "$report < 1" | bc -l | sed 's/1/yes/; s/0/no/')" "$slowest" \
  "$(echo "$slowest < 0.15" | bc -l | sed 's/1/yes/; s/0/no/')"
secret_ratio=$(echo "$report / $(median "${plain[@]}")" | bc -l)
printf 'secret statistique: report %.2f s with it, %.2f s without: %.2fx (at most 2x: %s); peak %.1f MiB (under 64: %s)\n' \
  "$report" "$(median "${plain[@]}")" "$secret_ratio" \
  "$(echo "$secret_ratio <= 2" | bc -l | sed 's/1/yes/; s/0/no/')" "$(echo "$repmem / 1024" | bc -l)" \
  "$(echo "$repmem < 65536" | bc -l | sed 's/1/yes/; s/0/no/')"
printf 'store: %.1f MB (sqlite3 .import: %.1f MB)\n' \
  "$(echo "$(stat -c %s "$DATA/bench.db") / 1000000" | bc -l)" \
  "$(echo "$(stat -c %s "$DATA/ref.db") / 1000000" | bc -l)"

# ---- the registry: the whole Annuaire de l'éducation (65,000 schools) ----
[ -f "$DATA/annuaire.csv" ] || "$BUILD/pn-generate" annuaire "$DATA/annuaire.csv" 65000
ann=() again=() annref=() annmem=0
for round in $(seq 1 "$RUNS"); do
  rm -f "$DATA/registry.db" "$DATA/registry-ref.db"
  run "panorama-init" "$PN" --db "$DATA/registry.db" init
  run "panorama-structures-import" "$PN" --db "$DATA/registry.db" structures import \
    "$DATA/annuaire.csv"
  ann+=("$secs")
  [ "$kib" -gt "$annmem" ] && annmem=$kib
  run "panorama-structures-again" "$PN" --db "$DATA/registry.db" structures import \
    "$DATA/annuaire.csv"
  again+=("$secs")
  run "sqlite3-import-annuaire" sqlite3 "$DATA/registry-ref.db" ".mode csv" ".separator ;" \
    ".import $DATA/annuaire.csv annuaire"
  annref+=("$secs")
done
grep -q ': 0 added, 0 updated, 65000 unchanged' "$DATA/panorama-structures-again.log" \
  || { echo "bench: importing the Annuaire again changed the registry" >&2; exit 1; }
a=$(median "${ann[@]}")
printf '\nregistry: the whole Annuaire (65,000 schools, %.1f MB): structures import %.2f s (under 2 s: %s), peak %.1f MiB; again (nothing changes) %.2f s; sqlite3 .import %.2f s: %.2fx\n' \
  "$(echo "$(stat -c %s "$DATA/annuaire.csv") / 1000000" | bc -l)" "$a" \
  "$(echo "$a < 2" | bc -l | sed 's/1/yes/; s/0/no/')" "$(echo "$annmem / 1024" | bc -l)" \
  "$(median "${again[@]}")" "$(median "${annref[@]}")" "$(echo "$a / $(median "${annref[@]}")" | bc -l)"

# ---- hostile sizes ----
H="$DATA/hostile"
rm -rf "$H"
mkdir -p "$H/forms"
awk 'BEGIN { n = 100000
  for (i = 0; i < n; i++) printf "%scol%d", (i ? "," : ""), i; print ""
  for (i = 0; i < n; i++) printf "%sv%d", (i ? "," : ""), i; print "" }' >"$H/unknown.csv"
{ printf '%s' "$(head -1 examples/centre_social.csv)"
  awk 'BEGIN { for (i = 0; i < 99980; i++) printf ",extra%d", i; print "" }'
  printf '%s' "$(sed -n 2p examples/centre_social.csv)"
  awk 'BEGIN { for (i = 0; i < 99980; i++) printf ",x"; print "" }'
} >"$H/fewmatch.csv"
for f in centre_social ecole; do
  awk 'BEGIN { done = 0 }
    { if (!done && prev ~ /^,communes,/ && $0 !~ /^,communes,/) {
        for (i = 1; i <= 40000 - 32; i++) printf ",communes,x%05d,Commune fictive %d\n", i, i
        done = 1 }
      print; prev = $0 }' "forms/$f.csv" >"$H/forms/$f.csv"
done
"$PN" --db "$H/h.db" init >/dev/null
# hostile NAME EXPECTED-EXIT CMD...: time CMD once, check its exit status, print the line
hostile() {
  local name=$1 want=$2 got=0
  shift 2
  /usr/bin/time -f "%e %M" -o "$DATA/time.out" "$@" >"$H/$name.log" 2>&1 || got=$?
  [ "$got" -eq "$want" ] || { cat "$H/$name.log" >&2; echo "bench: $name exited $got" >&2; exit 1; }
  read -r secs kib < <(tail -1 "$DATA/time.out") # after "Command exited with non-zero status"
  printf '%-44s %10.2f %12.1f\n' "$name" "$secs" "$(echo "$kib / 1024" | bc -l)"
}
printf '\nhostile sizes (one run each)\n%-44s %10s %12s\n' step seconds "peak MiB"
hostile "header-100000-unknown (refused)" 3 "$PN" --db "$H/h.db" import --form centre_social \
  "$H/unknown.csv"
hostile "header-100000-few-match (refused)" 3 "$PN" --db "$H/h.db" import --form centre_social \
  --map "$H/fewmatch.map" "$H/fewmatch.csv"
hostile "header-100000-with-its-map" 3 "$PN" --db "$H/h.db" import --form centre_social \
  --map "$H/fewmatch.map" "$H/fewmatch.csv"
# the same header against a form of 1,900 questions (near SQLite's 2,000 columns a table)
mkdir -p "$H/forms-wide"
awk '{ print }
  /^,end,end,/ && !done { print ",begin_group,extra,Questions en plus,,,,,,,"
    for (i = 1; i <= 1900; i++) printf ",text,q%d,Question supplémentaire %d,,,,,,,\n", i, i
    print ",end_group,,,,,,,,,"; done = 1 }' forms/centre_social.csv >"$H/forms-wide/centre_social.csv"
"$PN" --db "$H/wide.db" init >/dev/null
hostile "header-100000-form-1900-questions (refused)" 3 "$PN" --db "$H/wide.db" import \
  --forms "$H/forms-wide" --form centre_social "$H/unknown.csv"
hostile "list-40000-import-centres" 0 "$PN" --db "$H/h.db" import --forms "$H/forms" \
  --form centre_social examples/centre_social.csv examples/centre_social-partenaires.csv
hostile "list-40000-import-ecoles" 0 "$PN" --db "$H/h.db" import --forms "$H/forms" --form ecole \
  examples/ecole.csv examples/ecole-partenaires.csv
hostile "list-40000-tab-commune" 0 "$PN" --db "$H/h.db" tab commune
hostile "list-40000-tab-commune-by-reseau" 0 "$PN" --db "$H/h.db" tab commune --by reseau
hostile "list-40000-tab-annee_debut" 0 "$PN" --db "$H/h.db" tab annee_debut
# the national schools' answers with the commune as its label (as Google Forms writes a
# choice), each looked up among the 40,000 labels
python3 - "$DATA/ecole.csv" "$H/forms/ecole.csv" "$H/ecole-labels.csv" <<'PY'
import csv, sys
labels = {}
with open(sys.argv[2], encoding="utf-8") as f:
    for r in csv.reader(f):
        if len(r) > 3 and r[1] == "communes":
            labels[r[2]] = r[3]
with open(sys.argv[1], encoding="utf-8") as f:
    rows = list(csv.reader(f))
i = rows[0].index("commune")
for r in rows[1:]:
    r[i] = labels.get(r[i], r[i])
with open(sys.argv[3], "w", encoding="utf-8", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(rows)
PY
"$PN" --db "$H/labels.db" init >/dev/null
hostile "list-40000-import-labels ($(($(wc -l <"$H/ecole-labels.csv") - 1)) rows)" 0 "$PN" \
  --db "$H/labels.db" import --forms "$H/forms" --form ecole "$H/ecole-labels.csv"

# ---- the map: 100,000 links, uMap and GeoJSON in one run (under 2 s), beside sqlite3 writing
# the same links and places as JSON; one département's page opened in headless Chromium
# (under 3 s), beside Chromium opening an empty page ----
M="$DATA/map"
if [ ! -f "$M/links-100000" ]; then
  rm -rf "$M" && mkdir -p "$M"
  "$BUILD/pn-generate" national "$M" 100000 >/dev/null
  "$PYTHON" bench/map_registry.py "$M"
  "$PN" --db "$M/m.db" init >/dev/null
  "$PN" --db "$M/m.db" import --form centre_social "$M/centre_social.csv" \
    "$M/centre_social-partenaires.csv" >/dev/null 2>&1
  "$PN" --db "$M/m.db" import --form ecole "$M/ecole.csv" "$M/ecole-partenaires.csv" >/dev/null 2>&1
  "$PN" --db "$M/m.db" structures import "$M/map-ecoles.csv" "$M/map-centres.csv" >/dev/null
  touch "$M/links-100000"
fi
run "panorama-map" "$PN" --db "$M/m.db" map -o "$M/carte.umap" -o "$M/carte.geojson"
map_s=$secs map_kib=$kib
run "sqlite3-map-json" sqlite3 -json "$M/m.db" "SELECT l.*, c.latitude, c.longitude, s.latitude,
  s.longitude, c.name, s.name FROM links l JOIN registry c ON c.side = 'centre' AND c.ident =
  l.centre_ident JOIN registry s ON s.side = 'ecole' AND s.ident = l.school_ident"
ref_s=$secs
run "panorama-map-dept" "$PN" --db "$M/m.db" map --where "starts-with(\${commune}, '01')" \
  -o "$M/dept.html"
echo '<html><body data-liens="0"></body></html>' >"$M/empty.html"
chrome=(timeout 120 chromium --headless=new --no-sandbox --disable-gpu --no-first-run
  --user-data-dir="$M/chromium" --dump-dom)
run "chromium-empty" "${chrome[@]}" "file://$(pwd)/$M/empty.html"
empty_s=$secs
run "chromium-dept" "${chrome[@]}" "file://$(pwd)/$M/dept.html"
page_s=$secs
grep -q 'data-liens="[1-9]' "$DATA/chromium-dept.log" || { echo "bench: the page drew no link" >&2; exit 1; }
printf '\nmap: %s; uMap + GeoJSON %.2f s (under 2 s: %s), peak %.1f MiB; sqlite3 -json of the links %.2f s: %.2fx\n' \
  "$(tail -n 1 "$DATA/panorama-map.log" | cut -d';' -f2)" "$map_s" \
  "$(echo "$map_s < 2" | bc -l | sed 's/1/yes/;s/0/no/')" "$(echo "$map_kib / 1024" | bc -l)" \
  "$ref_s" "$(echo "$map_s / $ref_s" | bc -l)"
printf 'map: one département'"'"'s page (%s) opened in Chromium %.2f s (under 3 s: %s), an empty page %.2f s\n' \
  "$(grep -o '[0-9]* links drawn' "$DATA/panorama-map-dept.log")" "$page_s" \
  "$(echo "$page_s < 3" | bc -l | sed 's/1/yes/;s/0/no/')" "$empty_s"
