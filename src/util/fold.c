#include "util/fold.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static int is_fold_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

pn_status pn_fold_append(pn_strbuf *out, const char *s, size_t len)
{
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t n =
        utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &mapped,
                     UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                         UTF8PROC_STRIPMARK | UTF8PROC_LUMP | UTF8PROC_STRIPCC);
    const char *src = (const char *)mapped;
    if (n < 0) {
        if (n == UTF8PROC_ERROR_NOMEM)
            return PN_ENOMEM;
        /* not UTF-8 (the readers reject that earlier): compare the bytes as they are */
        src = s;
        n = (utf8proc_ssize_t)len;
    }
    size_t start = out->len;
    int pending_space = 0;
    pn_status st = PN_OK;
    for (utf8proc_ssize_t i = 0; i < n && st == PN_OK; i++) {
        char c = src[i];
        if (is_fold_space(c)) {
            pending_space = out->len > start;
            continue;
        }
        if (pending_space && !(c == ':' || c == ';' || c == '?' || c == '!'))
            st = pn_strbuf_append(out, " ", 1);
        pending_space = 0;
        if (st == PN_OK)
            st = pn_strbuf_append(out, &c, 1);
    }
    if (st == PN_OK && out->buf == NULL)
        st = pn_strbuf_append(out, "", 0);
    free(mapped);
    return st;
}

char *pn_fold(const char *s)
{
    pn_strbuf sb = PN_STRBUF_INIT;
    if (pn_fold_append(&sb, s, strlen(s)) != PN_OK || pn_strbuf_puts(&sb, "") != PN_OK) {
        pn_strbuf_release(&sb);
        return NULL;
    }
    return pn_strbuf_detach(&sb);
}

int pn_fold_equal(const char *a, const char *b)
{
    char *fa = pn_fold(a), *fb = pn_fold(b);
    int eq = fa && fb && strcmp(fa, fb) == 0;
    free(fa);
    free(fb);
    return eq;
}
