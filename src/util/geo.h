/*
 * geo.h - coordinates in WGS 84, from the projections the French registries use: INSEE's
 * geolocated Sirene file gives Lambert-93 (EPSG:2154) in mainland France, UTM zones overseas,
 * each row naming its EPSG code. The conversion is PROJ's (Debian's libproj-dev), never a
 * formula written here.
 *
 * May call: util and PROJ, which no other room may include (src/util's room;
 * docs/architecture.md, enforced by the build).
 */
#ifndef PN_UTIL_GEO_H
#define PN_UTIL_GEO_H

#include "util/error.h"

/* A converter: PROJ's context and the transformations asked so far, by EPSG code. */
typedef struct pn_geo pn_geo;

/* NULL when out of memory. */
pn_geo *pn_geo_create(void);
void pn_geo_destroy(pn_geo *g);

/*
 * pn_geo_to_wgs84 - the point @x, @y of the projected system EPSG:@epsg as a latitude and a
 * longitude in degrees (WGS 84, EPSG:4326). PN_EINPUT when @epsg is no system PROJ knows or the
 * point does not convert ("EPSG:99999: ..."), PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_geo_to_wgs84(pn_geo *g, int epsg, double x, double y, double *lat,
                                      double *lon, pn_error *err);

#endif
