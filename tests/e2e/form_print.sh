#!/usr/bin/env bash
# `panorama form print`: the printable questionnaire of each form, blank and for a structure of
# the registry, read back with poppler (pdfinfo, pdftotext): A4 pages, "Page k sur N", every
# label of the form (its title, groups, questions, notes and choices) printed, the partners'
# questions once per partner's sheet, the skip rules in words, the structure's identity
# pre-printed, French typography (no line begins with a sign that takes a no-break space
# before it), the same file whatever the locale; then the invocations that must fail, and
# leave no file behind. The checker is first shown to catch a label the PDF lacks.
. "$(dirname "$0")/lib.bash"

"$PN_BIN" --db p.db init >/dev/null
"$PN_BIN" --db p.db structures import "$EX/annuaire.csv" "$EX/centres.csv" >/dev/null

# check.py FORM.csv TEXT.txt PAGES [NAME IDENT COMMUNE]: every label FORM prints is in TEXT
cat >check.py <<'PY'
import csv, re, sys

form, text_path, pages = sys.argv[1:4]
who = sys.argv[4:7]  # the structure's name, identifier and commune, when printed for one
raw = open(text_path, encoding="utf-8").read()
flat = re.sub(r"\s+", "", raw)  # pdftotext breaks lines (and turns no-break spaces to spaces)
def squash(s):
    return re.sub(r"\s+", "", s)
bad = []
def need(s, what, times=1):
    n = flat.count(squash(s))
    if n < times:
        bad.append(f"{what} {s!r}: printed {n} times, expected at least {times}")

sheets, head, sheet = {}, {}, None  # pyxform's one-file layout: a sheet's name, its header
for r in csv.reader(open(form, encoding="utf-8")):
    if r and r[0]:
        sheet = r[0]
    elif sheet not in head:
        head[sheet] = r
    elif any(r):
        sheets.setdefault(sheet, []).append(dict(zip(head[sheet], r)))
survey, choices = sheets["survey"], sheets["choices"]
need(sheets["settings"][0]["form_title"], "the title")
labels = {}  # list name -> its labels
for c in choices:
    labels.setdefault(c["list_name"], []).append(c["label"])
in_repeat, lists = 0, {}  # list name -> its sheets: 3 when the partners' questions use it
identity = ("nom_structure", "identifiant_siret", "identifiant_uai", "commune") if who else ()
for q in survey:
    kind, label = q["type"].split()[0], q["label"]
    if kind == "begin_repeat":
        in_repeat = 1
        need(label + " \u2013 fiche n\u00b0 3", "the partners' third sheet")
    elif kind == "end_repeat":
        in_repeat = 0
    elif kind == "begin_group":
        need(label, "the group")
    elif kind in ("select_one", "select_multiple", "text", "integer", "decimal", "date", "note"):
        need(label, f"question {q['name']}", 3 if in_repeat else 1)
        if kind.startswith("select") and q["role"] not in identity:
            l = q["type"].split()[1]
            lists[l] = max(lists.get(l, 0), 3 if in_repeat else 1)
for l in sorted(lists):
    for label in labels[l]:
        need(label, f"choice of {l}", lists[l])
# a skip rule in words: the question asked when "autre" is ticked at freins
freins = next(q["label"] for q in survey if q["name"] == "freins")
autre = next(c["label"] for c in choices if c["list_name"] == "freins" and c["name"] == "autre")
need(f"Si \u00ab {autre} \u00bb coch\u00e9 \u00e0 \u00ab {freins} \u00bb", "the skip rule")
need("photocopiez une fiche vierge", "the partners' sentence", 3)
for k in range(1, int(pages) + 1):
    need(f"Page {k} sur {pages}", "the footer")
for s in who:
    need(s, "the structure's identity", 2)
# French typography: no line begins with a sign a no-break space ties to the word before it
for line in raw.splitlines():
    if re.match(r"\s*([:;?!\u00bb]|\*(?!\s*:))", line):  # the legend "* : ..." may
        bad.append(f"a line begins with a sign that a no-break space keeps with its word: {line!r}")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

# pdf_ok PDF: A4 pages, at least 2, the PDF's title; prints its page count
pdf_ok() {
  local info n
  info=$(pdfinfo -f 1 -l 1000 "$1") || fail "pdfinfo cannot read $1"
  n=$(echo "$info" | sed -n 's/^Pages: *//p')
  [ "$n" -ge 2 ] || fail "$1: $n pages"
  [ "$(echo "$info" | grep -c 'size: *595.276 x 841.89 pts (A4)')" -eq "$n" ] ||
    fail "$1: not every page is A4: $(echo "$info" | grep size)"
  # (grep -q reads from a string: from a pipe, its early exit would fail the pipeline)
  grep -q "^Creator: *panorama" <<<"$info" || fail "$1: no creator: $info"
  grep -q "^Title: *Coop" <<<"$info" || fail "$1: no title: $info"
  echo "$n"
}

# the checker catches a label the PDF lacks: a choice renamed in a copy of the form
expect_exit 0 "$PN_BIN" form print ecole -o ecole.pdf
pdftotext ecole.pdf ecole.txt
n=$(pdf_ok ecole.pdf)
$PY check.py forms/ecole.csv ecole.txt "$n" || fail "the blank questionnaire of 'ecole' lacks labels"
sed 's/,Hors éducation prioritaire$/,Hors réseau prioritaire/' forms/ecole.csv >renamed.csv
cmp -s renamed.csv forms/ecole.csv && fail "the form copy was not changed"
$PY check.py renamed.csv ecole.txt "$n" >check.out && fail "the checker missed a label"
grep -q "Hors réseau prioritaire" check.out || fail "the checker said: $(cat check.out)"

