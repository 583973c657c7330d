/* test_geo.c - coordinates in WGS 84 through PROJ (util/geo.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "util/geo.h"

/* Lambert-93's own definition: its false origin (700,000 m; 6,600,000 m) is the point 46°30'N,
 * 3°E (the projection's latitude of origin and central meridian, EPSG:2154). */
static void test_lambert93_origin(void **state)
{
    (void)state;
    pn_geo *g = pn_geo_create();
    assert_non_null(g);
    pn_error err = {0};
    double lat = 0, lon = 0;
    assert_int_equal(pn_geo_to_wgs84(g, 2154, 700000, 6600000, &lat, &lon, &err), PN_OK);
    assert_true(fabs(lat - 46.5) < 1e-8);
    assert_true(fabs(lon - 3.0) < 1e-8);
    /* 100 km north on the central meridian: about 0.9 degree of latitude, the same meridian */
    assert_int_equal(pn_geo_to_wgs84(g, 2154, 700000, 6700000, &lat, &lon, &err), PN_OK);
    assert_true(lat > 47.39 && lat < 47.41); /* 47.4003: the cone is secant, its scale not 1 */
    assert_true(fabs(lon - 3.0) < 1e-8);
    /* a system PROJ does not know */
    assert_int_equal(pn_geo_to_wgs84(g, 99999, 1, 1, &lat, &lon, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "EPSG:99999"));
    pn_geo_destroy(g);
    pn_geo_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_lambert93_origin)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
