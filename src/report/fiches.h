/*
 * fiches.h - the fiches record of a spec (report.h): a sheet of the network's figures by
 * town, then one fiche per town for the working groups. What build.c calls; not a public
 * header.
 */
#ifndef PN_REPORT_FICHES_H
#define PN_REPORT_FICHES_H

#include "report/report.h"
#include "stats/tabulate.h"

/*
 * wb_fiche_requests - the tables of each fiche, one per variable of @it (it->nvars requests
 * into @reqs): a single-answer variable v as {by, v}, the request of "Liens par commune", so
 * that both publish one secret pattern; a select_multiple of a stored form as {v, by}.
 * PN_OK, PN_ESTORE, PN_ENOMEM.
 */
PN_MUST_USE pn_status wb_fiche_requests(pn_store *s, const pn_report_item *it, pn_tab_request *reqs,
                                        pn_error *err);

/*
 * wb_add_fiches - the figures sheet and the fiches of @it, from @res (the it->nvars results
 * of its requests, counted and protected with the workbook's other tables) and from the store
 * @s, inside the report's read transaction: the registry's structures of each town and the
 * links the answers report (pn_carto_read), each town's network drawn by Graphviz. @secret:
 * the threshold of the secret statistique. *@written gets the number of fiches. PN_OK, PN_ESTORE,
 * PN_ENOMEM, PN_EINTERNAL.
 */
PN_MUST_USE pn_status wb_add_fiches(pn_workbook *wb, pn_store *s, const pn_report_item *it,
                                    const pn_tab_result *res, double secret, size_t *written,
                                    pn_error *err);

#endif
