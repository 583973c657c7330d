# Shared by the end-to-end tests: run by ctest with PN_BIN, PN_SOURCE_DIR set.
set -euo pipefail
: "${PN_BIN:?PN_BIN is set by ctest}"
: "${PN_SOURCE_DIR:?PN_SOURCE_DIR is set by ctest}"
PY=/usr/bin/python3 # Debian's, with python3-openpyxl
CHECK_XLSX="$PN_SOURCE_DIR/tests/report/check_xlsx.py"
EX="$PN_SOURCE_DIR/examples"
WORK=$(mktemp -d /tmp/pn_e2e.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
cp -r "$PN_SOURCE_DIR/forms" "$PN_SOURCE_DIR/reports" .
# the slow unwinder: Graphviz, Pango and fontconfig are built without frame pointers, and
# their own leaks (tests/lsan.supp) are known by frames only it reaches; every report with
# fiches draws through them
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
# a leak of libxlsxwriter's own (tests/lsan.supp says which)
export LSAN_OPTIONS=suppressions=$PN_SOURCE_DIR/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_exit CODE CMD...: run CMD, check its exit code; its stderr is left in $WORK/err.
expect_exit() {
  local want=$1
  shift
  set +e
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  set -e
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(cat "$WORK/err")"
}

# expect_err TEXT: the last command's stderr holds TEXT.
expect_err() {
  grep -qF -- "$1" "$WORK/err" || fail "stderr lacks '$1'; it was: $(cat "$WORK/err")"
}

# The demo flow into DB ($1): init, both forms, both files each.
import_demo() {
  "$PN_BIN" --db "$1" init >/dev/null
  "$PN_BIN" --db "$1" import --form centre_social "$EX/centre_social.csv" \
    "$EX/centre_social-partenaires.csv" >/dev/null 2>&1
  "$PN_BIN" --db "$1" import --form ecole "$EX/ecole.csv" "$EX/ecole-partenaires.csv" \
    >/dev/null 2>&1
}
