#!/usr/bin/env bash
# Sending and following up, on the bundled answers and registry: `send` (the mail-merge file,
# each structure's personal link with its identity pre-filled for Enketo, each sending
# recorded), `status` (response rates against a count made in SQL, with Wilson's interval) and
# `status --remind` (those who have not answered, each reminder recorded).
. "$(dirname "$0")/lib.bash"

import_demo p.db
expect_exit 2 "$PN_BIN" --db p.db status
expect_err "the registry of 'p.db' is empty: run 'panorama structures import' first"
"$PN_BIN" --db p.db structures import "$EX/annuaire.csv" "$EX/centres.csv" "$EX/qpv.csv" >/dev/null

expect_exit 2 "$PN_BIN" --db p.db send ecole --url ee.kobotoolbox.org/x/abc
expect_err "--url: expected the form's web address"
expect_exit 0 "$PN_BIN" --db p.db send ecole --url "https://ee.kobotoolbox.org/x/AbCdEf"
schools=$(sqlite3 p.db "SELECT count(*) FROM registry WHERE side = 'ecole'")
grep -qF "wrote 'envoi-ecole.csv': $schools schools of the registry" "$WORK/out" \
  || fail "send said: $(cat "$WORK/out")"
$PY - envoi-ecole.csv p.db <<'PY' || fail "the mail-merge file is not the registry's schools with their links"
import csv, sqlite3, sys, urllib.parse
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw, "not UTF-8 with BOM and CRLF"
rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
db = sqlite3.connect(sys.argv[2])
reg = {i: (n, c) for i, n, c in db.execute("SELECT ident, name, commune FROM registry WHERE side = 'ecole'")}
assert {r["identifiant"] for r in rows} == set(reg), "not the registry's schools"
for r in rows:
    url = urllib.parse.urlsplit(r["lien"])
    assert url.geturl().startswith("https://ee.kobotoolbox.org/x/AbCdEf?"), r["lien"]
    q = dict(urllib.parse.parse_qsl(url.query))
    # Enketo's default answers, at the questions' XForm paths (the form's group identification)
    assert q["d[/data/identification/uai]"] == r["identifiant"], q
    assert q["d[/data/identification/nom_structure]"] == reg[r["identifiant"]][0], q
    assert q["d[/data/identification/commune]"] == reg[r["identifiant"]][1], q
    assert r["formulaire"] == "ecole" and r["classeur"] == "ecole-%s.xlsx" % r["identifiant"]
# each sending recorded, with its link
sent = db.execute("SELECT count(*), count(DISTINCT ident), count(link) FROM sends WHERE kind = 'envoi' AND form_id = 'ecole'").fetchone()
assert sent == (len(rows), len(rows), len(rows)), sent
PY

# the rates, against SQL: answered = a structure of the registry with a stored answer of its own
expect_exit 0 "$PN_BIN" --db p.db status --by reseau --format csv
$PY - "$WORK/out" p.db <<'PY' || fail "status's rates are not the registry's"
import csv, math, sqlite3, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"), delimiter=";"))
db = sqlite3.connect(sys.argv[2])
for side, label in (("centre", "centres sociaux"), ("ecole", "écoles")):
    n, k = db.execute("""SELECT count(*), sum(EXISTS (SELECT 1 FROM structures st JOIN submissions s
        ON s.structure_id = st.structure_id WHERE st.side = r.side AND st.ident = r.ident))
        FROM registry r WHERE side = ?""", (side,)).fetchone()
    row = next(r for r in rows if r["réseau"] == label)
    assert int(row["au répertoire"]) == n and int(row["réponses"]) == k, (row, n, k)
    assert row["taux (%)"] == ("%.1f" % (100 * k / n)).replace(".", ","), row
    # Wilson's 95 % interval, computed here
    z, p = 1.959963984540054, k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert row["IC 95 % bas"] == ("%.1f" % (100 * (c - h))).replace(".", ","), row
    assert row["IC 95 % haut"] == ("%.1f" % (100 * (c + h))).replace(".", ","), row
    sent = int(row["envoyés"])
    assert sent == (n if side == "ecole" else 0), row
PY

# the reminders: those without an answer, each once, recorded
expect_exit 0 "$PN_BIN" --db p.db status --remind -o relance.csv
missing=$(sqlite3 p.db "SELECT count(*) FROM registry r WHERE NOT EXISTS (SELECT 1 FROM structures st
  JOIN submissions s ON s.structure_id = st.structure_id WHERE st.side = r.side AND st.ident = r.ident)")
grep -qF "wrote 'relance.csv': $missing structures of the registry without an answer" "$WORK/out" \
  || fail "status --remind said: $(tail -1 "$WORK/out")"
[ $(($(wc -l <relance.csv) - 1)) -eq "$missing" ] || fail "relance.csv does not list the $missing"
[ "$(sqlite3 p.db "SELECT count(*) FROM sends WHERE kind = 'relance'")" -eq "$missing" ] \
  || fail "the reminders were not recorded"
# a second reminder is counted as such
"$PN_BIN" --db p.db status --remind -o relance2.csv >/dev/null
tail -n +2 relance2.csv | cut -d';' -f7 | tr -d '\r' | sort -u | grep -qx 2 || fail "second reminders not counted"
# the workbook's cover: each network's response rate against the registry, as SQL counts it;
# the methodology says what the registry is
"$PN_BIN" --db p.db report reports/demo.csv -o r.xlsx >/dev/null
$PY - r.xlsx p.db <<'PY' || fail "the cover's response rates are not the registry's"
import sqlite3, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
cover = {r[0]: r[1] for r in wb["Sommaire"].iter_rows(values_only=True) if r[0]}
db = sqlite3.connect(sys.argv[2])
for side, label in (("centre", "Taux de réponse des centres sociaux (répertoire)"),
                    ("ecole", "Taux de réponse des écoles (répertoire)")):
    n, k = db.execute("""SELECT count(*), sum(EXISTS (SELECT 1 FROM structures st JOIN submissions s
        ON s.structure_id = st.structure_id WHERE st.side = r.side AND st.ident = r.ident))
        FROM registry r WHERE side = ?""", (side,)).fetchone()
    want = "%d sur %d, soit %s %%" % (k, n, ("%.1f" % (100 * k / n)).replace(".", ","))
    assert cover[label] == want, (cover.get(label), want)
method = " ".join(str(r[0]) for r in wb["Méthodologie"].iter_rows(values_only=True) if r[0])
assert "Répertoire des structures : " in method and "annuaire.csv" in method, method[-400:]
PY
echo "send: ok"
