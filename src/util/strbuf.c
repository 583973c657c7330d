#include "util/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pn_status reserve(pn_strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return PN_OK;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *p = realloc(sb->buf, cap);
    if (p == NULL)
        return PN_ENOMEM;
    sb->buf = p;
    sb->cap = cap;
    return PN_OK;
}

pn_status pn_strbuf_append(pn_strbuf *sb, const char *data, size_t len)
{
    if (reserve(sb, len) != PN_OK)
        return PN_ENOMEM;
    if (len)
        memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
    return PN_OK;
}

pn_status pn_strbuf_puts(pn_strbuf *sb, const char *s)
{
    return pn_strbuf_append(sb, s, strlen(s));
}

pn_status pn_strbuf_printf(pn_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    /* into the room the buffer has, in one pass when it fits (most calls); else measured,
     * grown, and written again. The buffer's end is restored when it did not fit. */
    size_t room = sb->buf ? sb->cap - sb->len : 0;
    va_start(ap, fmt);
    int n = room ? vsnprintf(sb->buf + sb->len, room, fmt, ap) : vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < room) {
        sb->len += (size_t)n;
        return PN_OK;
    }
    if (room)
        sb->buf[sb->len] = '\0';
    if (n < 0 || reserve(sb, (size_t)n) != PN_OK)
        return PN_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
    return PN_OK;
}

const char *pn_strbuf_str(const pn_strbuf *sb)
{
    return sb->buf ? sb->buf : "";
}

void pn_strbuf_reset(pn_strbuf *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

char *pn_strbuf_detach(pn_strbuf *sb)
{
    char *s = sb->buf ? sb->buf : pn_strdup("");
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    return s;
}

void pn_strbuf_release(pn_strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

char *pn_strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}
