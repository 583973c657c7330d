#!/usr/bin/env bash
# Import, nothing lost: malformed files change nothing, a newer version replaces the older and
# says so, an import killed at any moment leaves the store as it was, and what cannot be
# mapped goes to a mapping template that settles it.
. "$(dirname "$0")/lib.bash"

"$PN_BIN" --db p.db init >/dev/null
"$PN_BIN" --db p.db import --form centre_social "$EX/centre_social.csv" \
  "$EX/centre_social-partenaires.csv" >/dev/null 2>&1
sum() { sqlite3 p.db .dump | sha256sum; }
before=$(sum)
head1=$(head -1 "$EX/centre_social.csv")
row2=$(sed -n 2p "$EX/centre_social.csv")

# ---- malformed files: a message with line (and column), exit 3, the store unchanged ----
# ragged rows: a row cut short, a row with an extra cell
{ echo "$head1"; echo "$row2"; echo "Centre,123"; } >short.csv
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social short.csv
expect_err "panorama: short.csv:3: expected 20 fields as in the header (line 1), found 2"
[ "$(sum)" = "$before" ] || fail "a short row changed the store"
{ echo "$head1"; echo "$row2,extra"; } >long.csv
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social long.csv
expect_err "panorama: long.csv:2: expected 20 fields as in the header (line 1), found 21"
[ "$(sum)" = "$before" ] || fail "a long row changed the store"
# a NUL byte inside a text file
{ echo "$head1"; printf 'Centre\0social,1\n'; } >nul.csv
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social nul.csv
expect_err "panorama: nul.csv:2: NUL byte at column 7: this is not a text (CSV) file"
[ "$(sum)" = "$before" ] || fail "a NUL byte changed the store"
# a header only
echo "$head1" >header.csv
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social header.csv
expect_err "panorama: header.csv: the file has a header but no answers"
[ "$(sum)" = "$before" ] || fail "a header-only file changed the store"
# a workbook given instead of its CSV export
printf 'PK\003\004\024\000\006\000' >reponses.xlsx
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social reponses.xlsx
expect_err "reponses.xlsx: cannot read it as an Excel workbook (.xlsx): Not a zip archive"
[ "$(sum)" = "$before" ] || fail "a workbook changed the store"
# a LibreOffice workbook (.ods)
$PY -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
z.writestr("content.xml", "<office:document-content/>")' reponses.ods
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social reponses.ods
expect_err "reponses.ods: not an Excel workbook (.xlsx): it holds no 'xl/workbook.xml' (a LibreOffice .ods? save it as .xlsx or CSV)"
[ "$(sum)" = "$before" ] || fail "an .ods changed the store"
# a bad file after a good one: the good one is rolled back too
{ echo "$head1"; sed -n 3p "$EX/centre_social.csv" | sed 's/uuid:/uuid:new-/'; } >good.csv
expect_exit 3 "$PN_BIN" --db p.db import --form centre_social good.csv short.csv
[ "$(sum)" = "$before" ] || fail "a failed import kept the rows of its first file"

# ---- versions: the same KEY with other answers -----------------------------------------
# the respondent corrected the commentary and sent it again, an hour later (a centre that
# works with schools, with no quoted cell)
row=$(awk -F, 'NR > 1 && $12 == "oui" && !/"/ {print; exit}' "$EX/centre_social.csv")
key=$(echo "$row" | awk -F, '{print $NF}')
newer=$(echo "$row" | awk -F, -v OFS=, '{$(NF-1) = "Corrigé après relecture"; $2 = "2026-12-01T10:00:00.000+01:00"; print}')
[ "$newer" != "$row" ] || fail "the test row did not change"
{ echo "$head1"; echo "$newer"; } >v2.csv
"$PN_BIN" --db p.db import --form centre_social v2.csv >v2.out
grep -q "0 stored, 0 already in the store, 0 rejected, 1 replaced the older version stored" v2.out ||
  fail "the newer version was not reported: $(cat v2.out)"
got=$(sqlite3 p.db "SELECT d.commentaire FROM data_centre_social d JOIN submissions s USING(submission_id) WHERE s.instance_key='$key'")
[ "$got" = "Corrigé après relecture" ] || fail "the newer version was not stored: '$got'"
n=$(sqlite3 p.db "SELECT count(*) FROM submissions WHERE instance_key='$key'")
[ "$n" -eq 1 ] || fail "the submission is stored $n times"
# its partner entries are still there: no repeat file came with the new version
n=$(sqlite3 p.db "SELECT count(*) FROM links l JOIN submissions s USING(submission_id) WHERE s.instance_key='$key'")
[ "$n" -gt 0 ] || fail "replacing the submission lost its links"
# the old version arrives late: left aside, and said so
{ echo "$head1"; echo "$row"; } >v1.csv
"$PN_BIN" --db p.db import --form centre_social v1.csv >v1.out
grep -q "1 left aside (the stored version is newer)" v1.out || fail "older version: $(cat v1.out)"
got=$(sqlite3 p.db "SELECT d.commentaire FROM data_centre_social d JOIN submissions s USING(submission_id) WHERE s.instance_key='$key'")
[ "$got" = "Corrigé après relecture" ] || fail "an older version replaced a newer one"
# the same version again: a duplicate
"$PN_BIN" --db p.db import --form centre_social v2.csv >v2b.out
grep -q "0 stored, 1 already in the store" v2b.out || fail "duplicate: $(cat v2b.out)"

