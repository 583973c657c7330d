/*
 * fail_iconv.c - a fault injected for tests/e2e/faults.sh: loaded with LD_PRELOAD, it makes
 * every iconv() call fail with EBADF, an error that iconv never gives for bad input, so that
 * util/decode.c reports it as PN_EINTERNAL before the first record of a file is read. Built
 * only with the tests; never linked into panorama.
 */
#include <errno.h>
#include <iconv.h>
#include <stddef.h>

size_t iconv(iconv_t cd, char **in, size_t *inleft, char **out, size_t *outleft)
{
    (void)cd, (void)in, (void)inleft, (void)out, (void)outleft;
    errno = EBADF;
    return (size_t)-1;
}
