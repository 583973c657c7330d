/* checks.c - the checks of a row (import_internal.h): each answer against its question's type,
 * choice list, required flag and constraint; relevance, and the form's calculations. */
#include "import/import_internal.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/date.h"

/* Append "column 'x': <message>" to the reasons. PN_ENOMEM (in @err) when they cannot grow:
 * the row would else be stored as valid without the fault that it has. */
pn_status import_reason(file_reader *fr, pn_error *err, const char *col, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if ((fr->reasons.len && pn_strbuf_puts(&fr->reasons, "; ") != PN_OK) ||
        (col ? pn_strbuf_printf(&fr->reasons, "column '%s': %s", col, msg)
             : pn_strbuf_puts(&fr->reasons, msg)) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return PN_OK;
}

/* The choices of @list as "a, b, c" (at most 12), into @buf. */
static void choice_names(const pn_choice_list *list, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < list->n && used + 4 < size; i++) {
        if (i == 12) {
            snprintf(buf + used, size - used, ", ...");
            break;
        }
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", list->items[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Check the value of question @i, already in rd->val[i] and relevant. */
static pn_status check_value(file_reader *fr, size_t i, pn_error *err)
{
    reader *rd = fr->rd;
    const pn_question *q = &rd->plan->form->q[i];
    const char *v = rd->val[i];
    char names[512];
    pn_status st = PN_OK;
    if (*v == '\0') {
        if (q->required)
            return import_reason(fr, err, q->name, "an answer is required, found an empty cell");
        return PN_OK;
    }
    switch (q->type) {
    case PN_Q_INTEGER:
        if (!pn_is_integer(v))
            return import_reason(fr, err, q->name, "expected a whole number, found '%s'", v);
        break;
    case PN_Q_DECIMAL:
        if (!pn_is_decimal(v))
            return import_reason(fr, err, q->name,
                                 "expected a number (with '.' for decimals), found '%s'", v);
        break;
    case PN_Q_DATE:
    case PN_Q_DATETIME:
        if (!pn_date_read_iso(v, NULL, NULL, NULL))
            return import_reason(fr, err, q->name, "expected a date as YYYY-MM-DD, found '%s'", v);
        break;
    case PN_Q_SELECT_ONE:
        if (!rd->choices_ok[i] && pn_choice_find(q->list, v) == NULL) {
            choice_names(q->list, names, sizeof names);
            return import_reason(fr, err, q->name,
                                 "'%s' is not a choice of list '%s' (expected one of: %s)", v,
                                 q->list->name, names);
        }
        break;
    case PN_Q_SELECT_MULTIPLE: {
        const char *p = v, *name;
        size_t n;
        while (!rd->choices_ok[i] && (name = pn_select_next(&p, &n)) != NULL)
            if (pn_choice_find_n(q->list, name, n) == NULL) {
                choice_names(q->list, names, sizeof names);
                return import_reason(
                    fr, err, q->name,
                    "'%.*s' is not a choice of list '%s' (expected names separated "
                    "by spaces among: %s)",
                    (int)n, name, q->list->name, names);
            }
        break;
    }
    default:
        break;
    }
    if (q->constraint && !rd->bad[i]) {
        pn_expr_env env = {pn_calc_lookup, &rd->calc, v, rd->plan->opts->today, 1};
        int ok = 0;
        pn_error e;
        pn_error_clear(&e);
        st = pn_expr_eval_bool(q->constraint, &env, &ok, &e);
        if (st == PN_ENOMEM)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (st != PN_OK)
            return import_reason(fr, err, q->name, "the constraint cannot be checked: %s", e.msg);
        if (!ok)
            return import_reason(fr, err, q->name, "'%s' does not meet the constraint: %s", v,
                                 q->constraint_msg ? q->constraint_msg
                                                   : pn_expr_text(q->constraint));
    }
    return PN_OK;
}

/*
 * Check the row's answers at level @repeat (-1: top level) and compute its calculations.
 * rd->val holds the answers; reasons are appended to fr->reasons.
 */
pn_status import_check_row(file_reader *fr, int repeat, pn_error *err)
{
    reader *rd = fr->rd;
    const pn_form *f = rd->plan->form;
    pn_status st = PN_OK;
    pn_calc_row(&rd->calc);
    for (size_t i = 0; i < f->nq; i++) {
        const pn_question *q = &f->q[i];
        if (q->repeat != repeat)
            continue;
        int relevant = 1;
        pn_error e;
        pn_error_clear(&e);
        st = pn_calc_relevant(&rd->calc, i, &relevant, &e);
        if (st == PN_ENOMEM)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (st != PN_OK &&
            (st = import_reason(fr, err, q->name, "relevance cannot be evaluated: %s", e.msg)))
            return st;
        rd->is_relevant[i] = relevant;
        if (q->type == PN_Q_CALCULATE) {
            pn_error_clear(&e);
            st = pn_calc_value(&rd->calc, i, relevant, &e);
            if (st == PN_ENOMEM)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            if (st != PN_OK &&
                (st = import_reason(fr, err, q->name, "cannot be calculated: %s", e.msg)))
                return st;
            continue;
        }
        if (!relevant) {
            if (rd->val[i] && *rd->val[i]) {
                const pn_expr *own = q->nrelevant ? q->relevant[q->nrelevant - 1] : NULL;
                if ((st = import_reason(fr, err, q->name,
                                        "answered '%s', but the question does not apply to this "
                                        "respondent (relevant: %s)",
                                        rd->val[i], own ? pn_expr_text(own) : "")))
                    return st;
                pn_calc_changed(&rd->calc); /* the answer becomes empty */
            }
            rd->val[i] = "";
            continue;
        }
        if (rd->val[i] == NULL)
            rd->val[i] = "";
        if ((st = check_value(fr, i, err)) != PN_OK)
            return st;
    }
    return PN_OK;
}
