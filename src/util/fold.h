/*
 * fold.h - compare texts the way a person reads them.
 *
 * Exports head their columns and write their answers with the labels a coordinator typed in
 * the collecting tool, which differ from the form's in case, accents, apostrophes and spacing
 * ("Numéro SIRET  du centre social" vs "numero siret du centre social"). Folding maps both
 * to one key: Unicode compatibility decomposition, case folding, marks stripped, punctuation
 * variants lumped (’ ‘ → ', NBSP → space, dashes → -) by utf8proc; then runs of spaces become
 * one, a space before : ; ? ! is dropped (French typography) and the ends are trimmed.
 *
 * May call: util and utf8proc, which no other room may include (src/util's room;
 * docs/architecture.md, enforced by the build).
 */
#ifndef PN_UTIL_FOLD_H
#define PN_UTIL_FOLD_H

#include <stddef.h>

#include "util/strbuf.h"

/* Append the folded form of @s (@len bytes of UTF-8) to @out. PN_ENOMEM on failure. */
PN_MUST_USE pn_status pn_fold_append(pn_strbuf *out, const char *s, size_t len);

/* The folded form of @s, which the caller frees; NULL when out of memory. */
char *pn_fold(const char *s);

/* Whether @a and @b fold to the same text. */
int pn_fold_equal(const char *a, const char *b);

#endif
