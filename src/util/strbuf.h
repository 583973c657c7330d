/*
 * strbuf.h - a growable, always NUL-terminated byte string.
 *
 * Embedded by the caller: pn_strbuf sb = PN_STRBUF_INIT; ... pn_strbuf_release(&sb);
 * Appending functions return PN_OK or PN_ENOMEM (the buffer is unchanged on failure).
 *
 * May call: libc only (src/util's room; docs/architecture.md, enforced by the build).
 */
#ifndef PN_UTIL_STRBUF_H
#define PN_UTIL_STRBUF_H

#include <stddef.h>

#include "util/error.h"

typedef struct pn_strbuf {
    char *buf; /* NUL-terminated once anything was appended; NULL before */
    size_t len;
    size_t cap;
} pn_strbuf;

#define PN_STRBUF_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

PN_MUST_USE pn_status pn_strbuf_append(pn_strbuf *sb, const char *data, size_t len);
PN_MUST_USE pn_status pn_strbuf_puts(pn_strbuf *sb, const char *s);
PN_MUST_USE pn_status pn_strbuf_printf(pn_strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The contents, "" when empty; lent, valid until the next change. */
const char *pn_strbuf_str(const pn_strbuf *sb);
/* Empty the buffer, keeping its memory. */
void pn_strbuf_reset(pn_strbuf *sb);
/* Hand the string to the caller, who frees it with free(); the buffer becomes empty.
 * Returns NULL only when out of memory. */
char *pn_strbuf_detach(pn_strbuf *sb);
void pn_strbuf_release(pn_strbuf *sb);

/* strdup that returns NULL on NULL input. The caller frees the result. */
char *pn_strdup(const char *s);

#endif
