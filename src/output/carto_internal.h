/* carto_internal.h - what carto.c and carto_html.c share (output/carto.h is the interface). */
#ifndef PN_OUTPUT_CARTO_INTERNAL_H
#define PN_OUTPUT_CARTO_INTERNAL_H

#include "output/carto.h"
#include "util/file.h"

/* Each network's colour, uMap icon, code (the GeoJSON's reseau) and French word. */
extern const char *const carto_side_colour[2];
extern const char *const carto_side_icon[2];
extern const char *const carto_side_code[2];
extern const char *const carto_side_word[2];

/* Class @klass's colour (-1: a link without a class). */
const char *carto_class_colour(int klass);

/* Whether both ends of @l are placed; the class it is drawn in (-1: none). */
int carto_link_drawn(const pn_carto *c, const pn_carto_link *l);
int carto_link_class(const pn_carto_link *l);

/* @s as a JSON string, '<' '>' '&' escaped so that it may sit in an HTML script. */
PN_MUST_USE pn_status carto_json_str(pn_strbuf *sb, const char *s);

/* The features of a layer as GeoJSON, comma-separated: @layer -2 the structures placed, -1
 * every link drawn, else the links of class @layer (c->nclasses: without a class). With
 * @spill (NULL: none), the text written so far goes to that file, then out of @sb, each time
 * it passes CARTO_SPILL bytes: a national map is never held whole in memory. */
#define CARTO_SPILL (1u << 20)
PN_MUST_USE pn_status carto_features(const pn_carto *c, long layer, pn_strbuf *sb,
                                     pn_file_out *spill, size_t *n);

/* Every structure placed then every link drawn, comma-separated (a GeoJSON "features"). */
PN_MUST_USE pn_status carto_all_features(const pn_carto *c, pn_strbuf *sb, pn_file_out *spill);

/* The map's centre and zoom. */
void carto_view(const pn_carto *c, double *lat, double *lon, int *zoom);

/* The page (carto_html.c), appended to @out. */
PN_MUST_USE pn_status carto_html(const pn_carto *c, const char *leaflet_dir, pn_strbuf *out,
                                 pn_error *err);

#endif
