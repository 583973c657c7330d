#!/usr/bin/env bash
# Issue 3: one real-format file per dialect (KoboToolbox, ODK Central, LimeSurvey, Google
# Forms, a sheet re-saved by Excel on a French system), for the same answers; each imports to
# exactly the same stored answers and the same tables as the plain export.
#
# The fixtures are tests/import/dialects/<dialect>/ (README.md there says what each tool
# writes, with sources); make_fixtures.py wrote them from plain/. Each dialect goes into its
# own fresh store and is compared with a store of plain/:
#   (a) the stored answers: every variable of data_<form> but start and end, by structure
#       identifier; every variable of data_<form>__partenaires with its parent's identifier
#       and position; the structures and the classified links;
#   (b) no rejected row;
#   (c) tables (tab ... --format csv).
# PN_DIALECTS="kobo odk" checks only those (default: all five).
. "$(dirname "$0")/lib.bash"

SRC_FX="$PN_SOURCE_DIR/tests/import/dialects"
DIALECTS=${PN_DIALECTS:-"kobo kobo_xlsx kobo_xlsx_typed odk limesurvey google excel"}
FORMS="centre_social ecole"
TABLES=("type_lien" "rythme --by reseau" "freins" "facteurs" "commune" "type_lien --by rep")

# The checked-in fixtures are what the script writes from plain/ and forms/.
$PY "$SRC_FX/make_fixtures.py" --check >"$WORK/fixtures.log" 2>&1 \
  || fail "tests/import/dialects/ is stale: $(cat "$WORK/fixtures.log"); run /usr/bin/python3 tests/import/dialects/make_fixtures.py"
# Import copies: nothing the program does may touch the checked-in files.
cp -r "$SRC_FX" "$WORK/fx"
FX="$WORK/fx"

# forms each dialect folder holds (the Excel sheet is the ecole form's only)
forms_of() {
  case $1 in
    excel) echo ecole ;;
    *) echo "$FORMS" ;;
  esac
}

# import_dialect DB DIALECT [FORMS]: a fresh store holding that dialect's files.
import_dialect() {
  local db=$1 d=$2 forms=${3:-$(forms_of "$2")} f dir="$FX/$2" log="$WORK/$1.import.log"
  [ "$d" = plain2 ] && dir="$FX/plain"
  "$PN_BIN" --db "$db" init >"$log" 2>&1 || fail "$d: init failed: $(cat "$log")"
  for f in $forms; do
    local cmd=("$PN_BIN" --db "$db" import --form "$f")
    case $d in
      limesurvey) cmd+=(--map "$dir/$f.map.csv" "$dir/$f.csv" "$dir/$f-partenaires.csv") ;;
      excel) cmd+=("$dir/$f.csv" "$dir/$f-partenaires.txt") ;;
      kobo_xlsx*)
        # KoboToolbox's .xlsx export of the same answers: one workbook, the repeat on a sheet
        # of its own, written as formpack writes it (kobo_xlsx.py); _typed: with "store date
        # and number responses as text" off
        local typed=()
        [ "$d" = kobo_xlsx_typed ] && typed=(--typed)
        $PY "$SRC_FX/kobo_xlsx.py" "${typed[@]}" "$PN_SOURCE_DIR/forms/$f.csv" "$FX/kobo/$f.csv" \
          "$FX/kobo/$f-partenaires.csv" "$WORK/$d-$f.xlsx" || fail "kobo_xlsx.py failed"
        cmd+=("$WORK/$d-$f.xlsx")
        ;;
      *) cmd+=("$dir/$f.csv" "$dir/$f-partenaires.csv") ;;
    esac
    echo "\$ panorama ${cmd[*]:1}" >>"$log"
    if ! "${cmd[@]}" >>"$log" 2>&1; then
      echo "--- $d: import of the $f files failed:" >&2
      cat "$log" >&2
      return 1
    fi
  done
}

# q DB SQL: rows in SQLite's quote mode ('text', NULL, numbers), so that NULL (a question
# that does not apply) and '' (left unanswered) differ.
q() { sqlite3 -batch -quote -header "$1" "$2"; }

# columns DB TABLE: the table's variables, except what is not an answer or may differ.
columns() {
  sqlite3 -batch "$1" "SELECT group_concat('\"' || name || '\"', ', ') FROM pragma_table_info('$2')
    WHERE name NOT IN ('submission_id', 'entry_id', 'position', 'entry_key', 'start', 'end')"
}

