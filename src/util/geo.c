/* geo.c - coordinates in WGS 84 through PROJ (geo.h). */
#include "util/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <proj.h>

typedef struct transform {
    int epsg;
    PJ *pj; /* EPSG:epsg to EPSG:4326, axes in the order x (easting), y / longitude, latitude */
} transform;

struct pn_geo {
    PJ_CONTEXT *ctx;
    transform *t;
    size_t n;
};

pn_geo *pn_geo_create(void)
{
    pn_geo *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    /* its own context: PROJ's messages stay in it, never on stderr */
    if ((g->ctx = proj_context_create()) == NULL) {
        free(g);
        return NULL;
    }
    proj_log_level(g->ctx, PJ_LOG_NONE);
    return g;
}

void pn_geo_destroy(pn_geo *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n; i++)
        proj_destroy(g->t[i].pj);
    free(g->t);
    proj_context_destroy(g->ctx);
    free(g);
}

/* The transformation from EPSG:@epsg, made at its first use; NULL when PROJ has none. */
static PJ *transform_of(pn_geo *g, int epsg, int *nomem)
{
    *nomem = 0;
    for (size_t i = 0; i < g->n; i++)
        if (g->t[i].epsg == epsg)
            return g->t[i].pj;
    char from[32];
    snprintf(from, sizeof from, "EPSG:%d", epsg);
    PJ *raw = proj_create_crs_to_crs(g->ctx, from, "EPSG:4326", NULL);
    if (raw == NULL)
        return NULL;
    /* EPSG:4326 is latitude first; visualization order is longitude, latitude, as x, y */
    PJ *pj = proj_normalize_for_visualization(g->ctx, raw);
    proj_destroy(raw);
    if (pj == NULL)
        return NULL;
    transform *t = realloc(g->t, (g->n + 1) * sizeof *t);
    if (t == NULL) {
        proj_destroy(pj);
        *nomem = 1;
        return NULL;
    }
    g->t = t;
    g->t[g->n++] = (transform){epsg, pj};
    return pj;
}

pn_status pn_geo_to_wgs84(pn_geo *g, int epsg, double x, double y, double *lat, double *lon,
                          pn_error *err)
{
    int nomem = 0;
    PJ *pj = transform_of(g, epsg, &nomem);
    if (pj == NULL)
        return nomem ? pn_error_set(err, PN_ENOMEM, "out of memory")
                     : pn_error_set(err, PN_EINPUT,
                                    "EPSG:%d: no coordinate system of that code (PROJ: %s)", epsg,
                                    proj_context_errno_string(g->ctx, proj_context_errno(g->ctx)));
    PJ_COORD c = proj_coord(x, y, 0, 0);
    PJ_COORD r = proj_trans(pj, PJ_FWD, c);
    if (!isfinite(r.lp.lam) || !isfinite(r.lp.phi) || r.lp.phi < -90 || r.lp.phi > 90)
        return pn_error_set(err, PN_EINPUT, "EPSG:%d: the point %.2f, %.2f does not convert", epsg,
                            x, y);
    *lon = r.xy.x;
    *lat = r.xy.y;
    return PN_OK;
}
