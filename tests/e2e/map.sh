#!/usr/bin/env bash
# `panorama map`: the structures and their links as uMap, GeoJSON and a page, checked against
# counts made in SQL here: GDAL's ogrinfo reads the GeoJSON with as many points as structures
# placed and as many lines as links between two placed structures; the uMap file has the shape
# uMap's importer reads (umap-project/umap, app.js importRaw and createDataLayer); headless
# Chromium draws the page with as many markers and lines, and logs nothing.
. "$(dirname "$0")/lib.bash"

import_demo p.db
"$PN_BIN" --db p.db structures import "$EX/annuaire.csv" "$EX/centres.csv" "$EX/qpv.csv" \
  "$EX/sirene.csv" >/dev/null
expect_exit 0 "$PN_BIN" --db p.db map -o carte.umap -o carte.geojson -o carte.html

# the counts, independently: structures of the registry with a place; distinct pairs of a
# centre and a school that a link names, both placed
placed=$(sqlite3 p.db "SELECT count(*) FROM registry WHERE latitude IS NOT NULL AND longitude IS NOT NULL")
drawn=$(sqlite3 p.db "SELECT count(*) FROM (SELECT DISTINCT centre_ident, school_ident FROM links l
  JOIN registry c ON c.side = 'centre' AND c.ident = l.centre_ident AND c.latitude IS NOT NULL
  JOIN registry s ON s.side = 'ecole' AND s.ident = l.school_ident AND s.latitude IS NOT NULL
  WHERE l.centre_ident <> '' AND l.school_ident <> '')")
pairs=$(sqlite3 p.db "SELECT count(*) FROM (SELECT centre_ident, school_ident FROM links l
  JOIN registry c ON c.side = 'centre' AND c.ident = l.centre_ident AND c.latitude IS NOT NULL
  JOIN registry s ON s.side = 'ecole' AND s.ident = l.school_ident AND s.latitude IS NOT NULL
  GROUP BY 1, 2 HAVING count(DISTINCT reporter_side) = 2)")
[ "$placed" -gt 500 ] && [ "$drawn" -gt 300 ] && [ "$pairs" -gt 100 ] ||
  fail "the examples give $placed placed, $drawn links, $pairs pairs"
grep -qF "$placed structures placed" "$WORK/out" || fail "map said: $(cat "$WORK/out")"
grep -qF "$drawn links drawn ($pairs reported by both sides)" "$WORK/out" || fail "map said: $(cat "$WORK/out")"
# the structures the registry cannot place are listed, by identifier
unplaced=$(grep -c '^  \(centre\|ecole\) ' "$WORK/out" || true)
grep -qF "$placed structures placed, $unplaced without coordinates" "$WORK/out" ||
  fail "$unplaced listed: $(cat "$WORK/out")"

# GDAL reads the GeoJSON: WGS 84, the points and the lines
ogrinfo -ro -al -q carte.geojson >ogr.txt 2>ogr.err || fail "ogrinfo: $(cat ogr.err)"
[ "$(grep -c '^  POINT (' ogr.txt)" = "$placed" ] || fail "ogrinfo: $(grep -c '^  POINT (' ogr.txt) points, expected $placed"
[ "$(grep -c '^  LINESTRING (' ogr.txt)" = "$drawn" ] || fail "ogrinfo: $(grep -c '^  LINESTRING (' ogr.txt) lines, expected $drawn"
ogrinfo -ro -so -al carte.geojson | grep -q 'ID\["EPSG",4326\]' || fail "the GeoJSON is not read as WGS 84"

