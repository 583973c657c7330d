/*
 * carto_html.c - the map as one page that opens from the disk (carto.h, PN_CARTO_HTML).
 *
 * Everything is in the file: Leaflet's script and style (Debian's libjs-leaflet, read from
 * its folder and inlined as they are, their licence notice with them), the features as the
 * GeoJSON file has them, and a small script that draws them on a canvas (thousands of lines
 * stay quick), with a panel: the counts, a choice of town, a legend of the classes of links
 * and of the networks whose boxes filter what is drawn. OpenStreetMap's tiles are the base map
 * when the computer is online; offline, the drawing stays on a plain background. The body's
 * data-marqueurs and data-liens attributes say how many structures and links are drawn, for
 * a test to read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/carto_internal.h"

/* The whole of @dir/@name into @out; PN_EIO when it cannot be read. */
static pn_status slurp(const char *dir, const char *name, pn_strbuf *out, pn_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return pn_error_set(err, PN_EIO,
                            "cannot read '%s', which the map page includes: install Debian's "
                            "libjs-leaflet (tools/install-deps.sh run)",
                            path);
    char buf[65536];
    size_t n;
    pn_status st = PN_OK;
    while (st == PN_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        st = pn_strbuf_append(out, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (st != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (bad)
        return pn_error_set(err, PN_EIO, "cannot read '%s'", path);
    /* a script cannot hold its own end tag; the source map is not shipped */
    if (strstr(pn_strbuf_str(out), "</script") || strstr(pn_strbuf_str(out), "</style"))
        return pn_error_set(err, PN_EIO, "'%s' holds an end tag and cannot be inlined", path);
    char *map = strstr(pn_strbuf_str(out), "\n//# sourceMappingURL=");
    if (map == NULL)
        map = strstr(pn_strbuf_str(out), "\n/*# sourceMappingURL=");
    if (map)
        out->len = (size_t)(map - out->buf) + 1, out->buf[out->len] = '\0';
    return PN_OK;
}

static const char style[] =
    "html,body{height:100%;margin:0}"
    "body{font:14px/1.4 'DejaVu Sans',Arial,sans-serif;color:#212121}"
    "#carte{position:absolute;top:0;bottom:0;left:0;right:330px;background:#e8eaed}"
    "#panneau{position:absolute;top:0;bottom:0;right:0;width:330px;overflow:auto;"
    "padding:14px 16px;box-sizing:border-box;border-left:1px solid #bdbdbd;background:#fff}"
    "h1{font-size:17px;margin:0 0 6px}h2{font-size:14px;margin:16px 0 6px}"
    "#compte{font-weight:bold}label{display:block;margin:3px 0;cursor:pointer}"
    "select{width:100%;font:inherit;margin-top:4px}"
    ".pastille{display:inline-block;width:22px;height:4px;margin:0 6px 3px 4px;"
    "vertical-align:middle}"
    ".rond{display:inline-block;width:11px;height:11px;border-radius:50%;margin:0 8px 0 9px;"
    "vertical-align:-1px}"
    ".aide,.hors{color:#616161;font-size:12.5px}"
    ".leaflet-popup-content{font-size:13px;line-height:1.45}"
    "@media print{#panneau{position:static;width:auto;border:0}#carte{right:0}}";

/* The page's own script: DONNEES (the GeoJSON) and CLASSES are set before it. */
static const char script[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var D = DONNEES, K = CLASSES, V = VUE;\n"
    "  function nombre(n) { return String(n).replace(/\\B(?=(\\d{3})+(?!\\d))/g, "
    "'\\u202f'); }\n"
    "  function html(s) { return s.replace(/&/g, '&amp;').replace(/</g, '&lt;')"
    ".replace(/>/g, '&gt;').replace(/\"/g, '&quot;'); }\n"
    "  function texte(s) { return html(s).replace(/\\*\\*([^*]+)\\*\\*/g, '<b>$1</b>')"
    ".replace(/\\n/g, '<br>'); }\n"
    "  var carte = L.map('carte', {preferCanvas: true});\n"
    "  L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {maxZoom: 19, "
    "attribution: '\\u00a9 les contributeurs d\\u2019<a "
    "href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>'}).addTo(carte);\n"
    "  var calque = L.layerGroup().addTo(carte);\n"
    "  var liens = [], points = [], parClasse = {};\n"
    "  D.features.forEach(function (f) {\n"
    "    var p = f.properties, o = p._umap_options, g = f.geometry.coordinates, l;\n"
    "    if (f.geometry.type === 'Point') {\n"
    "      l = L.circleMarker([g[1], g[0]], {radius: (p.reseau === 'centre' ? 7 : 5) - "
    "(p.liens ? 0 : 1.5), color: '#ffffff', weight: 1.5, fillColor: o.color, fillOpacity: "
    "p.liens ? 0.95 : 0.6});\n"
    "      points.push({p: p, l: l});\n"
    "    } else {\n"
    "      l = L.polyline([[g[0][1], g[0][0]], [g[1][1], g[1][0]]], {color: o.color, "
    "weight: o.weight, dashArray: o.dashArray || null, opacity: 0.85});\n"
    "      liens.push({p: p, l: l});\n"
    "      parClasse[p.classe] = (parClasse[p.classe] || 0) + 1;\n"
    "    }\n"
    "    l.bindPopup(texte(p.description), {maxWidth: 380});\n"
    "  });\n"
    "  var communes = {};\n"
    "  points.forEach(function (o) { communes[o.p.commune] = o.p.nom_commune || "
    "o.p.commune; });\n"
    "  var choix = document.getElementById('commune');\n"
    "  Object.keys(communes).sort(function (a, b) { return "
    "communes[a].localeCompare(communes[b], 'fr'); }).forEach(function (c) {\n"
    "    var o = document.createElement('option'); o.value = c; o.textContent = "
    "communes[c]; choix.appendChild(o);\n"
    "  });\n"
    "  function case_(parent, valeur, marque, mot) {\n"
    "    var l = document.createElement('label'), i = document.createElement('input');\n"
    "    i.type = 'checkbox'; i.checked = true; i.value = valeur; i.onchange = montre;\n"
    "    l.appendChild(i); l.appendChild(marque); l.appendChild(document.createTextNode(mot));\n"
    "    parent.appendChild(l);\n"
    "  }\n"
    "  var boites = document.getElementById('classes');\n"
    "  K.forEach(function (k) {\n"
    "    if (!parClasse[k.nom]) return;\n"
    "    var m = document.createElement('span'); m.className = 'pastille'; "
    "m.style.background = k.couleur;\n"
    "    case_(boites, k.nom, m, k.libelle + ' (' + nombre(parClasse[k.nom]) + ')');\n"
    "  });\n"
    "  var reseaux = document.getElementById('reseaux');\n"
    "  [['centre', 'Centres sociaux'], ['ecole', '\\u00c9coles']].forEach(function (r, i) {\n"
    "    var m = document.createElement('span'); m.className = 'rond'; "
    "m.style.background = V.couleurs[i];\n"
    "    case_(reseaux, r[0], m, r[1]);\n"
    "  });\n"
    "  case_(reseaux, 'seules', document.createElement('span'), 'Structures sans lien "
    "d\\u00e9clar\\u00e9');\n"
    "  function coches(id) {\n"
    "    var c = {};\n"
    "    document.querySelectorAll('#' + id + ' input').forEach(function (i) { c[i.value] "
    "= i.checked; });\n"
    "    return c;\n"
    "  }\n"
    "  function montre() {\n"
    "    var commune = choix.value, k = coches('classes'), r = coches('reseaux'), n = 0, "
    "m = 0, b = [];\n"
    "    calque.clearLayers();\n"
    "    liens.forEach(function (o) {\n"
    "      if (!k[o.p.classe] || (commune && o.p.commune !== commune && o.p.commune_ecole "
    "!== commune)) return;\n"
    "      calque.addLayer(o.l); m++;\n"
    "    });\n"
    "    points.forEach(function (o) {\n"
    "      if (!r[o.p.reseau] || (!o.p.liens && !r.seules) || (commune && o.p.commune !== "
    "commune)) return;\n"
    "      calque.addLayer(o.l); n++; b.push(o.l.getLatLng());\n"
    "    });\n"
    "    n = 0; m = 0; /* what the map holds now, counted on it */\n"
    "    calque.eachLayer(function (l) { if (!carte.hasLayer(l)) return; if (l instanceof "
    "L.CircleMarker) n++; else if (l instanceof L.Polyline) m++; });\n"
    "    document.body.setAttribute('data-marqueurs', n);\n"
    "    document.body.setAttribute('data-liens', m);\n"
    "    document.getElementById('compte').textContent = nombre(n) + ' structure' + (n > 1 "
    "? 's' : '') + ' et ' + nombre(m) + ' lien' + (m > 1 ? 's' : '') + ' affich\\u00e9' + "
    "(n + m > 1 ? 's' : '');\n"
    "    return b;\n"
    "  }\n"
    "  choix.onchange = function () {\n"
    "    var b = montre();\n"
    "    if (b.length) carte.fitBounds(L.latLngBounds(b), {padding: [30, 30], maxZoom: 15});\n"
    "  };\n"
    "  carte.setView([V.lat, V.lon], V.zoom); /* the layers join a map that has a view */\n"
    "  var b = montre();\n"
    "  if (b.length) carte.fitBounds(L.latLngBounds(b), {padding: [30, 30], maxZoom: 15});\n"
    "})();\n";

/* The panel's fixed text around what the script fills in. */
static pn_status panel(const pn_carto *c, pn_strbuf *out)
{
    pn_carto_counts n;
    pn_carto_count(c, &n);
    pn_status st = pn_strbuf_puts(out, "<div id=\"panneau\"><h1 id=\"titre\"></h1>"
                                       "<p id=\"compte\"></p><label>Commune<select "
                                       "id=\"commune\"><option value=\"\">Toutes les "
                                       "communes</option></select></label><h2 "
                                       "id=\"titre-classes\"></h2><div id=\"classes\"></div>"
                                       "<h2>Structures</h2><div id=\"reseaux\"></div>"
                                       "<p class=\"aide\">Trait plein et \xc3\xa9pais\xc2\xa0: "
                                       "lien d\xc3\xa9"
                                       "clar\xc3\xa9 par les deux structures\xc2\xa0; "
                                       "tirets\xc2\xa0: lien d\xc3\xa9"
                                       "clar\xc3\xa9 par une seule. Cliquez sur une structure "
                                       "ou un lien pour le d\xc3\xa9tail.</p>");
    if (st == PN_OK && (n.unplaced || n.undrawn))
        st = pn_strbuf_printf(out,
                              "<p class=\"hors\">Hors carte, faute de coordonn\xc3\xa9"
                              "es\xc2\xa0: %zu structure%s et %zu lien%s.</p>",
                              n.unplaced, n.unplaced > 1 ? "s" : "", n.undrawn,
                              n.undrawn > 1 ? "s" : "");
    return st == PN_OK ? pn_strbuf_puts(out, "</div>\n") : st;
}

/* The data the script reads: the features, the classes, the view. */
static pn_status data(const pn_carto *c, pn_strbuf *out)
{
    double lat, lon;
    int zoom;
    carto_view(c, &lat, &lon, &zoom);
    pn_status st = pn_strbuf_puts(out, "var DONNEES = {\"type\": \"FeatureCollection\", "
                                       "\"features\": [\n");
    if (st == PN_OK)
        st = carto_all_features(c, out, NULL);
    if (st == PN_OK)
        st = pn_strbuf_puts(out, "]};\nvar CLASSES = [");
    for (size_t k = 0; k <= c->nclasses && st == PN_OK; k++) {
        st = pn_strbuf_printf(out, "%s{\"nom\": ", k ? ", " : "");
        if (st == PN_OK)
            st = carto_json_str(out, k < c->nclasses ? c->classes[k].name : "");
        if (st == PN_OK)
            st = pn_strbuf_puts(out, ", \"libelle\": ");
        if (st == PN_OK)
            st = carto_json_str(out, k < c->nclasses ? c->classes[k].label : "Non class\xc3\xa9");
        if (st == PN_OK)
            st = pn_strbuf_printf(out, ", \"couleur\": \"%s\"}",
                                  carto_class_colour(k < c->nclasses ? (int)k : -1));
    }
    if (st == PN_OK)
        st = pn_strbuf_printf(out,
                              "];\nvar VUE = {\"lat\": %.6f, \"lon\": %.6f, \"zoom\": %d, "
                              "\"couleurs\": [\"%s\", \"%s\"]};\n",
                              lat, lon, zoom, carto_side_colour[0], carto_side_colour[1]);
    /* the titles, set as text (never parsed as HTML) */
    if (st == PN_OK)
        st = pn_strbuf_puts(out, "document.getElementById('titre').textContent = ");
    if (st == PN_OK)
        st = carto_json_str(out, c->title);
    if (st == PN_OK)
        st = pn_strbuf_puts(out, ";\ndocument.getElementById('titre-classes').textContent = ");
    if (st == PN_OK)
        st = carto_json_str(out, c->class_title);
    return st == PN_OK ? pn_strbuf_puts(out, ";\n") : st;
}

/* @s with the characters HTML gives a meaning to escaped, for the <title>. */
static pn_status escaped(pn_strbuf *out, const char *s)
{
    pn_status st = PN_OK;
    for (; *s && st == PN_OK; s++)
        st = *s == '<'   ? pn_strbuf_puts(out, "&lt;")
             : *s == '>' ? pn_strbuf_puts(out, "&gt;")
             : *s == '&' ? pn_strbuf_puts(out, "&amp;")
                         : pn_strbuf_append(out, s, 1);
    return st;
}

pn_status carto_html(const pn_carto *c, const char *leaflet_dir, pn_strbuf *out, pn_error *err)
{
    pn_strbuf js = PN_STRBUF_INIT, css = PN_STRBUF_INIT;
    pn_status st = slurp(leaflet_dir, "leaflet.js", &js, err);
    if (st == PN_OK)
        st = slurp(leaflet_dir, "leaflet.css", &css, err);
    if (st != PN_OK)
        goto out;
    if ((st = pn_strbuf_puts(out, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta "
                                  "charset=\"utf-8\">\n<meta name=\"viewport\" "
                                  "content=\"width=device-width, initial-scale=1\">\n"
                                  "<title>")) != PN_OK ||
        (st = escaped(out, c->title)) != PN_OK ||
        (st = pn_strbuf_printf(out,
                               "</title>\n<style>\n%s\n</style>\n<style>%s</style>\n"
                               "</head>\n<body data-marqueurs=\"0\" data-liens=\"0\">\n"
                               "<div id=\"carte\"></div>\n",
                               pn_strbuf_str(&css), style)) != PN_OK ||
        (st = panel(c, out)) != PN_OK ||
        (st = pn_strbuf_printf(out, "<script>\n%s\n</script>\n<script>\n", pn_strbuf_str(&js))) !=
            PN_OK ||
        (st = data(c, out)) != PN_OK ||
        (st = pn_strbuf_printf(out, "%s</script>\n</body>\n</html>\n", script)) != PN_OK)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
out:
    pn_strbuf_release(&js);
    pn_strbuf_release(&css);
    return st;
}
