/*
 * carto.h - the map of the structures and of their links (la cartographie): a uMap file, a
 * GeoJSON file for QGIS, a page that shows it from the disk.
 *
 * The model is what the map shows and nothing else: the structures with their place (WGS 84;
 * NaN when the registry has none: such a structure is listed, never placed at a guess), and the
 * links, one per centre and school whatever the side that reported it, each with the view of
 * each side that did (its class, and its answers in words). The report room fills it from the
 * store (report/carto.c); this module writes it, without the store:
 *
 *  - .geojson: RFC 7946, a FeatureCollection of the structures (points) then of the links
 *    (lines from the centre to the school), longitude then latitude, no "crs" member; flat
 *    properties for QGIS (reseau, identifiant, nom, commune, classe, couleur, vues, ...) beside
 *    uMap's name, description and _umap_options;
 *  - .umap: uMap's own map file (app.js importRaw in umap-project/umap): the map's properties,
 *    its centre, and its layers, the structures first, then one layer per class of link;
 *  - .html: one self-contained page (Leaflet inlined from Debian's libjs-leaflet), the same
 *    features drawn with a legend, a filter by class and by town, the uMap popups, a base map
 *    when online and the drawing readable offline.
 *
 * A link's colour is its class's (the classes in the order of the form's list of classes); it
 * is dashed when one side only reported it, wider when both did (a pair), drawn in the class
 * the centre gives it then (the school's view in its description). Nothing personal goes out:
 * names of structures, their communes and the answers to choice questions, no e-mail, no text
 * typed by a respondent.
 *
 * May call: util.
 */
#ifndef PN_OUTPUT_CARTO_H
#define PN_OUTPUT_CARTO_H

#include <stddef.h>

#include "util/error.h"
#include "util/strbuf.h"
#include "util/strindex.h"

enum { PN_CARTO_CENTRE = 0, PN_CARTO_SCHOOL = 1 };

typedef struct pn_carto_place {
    int side; /* PN_CARTO_CENTRE or PN_CARTO_SCHOOL */
    char *ident, *name, *kind, *commune, *commune_name;
    char *rep;       /* a school's priority education ("REP", "REP+"), "" when none */
    double lat, lon; /* WGS 84; NaN when unknown */
    int listed;      /* in the registry (else only named by an answer) */
    int responded;   /* an answer of its own is stored */
    size_t links;    /* links it has on the map's data (drawn or not) */
} pn_carto_place;

typedef struct pn_carto_link {
    size_t place[2]; /* the centre's and the school's index in places */
    int seen[2];     /* how many times each side reported it */
    int klass[2];    /* each side's class (index in classes), -1 when none */
    char *view[2];   /* each side's answers in words, a line each; NULL when not reported */
} pn_carto_link;

typedef struct pn_carto_class {
    char *name, *label;
} pn_carto_class;

typedef struct pn_carto {
    char *title;       /* the map's name */
    char *class_title; /* the word for a link's class ("Type de lien") */
    pn_carto_place *places;
    size_t nplaces, places_cap;
    pn_carto_link *links;
    size_t nlinks, links_cap;
    pn_carto_class *classes;
    size_t nclasses;
    pn_strindex place_index, link_index; /* kept by this module, */
    char **key_blocks;                   /* with the keys they lend, in blocks that never move */
    size_t nkey_blocks, key_used;
} pn_carto;

/* An empty map named @title (copied); NULL when out of memory. Free with pn_carto_destroy. */
pn_carto *pn_carto_create(const char *title, const char *class_title);
void pn_carto_destroy(pn_carto *c);

/* Add the class @name (its label @label) after the others. PN_OK, PN_ENOMEM. */
PN_MUST_USE pn_status pn_carto_add_class(pn_carto *c, const char *name, const char *label);
/* The index of the class named @name, -1 when none. */
int pn_carto_class_index(const pn_carto *c, const char *name);

/* Add a structure (its strings copied); a structure of the same side and identifier already
 * there is left as it is. *@index (when not NULL) gets its index. PN_OK, PN_ENOMEM. */
PN_MUST_USE pn_status pn_carto_add_place(pn_carto *c, const pn_carto_place *p, size_t *index,
                                         pn_error *err);
/* The index of the structure @side/@ident, or -1. */
long pn_carto_find_place(const pn_carto *c, int side, const char *ident);

/*
 * pn_carto_add_view - side @side's report of its link between the centre @centre and the
 * school @school (indexes of places): its class @klass (-1: none) and its answers in words
 * @view (copied; one "Question : réponse" a line). A side that reports the same link twice
 * keeps its first view, and the link says so. PN_OK, PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_carto_add_view(pn_carto *c, size_t centre, size_t school, int side,
                                        int klass, const char *view, pn_error *err);

typedef enum pn_carto_format { PN_CARTO_GEOJSON, PN_CARTO_UMAP, PN_CARTO_HTML } pn_carto_format;

/* The format a file's name asks for (.geojson or .json, .umap, .html or .htm, any case):
 * 1 and *@out set, or 0. */
int pn_carto_format_of(const char *path, pn_carto_format *out);

/* What a map shows. */
typedef struct pn_carto_counts {
    size_t placed, unplaced; /* structures with a place, without */
    size_t drawn, undrawn;   /* links whose two ends are placed, and the others */
    size_t pairs;            /* links drawn that both sides reported */
} pn_carto_counts;

void pn_carto_count(const pn_carto *c, pn_carto_counts *out);

/*
 * pn_carto_write - the map @c in @format to @path, as a whole (util/file.h). @leaflet_dir:
 * the folder of leaflet.js and leaflet.css, for PN_CARTO_HTML (Debian's
 * /usr/share/javascript/leaflet). PN_OK; PN_EIO ("cannot read 'leaflet.js' ..." or "cannot
 * write 'path': ..."), PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_carto_write(const pn_carto *c, pn_carto_format format, const char *path,
                                     const char *leaflet_dir, pn_error *err);

/*
 * pn_carto_draw - the network of the town @commune (its INSEE code; NULL: the whole map) drawn
 * by Graphviz (network.c says how), as @format "png" or "svg": the town's structures that have
 * a link and their partners elsewhere, the links touching the town, each in its class's colour
 * when @classes, else all alike (a drawing beside tables the secret statistique masks: the
 * colour of each link would give their small counts back). *@data gets the file's
 * bytes (the caller frees it), *@len their number, *@nodes (when not NULL) how many
 * structures it shows. PN_OK, PN_ENOMEM, PN_EINTERNAL (Graphviz failed: its message).
 */
typedef struct pn_carto_drawer pn_carto_drawer;
PN_MUST_USE pn_status pn_carto_draw(pn_carto_drawer *d, const pn_carto *c, const char *commune,
                                    const char *format, int classes, char **data, size_t *len,
                                    size_t *nodes, pn_error *err);

/* The Graphviz context of every drawing of a run (NULL when out of memory); destroy it once,
 * at the end (NULL: no-op). */
pn_carto_drawer *pn_carto_drawer_create(void);
void pn_carto_drawer_destroy(pn_carto_drawer *d);

/* The same into @out (appended), for the tests and the benchmark. */
PN_MUST_USE pn_status pn_carto_render(const pn_carto *c, pn_carto_format format,
                                      const char *leaflet_dir, pn_strbuf *out, pn_error *err);

#endif
