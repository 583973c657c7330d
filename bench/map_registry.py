"""A registry with places for the national bench's structures (make bench, the map).

usage: map_registry.py DIR

Reads the answers pn-generate national wrote into DIR and writes DIR/map-ecoles.csv (uai, nom,
commune, latitude, longitude: read as the Annuaire) and DIR/map-centres.csv (siret, nom,
commune, latitude, longitude: a list of centres), every structure the answers name. A school's
département is its UAI's first three digits; a centre's, that of the first school it names.
Each département gets a commune code DD001 and a square of France, each structure a place in
it from a hash of its identifier, so that the files are the same from one run to the next.
"""
import csv
import hashlib
import sys

d = sys.argv[1]


def place(dept, ident):
    h = hashlib.sha1(ident.encode()).digest()
    lat = 42.6 + (dept % 9) * 0.8 + h[0] / 255 * 0.7
    lon = -1.6 + (dept // 9 % 11) * 0.8 + h[1] / 255 * 0.7
    return "%.6f" % lat, "%.6f" % lon


def dept_of_uai(uai):
    digits = "".join(c for c in uai[:3] if c.isdigit())
    return int(digits or 0) % 96 or 1


schools, centres = {}, {}
with open(f"{d}/ecole.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        schools.setdefault(r["uai"], r["nom_structure"])
with open(f"{d}/centre_social.csv", encoding="utf-8") as f:
    centre_rows = list(csv.DictReader(f))
keys = {r["KEY"]: r["siret"] for r in centre_rows}
for r in centre_rows:
    centres.setdefault(r["siret"], [r["nom_structure"], None])
with open(f"{d}/centre_social-partenaires.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        schools.setdefault(r["partenaire_id"], r["partenaire_nom"])
        c = centres.get(keys.get(r["PARENT_KEY"]))
        if c is not None and c[1] is None:
            c[1] = dept_of_uai(r["partenaire_id"])
with open(f"{d}/ecole.csv", encoding="utf-8") as f:
    ekeys = {r["KEY"]: r["uai"] for r in csv.DictReader(f)}
with open(f"{d}/ecole-partenaires.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        c = centres.setdefault(r["partenaire_id"], [r["partenaire_nom"], None])
        if c[1] is None and r["PARENT_KEY"] in ekeys:
            c[1] = dept_of_uai(ekeys[r["PARENT_KEY"]])
with open(f"{d}/map-ecoles.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, delimiter=";", lineterminator="\n")
    w.writerow(["uai", "nom", "commune", "latitude", "longitude"])
    for uai, name in sorted(schools.items()):
        dept = dept_of_uai(uai)
        w.writerow([uai, name, "%02d001" % dept, *place(dept, uai)])
with open(f"{d}/map-centres.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, delimiter=";", lineterminator="\n")
    w.writerow(["siret", "nom", "commune", "latitude", "longitude"])
    for siret, (name, dept) in sorted(centres.items()):
        dept = dept or 1
        w.writerow([siret, name, "%02d001" % dept, *place(dept, siret)])