# ---- an import killed at any moment leaves the store as it was ------------------------
mkdir nat
"$PN_GENERATE" national nat 100000 >/dev/null
"$PN_BIN" --db k0.db init >/dev/null
"$PN_BIN" --db k0.db import --form ecole "$EX/ecole.csv" "$EX/ecole-partenaires.csv" >/dev/null 2>&1
kbefore=$(sqlite3 k0.db .dump | sha256sum)
killed=0
for delay in 0.05 0.2 0.4 0.8; do
  cp k0.db k.db
  "$PN_BIN" --db k.db import --form centre_social nat/centre_social.csv \
    nat/centre_social-partenaires.csv >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  status=0
  wait "$pid" 2>/dev/null || status=$?
  [ "$status" -eq 137 ] || continue # it ended before the signal: nothing to check
  killed=$((killed + 1))
  [ "$(sqlite3 k.db 'PRAGMA integrity_check')" = ok ] || fail "the store is damaged after kill -9"
  [ "$(sqlite3 k.db .dump | sha256sum)" = "$kbefore" ] ||
    fail "an import killed after ${delay}s changed the store"
done
[ "$killed" -gt 0 ] || fail "every import ended before it could be killed: use a bigger file"

# ---- the mapping file: reported, written as a template, completed, reused ---------------
LS="$PN_SOURCE_DIR/tests/import/dialects/limesurvey"
cp "$LS/centre_social.csv" ls.csv
"$PN_BIN" --db m.db init >/dev/null
expect_exit 3 "$PN_BIN" --db m.db import --form centre_social ls.csv
expect_err "ls.csv:1: "
expect_err "cannot be matched to a question of form 'centre_social' by name, group path or label"
expect_err "Say what each holds in a mapping file (--map FILE)"
[ ! -e map.csv ] || fail "a template was written without --map"
# more than eight columns that cannot be matched: eight are shown, the rest counted
printf 'a,b,c,d,e,f,g,h,i,j,nom_structure\n1,2,3,4,5,6,7,8,9,10,x\n' >many.csv
expect_exit 3 "$PN_BIN" --db m.db import --form centre_social many.csv
expect_err "10 columns of this plain export cannot be matched"
expect_err "  column 8 'h' (« 8 »)"
expect_err "  and 2 more"
if grep -q "column 9 'i'" "$WORK/err"; then fail "more than eight columns listed"; fi
expect_exit 3 "$PN_BIN" --db m.db import --form centre_social --map map.csv ls.csv
expect_err "wrote a mapping template 'map.csv'"
head -c 3 map.csv | od -An -tx1 | grep -q 'ef bb bf' || fail "the template has no BOM for Excel"
head -1 map.csv | grep -q '^.*type;dans_le_fichier;variable;choix;remarque' || fail "template header"
grep -q '^colonne;' map.csv || fail "the template lists no column"
# the coordinator completes it: here, with the fixture's own mapping
cp "$LS/centre_social.map.csv" map.csv
"$PN_BIN" --db m.db import --form centre_social --map map.csv ls.csv >m.out
grep -q "LimeSurvey export" m.out || fail "not read as LimeSurvey: $(cat m.out)"
n=$(sqlite3 m.db "SELECT count(*) FROM submissions")
[ "$n" -gt 0 ] || fail "nothing stored with the mapping file"
cmp -s map.csv "$LS/centre_social.map.csv" || fail "a complete mapping file was rewritten"

# progress goes to a terminal only: captured stderr holds no carriage return
"$PN_BIN" --db q.db init >/dev/null
"$PN_BIN" --db q.db import --form ecole "$EX/ecole.csv" >/dev/null 2>q.err || true
if grep -q $'\r' q.err; then fail "progress bar drawn on a file"; fi
# and on a terminal (script(1) gives the program one), the bar reaches 100 %
"$PN_BIN" --db t.db init >/dev/null
script -qec "'$PN_BIN' --db t.db import --form ecole '$EX/ecole.csv'" /dev/null >tty.out
grep -q '\] 100 % ecole.csv' tty.out || fail "no progress bar on a terminal: $(od -c tty.out | head)"
grep -q 'ecole.csv: plain export' tty.out || fail "no summary after the progress bar"
echo "import: ok"
