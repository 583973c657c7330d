/*
 * tabulate.h - count answers in the store into stats tables.
 *
 * A variable is looked up by name in every stored form; forms that ask it alike are pooled
 * (both networks answer `type_lien`, `freins`, ...), others give one table each (see
 * pn_tab_result). The unit of a table is the deeper level
 * of its variables: a link (repeat entry) when either variable is in a repeat, else a
 * submission; a repeat entry sees its submission's answers too. A unit for which the
 * variable does not apply (not relevant) is outside the base; a relevant unanswered one is
 * missing. The pseudo-variable `reseau` is the respondent's network (centre social / école).
 * A `where` filter is an XLSForm expression evaluated on each unit.
 * A select_multiple by a single-answer variable is a multiple-response cross-tab: per
 * column, the units that ticked each option and the column's respondents (its base).
 *
 * The tables of several requests are counted in one pass (pn_tabulate_all): each form's
 * submissions and the entries of each of its repeats are read once, whatever the number of
 * tables that count them.
 *
 * May call: util, form, the store's forms and scans (pn_store_form_ids, pn_store_get_form,
 * pn_store_scan_*), stats.h. Counted in tabulate.c, the categories and counts of a table in
 * counter.c, the checks of a request (personal data, the filter) in checks.c.
 */
#ifndef PN_STATS_TABULATE_H
#define PN_STATS_TABULATE_H

#include "stats/stats.h"
#include "store/store.h"

typedef enum pn_tab_kind {
    PN_TAB_FREQ,
    PN_TAB_MULTI,
    PN_TAB_CROSSTAB,
    PN_TAB_MULTI_CROSSTAB, /* a select_multiple by a single-answer variable */
    PN_TAB_AGREEMENT       /* the two views of the pairs both sides report (pairs) */
} pn_tab_kind;

typedef struct pn_tab_request {
    const char *var;   /* required */
    const char *by;    /* NULL or "": no cross-tab */
    const char *where; /* NULL or "": every unit */
    int pairs;         /* the agreement of the pairs reported by both sides: the centre's
                        * answer to var by the school's (no by, no where) */
} pn_tab_request;

/* One table of a result: the table of every network pooled, or one network's own. The
 * table of the result's kind is set, the others are NULL. */
typedef struct pn_tab_part {
    char *network;          /* NULL when pooled; else the form's network as `reseau` names it
                             * ("centre", "ecole"; the form id for a form of neither), owned */
    char *network_label;    /* NULL when pooled; else "Centres sociaux", "Écoles" (the form's
                             * title for a form of neither), owned */
    pn_freq *freq;          /* PN_TAB_FREQ */
    pn_multi *multi;        /* PN_TAB_MULTI */
    pn_crosstab *xt;        /* PN_TAB_CROSSTAB */
    pn_multi_crosstab *mxt; /* PN_TAB_MULTI_CROSSTAB */
    pn_agreement *agree;    /* PN_TAB_AGREEMENT */
    /* set by pn_tab_result_protect (protect.h): the counts masked, and whether the table's
     * tests (chi-square, kappa) are withheld because a cell is masked */
    size_t masked;
    int tests_withheld;
    /* the units counted, for the table's "Champ" line: 1 << pn_form_side (form.h) of each
     * network whose form was counted, and whether a unit is a reported link (an entry of the
     * forms' partner repeat) rather than a questionnaire */
    unsigned sides;
    int links;
} pn_tab_part;

/*
 * The result: one part when the forms that have the variables ask them alike (the same
 * label, type and choice list, names and labels, for `var` and for `by`), and then the
 * forms are pooled; else one part per form, in the order of the stored forms, each
 * counted over its own units under its own labels (both forms have a `rep` or an
 * `acteurs`, but not the same question: pooling them would count schools' answers under
 * the centres' wording).
 */
/* Which part of its request a failing pn_tabulate found wrong, for the caller to say it in
 * its user's terms (tab names its options, report the columns of its spec). */
