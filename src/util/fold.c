#include "util/fold.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static int is_fold_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether @s is printable ASCII (space to tilde) only. For such a text every mapping of
 * FOLD_OPTIONS is the identity but case folding, which is A-Z to a-z (test_fold checks it
 * against utf8proc for every such byte): most headers, names and answers are folded without
 * utf8proc's decomposition and its allocation. */
static int printable_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

#define FOLD_OPTIONS                                                                               \
    (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |                    \
     UTF8PROC_STRIPMARK | UTF8PROC_LUMP | UTF8PROC_STRIPCC)

pn_status pn_fold_append(pn_strbuf *out, const char *s, size_t len)
{
    utf8proc_uint8_t *mapped = NULL;
    const char *src = s;
    utf8proc_ssize_t n = (utf8proc_ssize_t)len;
    int ascii = printable_ascii(s, len);
    if (!ascii) {
        n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &mapped, FOLD_OPTIONS);
        src = (const char *)mapped;
        if (n < 0) {
            if (n == UTF8PROC_ERROR_NOMEM)
                return PN_ENOMEM;
            /* not UTF-8 (the readers reject that earlier): compare the bytes as they are */
            src = s;
            n = (utf8proc_ssize_t)len;
        }
    }
    /* the folded text is never longer than the mapped one: room for it at once */
    size_t start = out->len;
    if (pn_strbuf_append(out, src, (size_t)n) != PN_OK) {
        free(mapped);
        return PN_ENOMEM;
    }
    char *w = out->buf + start;
    int pending_space = 0;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        char c = src[i];
        if (is_fold_space(c)) {
            pending_space = w > out->buf + start;
            continue;
        }
        if (pending_space && !(c == ':' || c == ';' || c == '?' || c == '!'))
            *w++ = ' ';
        pending_space = 0;
        *w++ = ascii && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    out->len = (size_t)(w - out->buf);
    out->buf[out->len] = '\0';
    free(mapped);
    return PN_OK;
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
