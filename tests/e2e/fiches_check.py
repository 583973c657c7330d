#!/usr/bin/env python3
"""Check a workbook's fiches against the project file.

usage: fiches_check.py PROJECT.db WORKBOOK.xlsx SECRET

- The sheet "Réseaux par commune": for each town and for the whole survey, by network, the
  structures of the registry, those that answered, those no link joins to the other network,
  their share, the mean number of partners, and the REP/REP+ schools with no link: each
  figure recomputed here in SQL (the registry, the structures that answered, the distinct
  centre-school pairs of the links view), and written with the public count format "#0".
- Each fiche ("Fiche <town>"): its table of link types is the town's row of "Liens par
  commune", cell for cell (masked alike); every count shown in its tables of answers equals
  the count made here from the stored answers, and none is from 1 to SECRET - 1; it holds
  one PNG picture; it is set to print on one page.
Prints what is wrong and exits 1.
"""
import csv
import os
import re
import sqlite3
import sys
import zipfile

import openpyxl

db, xlsx, secret = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = sqlite3.connect(db)
wb = openpyxl.load_workbook(xlsx)
bad = []

# ---- the figures, in SQL
pairs = set(con.execute("SELECT DISTINCT centre_ident, school_ident FROM links "
                        "WHERE centre_ident <> '' AND school_ident <> ''"))
partners = {}
for c, s in pairs:
    partners[("centre", c)] = partners.get(("centre", c), 0) + 1
    partners[("ecole", s)] = partners.get(("ecole", s), 0) + 1
answered = {(s, i) for s, i in con.execute(
    "SELECT side, ident FROM structures WHERE responded = 1")}
fig = {}  # commune code (or None: all) -> 12 figures


def add(key, side, ident, rep):
    f = fig.setdefault(key, {"c": [0, 0, 0, 0], "e": [0, 0, 0, 0], "ep": [0, 0]})
    k = "c" if side == "centre" else "e"
    n = partners.get((side, ident), 0)
    f[k][0] += 1
    f[k][1] += (side, ident) in answered
    f[k][2] += n == 0
    f[k][3] += n
    if side == "ecole" and rep:
        f["ep"][0] += 1
        f["ep"][1] += n == 0


for side, ident, commune, rep in con.execute(
        "SELECT side, ident, coalesce(commune, ''), coalesce(rep, '') FROM registry"):
    add(commune, side, ident, rep)
    add(None, side, ident, rep)


def expected_row(f):
    out = []
    for k in ("c", "e"):
        listed, ans, un, part = f[k]
        out += [listed, ans, un, 100 * un / listed if listed else None,
                part / listed if listed else None]
    return out + f["ep"]


# ---- the fiches: their town's code and name
fiches = {}
for ws in wb.worksheets:
    if ws.title.startswith("Fiche "):
        m = re.match(r"Code commune (\S+) ", str(ws["A2"].value or ""))
        name = str(ws["A1"].value).rsplit(" : fiche de la commune", 1)[0]
        if not m:
            bad.append(f"{ws.title}: no town code in A2")
            continue
        fiches[name] = (m.group(1), ws)
if len(fiches) < 30:
    bad.append(f"{len(fiches)} fiches, expected the 32 towns'")

# ---- the figures sheet
ws = wb["Réseaux par commune"]
rows = list(ws.iter_rows(min_row=6))
seen = 0
for r in rows:
    label = r[0].value
    if label is None:
        break
    code = None if label == "Ensemble" else fiches.get(label, (None,))[0]
    if label != "Ensemble" and code is None:
        bad.append(f"figures: row '{label}' has no fiche")
        continue
    want = expected_row(fig.get(code, {"c": [0] * 4, "e": [0] * 4, "ep": [0, 0]}))
    got = [c.value for c in r[1:13]]
    for j, (g, w) in enumerate(zip(got, want)):
        if w is None:
            ok = g is None
        else:
            ok = isinstance(g, (int, float)) and abs(g - w) < 1e-9
        if not ok:
            bad.append(f"figures: '{label}' column {j + 2}: {g!r}, SQL gives {w!r}")
    for j in (0, 1, 2, 5, 6, 7, 10, 11):
        if r[1 + j].number_format != "#0":
            bad.append(f"figures: '{label}' column {j + 2}: format {r[1 + j].number_format!r}")
    seen += 1
    if label == "Ensemble":
        break
if seen != len(fiches) + 1:
    bad.append(f"figures: {seen} rows, expected {len(fiches)} towns and the total")

# ---- each fiche
lpc = wb["Liens par commune"]
grid = list(lpc.iter_rows(values_only=True))
head = grid[4]
by_town = {}
for row in grid[5:]:  # the counts' block, the first under the head
    if not row or not row[0]:
        break
    by_town[row[0]] = row