typedef enum pn_tab_fault {
    PN_TAB_FAULT_NONE,      /* not the request (the store, memory), or no failure */
    PN_TAB_FAULT_QUESTIONS, /* var or by, or a question of the filter that holds personal
                             * data: no stored form has it, or it cannot be tabulated so */
    PN_TAB_FAULT_FILTER,    /* where: syntax, an unknown question, a literal that is no choice
                             * name, a question of a repeat the table does not count */
} pn_tab_fault;

typedef struct pn_tab_result {
    pn_tab_kind kind;
    pn_tab_part *parts; /* nparts parts, owned */
    size_t nparts;
    char *split;        /* NULL when pooled; else the variables the forms ask differently, e.g.
                         * "travaille_avec" or "rep, acteurs", owned */
    pn_tab_fault fault; /* set when pn_tabulate fails, PN_TAB_FAULT_NONE otherwise */
    double secret;      /* the threshold pn_tab_result_protect applied; 0 when none */
} pn_tab_result;

/*
 * pn_tabulate - count and compute the table @req asks for.
 *
 * Filters: ${reseau} is the unit's network ("centre", "ecole") unless a form has a question
 * of that name. A question that one form lacks reads as empty ('') for that form's units,
 * as a question that is not relevant reads in XLSForm: ${freins_autre} != '' keeps no unit
 * of a form without it, and a filter on a question of one form keeps only that form's
 * units. A filter that names a question no stored form has is an error, and so is a choice
 * test (= or != with a quoted literal other than '', selected()) whose literal is not a
 * choice name of that select question in any form (the message gives the name whose label the
 * literal is, or the closest names).
 *
 * Returns PN_OK with *@out filled (release with pn_tab_result_release); PN_EINPUT when the
 * request is wrong, with out->fault saying where: PN_TAB_FAULT_QUESTIONS when a variable is
 * unknown or cannot be tabulated that way (a select_multiple as the by variable, two repeat
 * groups), when no form is stored yet, or when the variable, the by variable or the filter
 * uses a question that holds personal data (form.h); PN_TAB_FAULT_FILTER for a bad filter
 * (syntax, unknown question, a literal that is not a choice name, a question of a repeat the
 * table does not count). The messages do not name the request's fields: the caller does.
 * PN_ESTORE, PN_ENOMEM (out->fault PN_TAB_FAULT_NONE).
 *
 * Pairs (req->pairs): one part, the agreement table (stats.h) of the pairs of a centre and a
 * school that both report their link, each once (store.h, pn_store_each_pair), over the
 * categories of var's choice list: the centre's answer by the school's, the first stored
 * centres' form and schools' form. PN_EINPUT (PN_TAB_FAULT_QUESTIONS) when a by variable or
 * a filter is given, when var is not asked alike by both (a single-choice question with the
 * same label and choice list, at the top level or in the links repeat), holds personal data,
 * or when there is neither a centres' nor a schools' form with links. With one network's
 * form only, the table is empty (no pair yet).
 */
PN_MUST_USE pn_status pn_tabulate(pn_store *s, const pn_tab_request *req, pn_tab_result *out,
                                  pn_error *err);

/*
 * pn_tabulate_all - count and compute the tables of the @n requests @reqs into @out[0..n-1],
 * all in one pass over the store: for each stored form, one scan of its submissions and one
 * of the entries of each repeat that some table counts, every table of that level counted
 * from the same rows (a report's tables, where pn_tabulate on each would scan the store once
 * per table). Each result is the one pn_tabulate gives for its request.
 *
 * Returns PN_OK with every result filled (*@failed = @n). On failure, the status, error and
 * fault of the first request that pn_tabulate on each in turn would find failing: *@failed
 * is its index, out[*failed].fault says where (see pn_tabulate), and the results before it
 * are filled, those from it on empty. The caller releases each of out[0..*failed-1] with
 * pn_tab_result_release.
 */
PN_MUST_USE pn_status pn_tabulate_all(pn_store *s, const pn_tab_request *reqs, size_t n,
                                      pn_tab_result *out, size_t *failed, pn_error *err);

void pn_tab_result_release(pn_tab_result *r);

#endif