for form in centre_social ecole; do
  side=centre
  [ $form = ecole ] && side=ecole
  # blank: no project file needed, the default name FORM.pdf
  mkdir -p "blank-$form"
  (cd "blank-$form" && cp -r ../forms . &&
    expect_exit 0 "$PN_BIN" form print $form && [ -f $form.pdf ]) ||
    fail "form print $form wrote no $form.pdf"
  grep -qF "wrote '$form.pdf': the printable questionnaire of '$form' from forms/$form.csv" \
    "$WORK/out" || fail "form print said: $(cat "$WORK/out")"
  pdf="blank-$form/$form.pdf"
  n=$(pdf_ok "$pdf")
  pdftotext "$pdf" "$form.txt"
  $PY check.py forms/$form.csv "$form.txt" "$n" || fail "the blank questionnaire of '$form'"
  # for the registry's first structure of the network: its identity pre-printed
  q="FROM registry WHERE side = '$side' ORDER BY ident LIMIT 1"
  one=$(sqlite3 p.db "SELECT ident $q")
  name=$(sqlite3 p.db "SELECT name $q")
  commune=$(sqlite3 p.db "SELECT commune_name $q")
  expect_exit 0 "$PN_BIN" --db p.db form print $form --structure "$one" -o "$form-$one.pdf"
  n=$(pdf_ok "$form-$one.pdf")
  pdftotext "$form-$one.pdf" "$form-$one.txt"
  $PY check.py forms/$form.csv "$form-$one.txt" "$n" "$name" "$one" "$commune" ||
    fail "the questionnaire of '$form' for $one ($name)"
  grep -qF "Subject:         $name" <<<"$(pdfinfo "$form-$one.pdf")" || fail "no subject $name"
  # the same under a French locale and under C, and whenever it is written
  LC_ALL=fr_FR.UTF-8 LANG=fr_FR.UTF-8 "$PN_BIN" --db p.db form print $form --structure "$one" \
    -o fr.pdf >/dev/null
  LC_ALL=C LANG=C "$PN_BIN" --db p.db form print $form --structure "$one" -o c.pdf >/dev/null
  pdftotext fr.pdf fr.txt
  pdftotext c.pdf c.txt
  cmp -s fr.txt c.txt || fail "$form: the text differs between fr_FR.UTF-8 and C"
  cmp -s fr.pdf c.pdf || fail "$form: the PDF differs between fr_FR.UTF-8 and C"
  cmp -s fr.pdf "$form-$one.pdf" || fail "$form: the PDF differs from one run to the next"
done

# the no-break spaces are in the PDF's text (pdftotext shows them as spaces): U+00A0 before
# ':' and U+202F before '?', in the fonts' maps from glyphs to text
$PY - ecole.pdf <<'PY' || fail "no no-break spaces in the PDF"
import re, sys, zlib
maps = b""
for m in re.finditer(rb"stream\r?\n(.*?)endstream", open(sys.argv[1], "rb").read(), re.S):
    try:
        s = zlib.decompress(m.group(1))
    except zlib.error:
        continue
    if b"beginbfchar" in s or b"beginbfrange" in s:
        maps += s.lower()
assert b"<00a0>" in maps and b"<202f>" in maps, "no U+00A0 or U+202F in the ToUnicode maps"
PY

# what must fail, and write nothing
expect_exit 2 "$PN_BIN" form print nosuch -o nosuch.pdf
expect_err "panorama: no form 'nosuch'"
expect_exit 2 "$PN_BIN" --db p.db form print centre_social --structure 00000000000000 -o none.pdf
expect_err "panorama: no structure '00000000000000' in the registry of 'p.db': nothing written"
school=$(sqlite3 p.db "SELECT ident FROM registry WHERE side = 'ecole' LIMIT 1")
expect_exit 2 "$PN_BIN" --db p.db form print centre_social --structure "$school" -o none.pdf
expect_err "structure '$school' is of the network 'ecole'; form 'centre_social' is for the network 'centre'"
expect_exit 2 "$PN_BIN" --db nope.db form print ecole --structure "$school" -o none.pdf
expect_err "panorama: no project file 'nope.db'"
expect_exit 4 "$PN_BIN" form print ecole -o nodir/q.pdf
expect_err "panorama: cannot write 'nodir/q.pdf': cannot create a file in the folder 'nodir'"
mkdir adir
expect_exit 4 "$PN_BIN" form print ecole -o adir
expect_err "panorama: cannot write 'adir': it exists and is not a regular file"
expect_exit 2 "$PN_BIN" form print
expect_err "usage: form print needs a FORM"
expect_exit 2 "$PN_BIN" form print ecole --bogus
expect_err "unknown option '--bogus'"
expect_exit 2 "$PN_BIN" form nosuchverb
expect_err "(expected update, export, sheet or print)"
[ ! -e nosuch.pdf ] && [ ! -e none.pdf ] && [ ! -e nodir ] && [ -z "$(ls adir)" ] ||
  fail "a failed form print left a file"
ls ./*.tmp >/dev/null 2>&1 && fail "a temporary file was left: $(ls ./*.tmp)"
expect_exit 0 "$PN_BIN" form print --help
grep -qF "form print FORM [--structure ID] [-o FILE.pdf]" "$WORK/out" || fail "no help: $(cat "$WORK/out")"
echo "form print: ok"
