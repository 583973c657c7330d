#!/usr/bin/env bash
# Install the Debian packages panorama needs, only those missing. Uses sudo when not root.
# Safe to run again.
#   tools/install-deps.sh run    what building and running panorama need (make demo, install)
#   tools/install-deps.sh test   the same, the test tools, and the fr_FR.UTF-8 locale the tests
#                                run under (make build, make test); the default
#   tools/install-deps.sh bench  the test set and what make bench compares panorama with:
#                                pandas and XlsxWriter for Debian's python3
#   tools/install-deps.sh --list run|test|bench   print the packages of that set, one a line
# Every library the build links comes from a package named here (tests/check-deps.sh checks
# it): a -dev package that only another one drags in today may not be there on a fresh machine
# (libxlsxwriter-dev's pkg-config file names -lz, yet it does not depend on zlib1g-dev).
set -eu

run_packages=(
  build-essential cmake pkg-config
  libcsv-dev libsqlite3-dev libgsl-dev libxlsxwriter-dev zlib1g-dev libutf8proc-dev
  # coordinates from INSEE's Sirene file (Lambert-93 to WGS 84); proj-data holds proj.db
  libproj-dev proj-data
  # reading .xlsx workbooks: the zip archive and its XML parts (src/util/xlsx.c)
  libzip-dev libexpat1-dev
  # form print: the questionnaire laid out by Pango and drawn to PDF by Cairo, in DejaVu Sans
  # (its italics, for the hints and skip rules, are in fonts-dejavu-extra: without them
  # fontconfig slants the upright face, and the PDF differs from one machine to another)
  libpango1.0-dev libcairo2-dev libharfbuzz-dev libglib2.0-dev fonts-dejavu-core
  fonts-dejavu-extra fontconfig
  # map: Leaflet, inlined into the map's page (src/output/carto_html.c); each town's network
  # drawn by Graphviz (src/output/network.c), whose PNG and SVG plugins are libgvc6's
  libjs-leaflet libgraphviz-dev libgvc6
)
test_packages=(
  libcmocka-dev
  # make fuzz: clang and its libFuzzer runtime (-fsanitize=fuzzer), which clang only recommends
  clang libclang-rt-14-dev
  sqlite3 python3 python3-openpyxl pspp locales time bc
  # tests/import/dialects/kobo_xlsx.py: KoboToolbox's .xlsx export, with the library formpack uses
  python3-xlsxwriter
  # tests/stats/test_secret: an attacker's linear programmes against the masked cells
  libglpk-dev
  # tests/layout: where each function of src/ starts and ends
  universal-ctags
  # tests/e2e/print.sh: the workbook printed to PDF by LibreOffice with two font families,
  # read back with poppler's pdftotext
  libreoffice-calc-nogui poppler-utils fonts-crosextra-carlito
  # tests/e2e/map.sh: GDAL's ogrinfo reads the GeoJSON, headless Chromium draws the page
  gdal-bin chromium
)
bench_packages=(python3-pandas)

list=0
if [ "${1:-}" = "--list" ]; then
  list=1
  shift
fi
case "${1:-test}" in
  run) packages=("${run_packages[@]}") ;;
  test) packages=("${run_packages[@]}" "${test_packages[@]}") ;;
  bench) packages=("${run_packages[@]}" "${test_packages[@]}" "${bench_packages[@]}") ;;
  *)
    echo "usage: tools/install-deps.sh [--list] [run|test|bench]" >&2
    exit 2
    ;;
esac
set_name=${1:-test}
if [ $list -eq 1 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

# sudo resets the environment, so the variable is given to the command itself (through env),
# not to sudo: otherwise a package that asks a question would wait at the keyboard.
as_root=(env DEBIAN_FRONTEND=noninteractive)
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo "${as_root[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

[ "$set_name" != run ] || exit 0
if ! locale -a 2>/dev/null | grep -qi '^fr_FR\.utf-\?8$'; then
  echo "install-deps: generating the fr_FR.UTF-8 locale" >&2
  if [ -f /etc/locale.gen ]; then
    "${as_root[@]}" sed -i 's/^# *\(fr_FR.UTF-8 UTF-8\)/\1/' /etc/locale.gen
    grep -q '^fr_FR.UTF-8 UTF-8' /etc/locale.gen ||
      echo 'fr_FR.UTF-8 UTF-8' | "${as_root[@]}" tee -a /etc/locale.gen >/dev/null
    "${as_root[@]}" locale-gen >&2
  else
    "${as_root[@]}" localedef -i fr_FR -f UTF-8 fr_FR.UTF-8
  fi
fi