# the stored answers: links by the reporter's commune and class; obstacles by commune
link_counts = {}
for table, ident in (("centre_social", "siret"), ("ecole", "uai")):
    for commune, klass, n in con.execute(
            f'SELECT d.commune, e.type_lien, count(*) FROM "data_{table}__partenaires" e '
            f'JOIN "data_{table}" d ON d.submission_id = e.submission_id '
            f'WHERE e.type_lien IS NOT NULL AND e.type_lien <> "" GROUP BY 1, 2'):
        link_counts[(commune, klass)] = link_counts.get((commune, klass), 0) + n
# the choices' labels, from the form file (forms/ beside the project file)
choices = {}
with open(os.path.join(os.path.dirname(os.path.abspath(db)), "forms", "centre_social.csv"),
          encoding="utf-8") as f:
    section = None
    for r in csv.reader(f):
        if r and r[0]:
            section = r[0]
        elif section == "choices" and len(r) > 3 and r[1] != "list_name":
            choices.setdefault(r[1], {})[r[3]] = r[2]
multi_counts = {}  # (var, commune, option) -> respondents who ticked it
for table in ("centre_social", "ecole"):
    for var in ("freins", "facteurs"):
        for commune, ticked in con.execute(f'SELECT commune, {var} FROM "data_{table}" '
                                           f'WHERE {var} IS NOT NULL'):
            for o in ticked.split():
                key = (var, commune, o)
                multi_counts[key] = multi_counts.get(key, 0) + 1
with zipfile.ZipFile(xlsx) as z:
    names = z.namelist()
    sheet_files = {}
    wbxml = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = dict(re.findall(r'<Relationship Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
    for name, r in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', wbxml):
        sheet_files[name.replace("&apos;", "'").replace("&amp;", "&")] = "xl/" + rid[r]
    for town, (code, fws) in fiches.items():
        path = sheet_files[fws.title]
        xml = z.read(path).decode()
        fit = re.search(r'<pageSetup[^>]*fitTo(?:Height|Width)="(?!1")', xml)
        if fit or 'fitToPage="1"' not in xml:  # 1 by 1, the default, is not written
            bad.append(f"{fws.title}: not set to print on one page")
        srels = path.replace("worksheets/", "worksheets/_rels/") + ".rels"
        drawing = re.search(r'Target="\.\./drawings/(drawing\d+\.xml)"', z.read(srels).decode())
        if not drawing:
            bad.append(f"{fws.title}: no drawing")
            continue
        drels = z.read(f"xl/drawings/_rels/{drawing.group(1)}.rels").decode()
        pics = re.findall(r'Target="\.\./media/(image\d+\.png)"', drels)
        if len(pics) != 1 or not z.read("xl/media/" + pics[0]).startswith(b"\x89PNG"):
            bad.append(f"{fws.title}: {len(pics)} PNG pictures, expected 1")
        # the link types: the town's row of "Liens par commune"
        cells = list(fws.iter_rows(min_col=1, max_col=4, values_only=True))
        at = next((i for i, r in enumerate(cells) if r[0] == "Type de lien"), None)
        if at is None:
            bad.append(f"{fws.title}: no table of link types")
            continue
        row = by_town.get(town)
        for k, klass in enumerate(head[1:6]):
            r = cells[at + 2 + k]
            if r[0] != klass:
                bad.append(f"{fws.title}: row '{r[0]}', expected '{klass}'")
            if r[1] != row[1 + k]:
                bad.append(f"{fws.title}: '{klass}' {r[1]!r}, 'Liens par commune' {row[1 + k]!r}")
        # no answer count from 1 to secret - 1 in the answers' tables
        for i, r in enumerate(cells[at:], at):
            v = r[1]
            if isinstance(v, (int, float)) and 0 < v < secret:
                bad.append(f"{fws.title}: row {i + 1}: a count of {v} is shown")
        # each count shown, against the stored answers
        checked = 0
        for i, r in enumerate(cells):
            if r[0] == "Type de lien":
                var, lst = None, "type_lien"
            elif r[0] and str(r[0]).startswith("D'après votre expérience"):
                var, lst = "freins", "freins"
            elif r[0] and str(r[0]).startswith("Et qu'est-ce qui favorise"):
                var, lst = "facteurs", "facteurs"
            else:
                continue
            for r2 in cells[i + 2:]:
                if r2[0] not in choices[lst] or not isinstance(r2[1], (int, float)):
                    if r2[0] not in choices[lst]:
                        break
                    continue
                name = choices[lst][r2[0]]
                want = (link_counts.get((code, name), 0) if var is None
                        else multi_counts.get((var, code, name), 0))
                if r2[1] != want:
                    bad.append(f"{fws.title}: '{r2[0]}': {r2[1]}, the answers give {want}")
                checked += 1
        if checked < 10:
            bad.append(f"{fws.title}: only {checked} counts shown")
for b in bad[:40]:
    print(b)
print(f"{xlsx}: {len(fiches)} fiches, {len(bad)} problem(s)")
sys.exit(1 if bad else 0)
