/*
 * tabulate.h - count answers in the store into stats tables.
 *
 * A variable is looked up by name in every stored form; forms that share a name are pooled
 * (both networks answer `type_lien`, `freins`, ...). The unit of a table is the deeper level
 * of its variables: a link (repeat entry) when either variable is in a repeat, else a
 * submission; a repeat entry sees its submission's answers too. A unit for which the
 * variable does not apply (not relevant) is outside the base; a relevant unanswered one is
 * missing. The pseudo-variable `reseau` is the respondent's network (centre social / école).
 * A `where` filter is an XLSForm expression evaluated on each unit.
 */
#ifndef PN_STATS_TABULATE_H
#define PN_STATS_TABULATE_H

#include "stats/stats.h"
#include "store/store.h"

typedef enum pn_tab_kind { PN_TAB_FREQ, PN_TAB_MULTI, PN_TAB_CROSSTAB } pn_tab_kind;

typedef struct pn_tab_request {
    const char *var;   /* required */
    const char *by;    /* NULL or "": no cross-tab */
    const char *where; /* NULL or "": every unit */
} pn_tab_request;

typedef struct pn_tab_result {
    pn_tab_kind kind;
    pn_freq *freq;   /* PN_TAB_FREQ */
    pn_multi *multi; /* PN_TAB_MULTI */
    pn_crosstab *xt; /* PN_TAB_CROSSTAB */
} pn_tab_result;

/*
 * pn_tabulate - count and compute the table @req asks for.
 * Returns PN_OK with *@out filled (release with pn_tab_result_release), PN_EUSAGE when a
 * variable is unknown or cannot be tabulated that way or when the variable, the --by variable
 * or the filter uses a question that holds personal data (form.h), PN_EINPUT for a bad filter.
 */
pn_status pn_tabulate(pn_store *s, const pn_tab_request *req, pn_tab_result *out, pn_error *err);

void pn_tab_result_release(pn_tab_result *r);

#endif