$PY - carte.geojson carte.umap "$placed" "$drawn" "$pairs" <<'PY' || fail "the map files are wrong"
import json, sys
gj, um = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
placed, drawn, pairs = map(int, sys.argv[3:6])
# RFC 7946: no crs member, longitude then latitude (the Val-d'Oise: lon ~2.2, lat ~49)
assert gj["type"] == "FeatureCollection" and "crs" not in gj
pts = [f for f in gj["features"] if f["geometry"]["type"] == "Point"]
lines = [f for f in gj["features"] if f["geometry"]["type"] == "LineString"]
assert len(pts) == placed and len(lines) == drawn, (len(pts), len(lines))
for f in pts:
    lon, lat = f["geometry"]["coordinates"]
    assert 1.4 < lon < 3.2 and 48.7 < lat < 49.3, (lon, lat)
    p = f["properties"]
    assert p["reseau"] in ("centre", "ecole") and p["name"] and p["description"].startswith("**")
    assert "courriel" not in p and "@" not in p["description"], p  # no e-mail goes out
# the links: flat properties beside uMap's, dashed when one side reported, wider for a pair
both = [f for f in lines if f["properties"]["vues"] == "deux"]
assert len(both) == pairs, (len(both), pairs)
for f in lines:
    p, o = f["properties"], f["properties"]["_umap_options"]
    assert p["couleur"] == o["color"] and p["classe"] and p["centre"] and p["ecole"]
    assert (o["weight"] == 6 and "dashArray" not in o) if p["vues"] == "deux" else (o["weight"] == 3 and o["dashArray"])
    if p["vues"] == "deux":
        assert "Selon le centre social" in p["description"] and "Selon l'école" in p["description"]
# one colour per class
colours = {}
for f in lines:
    colours.setdefault(f["properties"]["classe"], set()).add(f["properties"]["couleur"])
assert all(len(c) == 1 for c in colours.values()) and len({min(c) for c in colours.values()}) == len(colours), colours
# uMap's map file: importRaw reads properties, geometry (the centre) and layers; each layer
# a FeatureCollection whose options createDataLayer takes from _umap_options
assert um["type"] == "umap" and isinstance(um["properties"], dict) and um["properties"]["name"]
assert um["geometry"]["type"] == "Point" and len(um["geometry"]["coordinates"]) == 2
layers = um["layers"]
assert layers[0]["_umap_options"]["name"] == "Structures" and len(layers[0]["features"]) == placed
assert sum(len(l["features"]) for l in layers[1:]) == drawn
names = [l["_umap_options"]["name"] for l in layers[1:]]
assert len(set(names)) == len(names) and "Partenariat formalisé" in names, names
for l in layers:
    assert l["type"] == "FeatureCollection" and l["_umap_options"]["color"].startswith("#")
    for f in l["features"]:
        o = f["properties"]["_umap_options"]
        # uMap's schema: iconClass among its icons, weight a number of 1 to 20
        assert o.get("iconClass", "Default") in ("Default", "Circle", "LargeCircle", "Drop", "Ball", "Raw")
        assert 1 <= o.get("weight", 3) <= 20
# the structures keep their icon and colour per network
icons = {(f["properties"]["reseau"], f["properties"]["_umap_options"]["iconClass"], f["properties"]["_umap_options"]["color"]) for f in layers[0]["features"]}
assert len(icons) == 2, icons
PY

# the page, in headless Chromium offline: as many markers and lines as the data, no message
# in the console (an error, or a log)
chromium_page() {
  timeout 120 chromium --headless=new --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$WORK/chromium" --enable-logging=stderr --v=0 \
    --virtual-time-budget=10000 --dump-dom "file://$WORK/$1" 2>"$WORK/$1.log"
}
chromium_page carte.html >dom.html || fail "chromium could not open the page: $(tail -5 "$WORK/carte.html.log")"
grep -qF "<body data-marqueurs=\"$placed\" data-liens=\"$drawn\">" dom.html ||
  fail "the page drew $(grep -o '<body[^>]*>' dom.html), expected $placed markers and $drawn lines"
