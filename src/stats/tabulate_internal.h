/*
 * tabulate_internal.h - what the counting (tabulate.c) and the checks of a request against
 * the stored forms (checks.c) share. Not a public header.
 */
#ifndef PN_STATS_TABULATE_INTERNAL_H
#define PN_STATS_TABULATE_INTERNAL_H

#include "stats/tabulate.h"

/* The pseudo-variable of a spec or a filter that stands for the reporting structure's side
 * (its form's side, not a question: a question of that name, if any, takes precedence). */
#define RESEAU "reseau"

/* PN_EINPUT when the table @req asks for uses a question that a form of the @n @forms marks
 * as personal data (form.h): as the variable, the --by variable or in the filter; the
 * message says why. PN_OK otherwise (a filter that does not parse is reported where it is
 * used). */
PN_MUST_USE pn_status pn_tab_check_personal(pn_form *const *forms, size_t n,
                                            const pn_tab_request *req, pn_error *err);

/* Check the filter @where against the @nforms stored @forms: it parses, each ${name} is a
 * question of some form (or reseau), each choice test uses a choice name. PN_OK; PN_EINPUT
 * with a message that quotes the filter; PN_ENOMEM. */
PN_MUST_USE pn_status pn_tab_check_filter(pn_form *const *forms, size_t nforms, const char *where,
                                          pn_error *err);

#endif
