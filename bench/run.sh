#!/usr/bin/env bash
# make bench: national scale (1,000,000 reported links by default).
# Times panorama's import and report, and, on the same files in the same run, the reference
# `sqlite3 .import` (the SQLite shell loading the CSV files into plain tables, no checks).
# Prints wall time, peak resident memory (GNU time) and throughput.
set -euo pipefail
BUILD=${1:-build}
LINKS=${PN_BENCH_LINKS:-1000000}
DATA=bench/data
PN="$BUILD/panorama"
mkdir -p "$DATA"

if [ ! -f "$DATA/links-$LINKS" ]; then
  echo "bench: generating $LINKS reported links into $DATA ..." >&2
  rm -f "$DATA"/*.csv "$DATA"/links-*
  "$BUILD/pn-generate" national "$DATA" "$LINKS"
  touch "$DATA/links-$LINKS"
fi
rm -f "$DATA/bench.db" "$DATA/ref.db" "$DATA/bench.xlsx"

files=("$DATA/centre_social.csv" "$DATA/centre_social-partenaires.csv" "$DATA/ecole.csv"
  "$DATA/ecole-partenaires.csv")
bytes=$(cat "${files[@]}" | wc -c)
rows=$(( $(cat "${files[@]}" | wc -l) - 4 ))

# run NAME CMD...: time CMD with GNU time; appends "NAME seconds peak_kib" to results
results=()
run() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$DATA/time.out" "$@" >"$DATA/$name.log" 2>&1 \
    || { cat "$DATA/$name.log" >&2; echo "bench: $name failed" >&2; exit 1; }
  results+=("$name $(cat "$DATA/time.out")")
}

"$PN" --db "$DATA/bench.db" init >/dev/null
run "panorama-import-centres" "$PN" --db "$DATA/bench.db" import --form centre_social \
  "$DATA/centre_social.csv" "$DATA/centre_social-partenaires.csv"
run "panorama-import-ecoles" "$PN" --db "$DATA/bench.db" import --form ecole \
  "$DATA/ecole.csv" "$DATA/ecole-partenaires.csv"
run "panorama-report" "$PN" --db "$DATA/bench.db" report reports/demo.csv -o "$DATA/bench.xlsx"
run "sqlite3-import" sqlite3 "$DATA/ref.db" \
  ".mode csv" \
  ".import ${files[0]} centres" ".import ${files[1]} centres_partenaires" \
  ".import ${files[2]} ecoles" ".import ${files[3]} ecoles_partenaires"

links=$(sqlite3 "$DATA/bench.db" "SELECT count(*) FROM links")
rejected=$(sqlite3 "$DATA/bench.db" "SELECT count(*) FROM rejects")
printf '\nbench: %s rows in 4 files, %.1f MB; panorama stored %s links, rejected %s rows\n' \
  "$rows" "$(echo "$bytes / 1000000" | bc -l)" "$links" "$rejected"
printf '%-26s %10s %12s %14s\n' step seconds "peak MiB" "rows/s"
imp=0 impmem=0
for r in "${results[@]}"; do
  set -- $r
  rate=-
  case $1 in
  panorama-import-*) imp=$(echo "$imp + $2" | bc -l); [ "$3" -gt "$impmem" ] && impmem=$3 ;;
  sqlite3-import) ref=$2 ;;
  esac
  [ "$1" = sqlite3-import ] && rate=$(printf '%.0f' "$(echo "$rows / $2" | bc -l)")
  printf '%-26s %10.2f %12.1f %14s\n' "$1" "$2" "$(echo "$3 / 1024" | bc -l)" "$rate"
done
printf '%-26s %10.2f %12.1f %14.0f\n' "panorama-import (total)" "$imp" \
  "$(echo "$impmem / 1024" | bc -l)" "$(echo "$rows / $imp" | bc -l)"
printf 'panorama import / sqlite3 .import: %.2fx the time\n' "$(echo "$imp / $ref" | bc -l)"
printf 'store: %.1f MB (sqlite3 .import: %.1f MB)\n' \
  "$(echo "$(stat -c %s "$DATA/bench.db") / 1000000" | bc -l)" \
  "$(echo "$(stat -c %s "$DATA/ref.db") / 1000000" | bc -l)"