# dump_answers DB FORMS OUT: the stored answers, in a stable order.
dump_answers() {
  local db=$1 forms=$2 out=$3 f id
  : >"$out"
  for f in $forms; do
    id=uai
    [ "$(sqlite3 "$db" "SELECT count(*) FROM pragma_table_info('data_$f') WHERE name = 'siret'")" = 1 ] && id=siret
    {
      echo "== data_$f"
      q "$db" "SELECT $(columns "$db" "data_$f") FROM \"data_$f\" ORDER BY \"$id\""
      echo "== data_${f}__partenaires"
      q "$db" "SELECT p.\"$id\" AS parent_$id, r.position, $(columns "$db" "data_${f}__partenaires" | sed 's/"\([a-z_]*\)"/r."\1"/g')
        FROM \"data_${f}__partenaires\" r JOIN \"data_$f\" p USING (submission_id)
        ORDER BY p.\"$id\", r.position"
    } >>"$out"
  done
  {
    echo "== submissions"
    q "$db" "SELECT form_id, count(*) FROM submissions GROUP BY form_id ORDER BY form_id"
    # a structure that did not answer takes its name from the partner entries that report
    # it, which may spell it differently; which spelling wins depends on the row order
    echo "== structures"
    q "$db" "SELECT side, ident, CASE WHEN responded THEN name END, commune, en_qpv, code_qpv,
      rep, responded FROM structures ORDER BY side, ident"
    echo "== links"
    q "$db" "SELECT l.form_id, l.reporter_side, l.centre_ident, l.school_ident, l.class
      FROM links l ORDER BY l.form_id, l.centre_ident, l.school_ident, l.class"
  } >>"$out"
}

# dump_tables DB OUT: the tables of the brief, as CSV.
dump_tables() {
  local db=$1 out=$2 t
  : >"$out"
  for t in "${TABLES[@]}"; do
    echo "== tab $t" >>"$out"
    # shellcheck disable=SC2086 # $t holds the arguments
    "$PN_BIN" --db "$db" tab $t --format csv >>"$out" 2>&1 || echo "(tab $t failed)" >>"$out"
  done
}

# same WHAT REF GOT: prints a diff and returns 1 when they differ.
same() {
  if ! cmp -s "$2" "$3"; then
    echo "--- $1 differs (- plain, + dialect):" >&2
    diff -u --label plain --label "$1" "$2" "$3" | head -80 >&2
    return 1
  fi
}

# check DIALECT REFDB: (a), (b), (c) for DIALECT against the plain store REFDB.
check() {
  local d=$1 ref=$2 db="$1.db" forms
  forms=$(forms_of "$d")
  [ "$d" = plain2 ] && forms=$FORMS
  import_dialect "$db" "$d" || return 1
  local ok=0
  dump_answers "$ref" "$forms" "$ref.$d.answers"
  dump_answers "$db" "$forms" "$d.answers"
  same "$d: stored answers" "$ref.$d.answers" "$d.answers" || ok=1
  local nrej
  nrej=$(sqlite3 "$db" "SELECT count(*) FROM rejects")
  if [ "$nrej" != 0 ]; then
    echo "--- $d: $nrej rejected rows:" >&2
    "$PN_BIN" --db "$db" rejects | head -40 >&2
    ok=1
  fi
  dump_tables "$ref" "$ref.$d.tables"
  dump_tables "$db" "$d.tables"
  same "$d: tables" "$ref.$d.tables" "$d.tables" || ok=1
  return $ok
}

# The plain export, once with both forms and once with the ecole form only (the reference
# for the Excel sheet, which holds the ecole form's answers only).
import_dialect plain.db plain || fail "plain/ does not import"
import_dialect plain-ecole.db plain ecole || fail "plain/ does not import"
[ "$(sqlite3 plain.db "SELECT count(*) FROM rejects")" = 0 ] || fail "plain/ has rejected rows"
[ "$(sqlite3 plain.db "SELECT count(*) FROM links")" -gt 0 ] || fail "plain/ stored no link"

# The harness itself: plain/ imported again into another store compares equal.
check plain2 plain.db || fail "plain/ imported twice does not compare equal: the harness is broken"

failed=()
for d in $DIALECTS; do
  ref=plain.db
  [ "$d" = excel ] && ref=plain-ecole.db
  check "$d" "$ref" || failed+=("$d")
done
[ ${#failed[@]} -eq 0 ] || fail "these dialects do not import like plain/: ${failed[*]}"
echo "dialects: ok ($DIALECTS)"