! grep -F ':CONSOLE' "$WORK/carte.html.log" || fail "the page wrote to the console"
grep -q 'Leaflet 1' carte.html || fail "Leaflet is not inlined"
! grep -qE '<script[^>]+src=|<link[^>]+stylesheet' carte.html || fail "the page loads a file"

# each town's network drawn by Graphviz, PNG and SVG: an edge per centre and school linked
# (in the town or with a partner there), their names on the nodes
expect_exit 0 "$PN_BIN" --db p.db map -o reseaux/
towns=$(sqlite3 p.db "SELECT count(DISTINCT commune) FROM registry WHERE commune <> ''")
grep -qF "wrote the network of each of $towns towns into 'reseaux/'" "$WORK/out" || fail "map -o reseaux/: $(cat "$WORK/out")"
[ "$(ls reseaux/*.png | wc -l)" = "$towns" ] && [ "$(ls reseaux/*.svg | wc -l)" = "$towns" ] || fail "$(ls reseaux | wc -l) files for $towns towns"
for t in 95018 95127; do
  edges=$(sqlite3 p.db "SELECT count(*) FROM (SELECT DISTINCT centre_ident, school_ident FROM links l
    LEFT JOIN registry c ON c.side = 'centre' AND c.ident = l.centre_ident
    LEFT JOIN registry s ON s.side = 'ecole' AND s.ident = l.school_ident
    WHERE (c.commune = '$t' OR s.commune = '$t') AND l.centre_ident <> '' AND l.school_ident <> '')")
  [ "$edges" -gt 5 ] || fail "town $t has $edges links"
  $PY - "reseaux/reseau-$t.svg" "reseaux/reseau-$t.png" "$edges" "$(sqlite3 p.db "SELECT name FROM registry WHERE side = 'centre' AND commune = '$t' AND ident IN (SELECT centre_ident FROM links) LIMIT 1")" <<'PY' || fail "the network of $t is wrong"
import sys, xml.etree.ElementTree as ET
svg, png, edges, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
root = ET.parse(svg).getroot()
ns = "{http://www.w3.org/2000/svg}"
groups = [g.get("class") for g in root.iter(ns + "g")]
assert groups.count("edge") == edges, (groups.count("edge"), edges)
text = " ".join(t.text or "" for t in root.iter(ns + "text"))
first = name.split()[-1]
assert first in text, (first, text[:300])
PY
done

# --where: the structures of one town, and the links between two of them
expect_exit 0 "$PN_BIN" --db p.db map --where "\${commune} = '95018'" -o argenteuil.geojson
$PY - argenteuil.geojson <<'PY' || fail "--where kept another town"
import json, sys
fs = json.load(open(sys.argv[1]))["features"]
assert fs and all(f["properties"]["commune"] == "95018" for f in fs), {f["properties"]["commune"] for f in fs}
assert all(f["properties"]["commune_ecole"] == "95018" for f in fs if f["geometry"]["type"] == "LineString")
PY
# the same under a French locale, and again: the same bytes
LC_ALL=fr_FR.UTF-8 "$PN_BIN" --db p.db map -o fr.umap -o fr.html >/dev/null
cmp -s fr.umap carte.umap && cmp -s fr.html carte.html || fail "the map differs under fr_FR.UTF-8"
# errors: no -o, an unknown extension, a bad filter, a folder that does not exist
expect_exit 2 "$PN_BIN" --db p.db map
expect_err "usage: map needs -o FILE"
expect_exit 2 "$PN_BIN" --db p.db map -o carte.kml
expect_err "map: 'carte.kml': the file's name must end in .umap (uMap), .geojson (QGIS) or .html"
expect_exit 3 "$PN_BIN" --db p.db map --where "\${commune} =" -o x.geojson
expect_err "--where"
expect_exit 4 "$PN_BIN" --db p.db map -o nowhere/x.geojson
expect_err "cannot write 'nowhere/x.geojson'"
[ ! -e x.geojson ] || fail "a failed map left a file"
echo "map: ok"
