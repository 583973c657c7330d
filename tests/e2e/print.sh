#!/usr/bin/env bash
# The demo workbook as a funder prints it: LibreOffice turns it into a PDF, once with only
# DejaVu Sans and once with only Carlito (Calibri's metrics) to draw with, and each PDF is
# read back word by word (poppler's pdftotext): nothing runs past a page, no text is cut, no
# sheet spills onto a page of its own, and no count from 1 to 2 is printed on a table sheet
# (tests/e2e/pdf_layout.py says how).
. "$(dirname "$0")/lib.bash"

command -v soffice >/dev/null || fail "LibreOffice (soffice) is missing: make deps installs it"
command -v pdftotext >/dev/null || fail "pdftotext is missing: make deps installs poppler-utils"

import_demo p.db
"$PN_BIN" --db p.db report reports/demo.csv -o panorama.xlsx >/dev/null

# One fontconfig set-up per family, holding that family's folder alone: LibreOffice then
# draws the workbook's Calibri with it.
font_dir() {
  local f
  f=$(fc-list -f '%{file}\n' "$1" | head -1)
  [ -n "$f" ] || fail "no font of the family '$1' (make deps installs it)"
  dirname "$f"
}
for family in "DejaVu Sans" "Carlito"; do
  tag=${family// /}
  mkdir -p "$tag/cache" "$tag/out"
  cat >"$tag/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>$(font_dir "$family")</dir>
  <cachedir>$WORK/$tag/cache</cachedir>
</fontconfig>
EOF
  FONTCONFIG_FILE="$WORK/$tag/fonts.conf" HOME="$WORK/$tag" timeout 300 soffice \
    -env:UserInstallation="file://$WORK/$tag/profile" --headless --norestore \
    --convert-to pdf --outdir "$tag/out" panorama.xlsx >"$tag/soffice.log" 2>&1 \
    || fail "LibreOffice could not print the workbook with $family: $(cat "$tag/soffice.log")"
  pdf="$tag/out/panorama.pdf"
  [ -s "$pdf" ] || fail "LibreOffice wrote no PDF with $family: $(cat "$tag/soffice.log")"
  # the family really drawn, and no other
  fonts=$(pdffonts "$pdf" | awk 'NR > 2 {sub(/^[A-Z]+\+/, "", $1); print $1}' | sort -u)
  want=${family%% *} # DejaVu Sans: also its Serif italic when no Sans oblique is installed
  echo "$fonts" | grep -q "^$want" || fail "the PDF printed with $family uses: $fonts"
  if echo "$fonts" | grep -v "^$want" | grep -q .; then
    fail "the PDF printed with $family also uses: $(echo "$fonts" | grep -v "^$want")"
  fi
  pdftotext -bbox "$pdf" "$tag/words.html"
  $PY "$PN_SOURCE_DIR/tests/e2e/pdf_layout.py" panorama.xlsx "$pdf" "$tag/words.html" \
    || fail "the workbook does not print right with $family"
done
echo "print: the workbook prints within its pages with DejaVu Sans and with Carlito"
