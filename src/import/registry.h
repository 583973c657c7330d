/*
 * registry.h - the registry of the structures to survey, read from the files a coordinator
 * has (DOMAIN.md §2), into the store's registry (store.h):
 *   - the Annuaire de l'éducation's open-data export, the site's (Identifiant_de_l_etablissement,
 *     ...) or the API's (identifiant_de_l_etablissement, ...): its schools, by UAI, with their
 *     name, type, commune, priority education, e-mail, address and coordinates; a school on
 *     several lines is kept once (its first line), one whose `etat` is not OUVERT is left aside;
 *   - the federation's own list of centres sociaux: a SIRET column and a name (nom,
 *     nom_structure, raison_sociale, denomination), and optionally the commune (its INSEE code,
 *     or its name), the address, a contact e-mail (courriel, email, mail), latitude and
 *     longitude;
 *   - the QPV list (code_qp, lib_qp, insee_com, lib_com), one row per neighbourhood and commune
 *     (several communes in one cell, joined by ';', are split);
 *   - INSEE's geolocated Sirene file (siret, x, y, epsg, ...): the places of the centres the
 *     registry has, their projected coordinates (Lambert-93 in mainland France) converted to
 *     WGS 84 with PROJ (util/geo.h); a SIRET the registry lacks is passed over (the file is
 *     national), and counted.
 * The kind of a file is told by its header; columns are found by name, in any case and order,
 * accents, spaces and hyphens ignored; every cell is text (a commune 2A004 stays 2A004; one
 * Excel stripped of its leading zero gets it back). Any encoding and delimiter pn_csv_read
 * detects.
 *
 * A row whose identifier is wrong (a UAI's check letter, a SIRET's Luhn key, a commune code)
 * is left out and listed with its file, line and reason; a coordinate that is no number is
 * left out of its row, which is kept, and listed too. All the files are read in one
 * transaction: a file that cannot be read, or whose header is none of the kinds above, leaves
 * the store as it was. Reading the same file again changes nothing; a newer one updates the
 * structures it holds and says which fields changed.
 *
 * May call: util, and the store through store/store.h.
 */
#ifndef PN_IMPORT_REGISTRY_H
#define PN_IMPORT_REGISTRY_H

#include <stddef.h>

#include "store/store.h"
#include "util/error.h"

typedef enum pn_registry_kind {
    PN_REGISTRY_ANNUAIRE,
    PN_REGISTRY_CENTRES,
    PN_REGISTRY_QPV,
    PN_REGISTRY_SIRENE
} pn_registry_kind;

/* A row left out, or a field of a row left out (@kept 1: the row is in the registry). */
typedef struct pn_registry_issue {
    char *file;
    size_t line;
    char *reason; /* "UAI '0951099A': the check letter should be D", ... */
    int kept;
} pn_registry_issue;

/* What the reading of one file did. */
typedef struct pn_registry_file {
    char *path;
    pn_registry_kind kind;
    size_t rows; /* records after the header */
    size_t added, updated, unchanged;
    size_t duplicates; /* a structure already on an earlier line of the file */
    size_t closed;     /* Annuaire: etat not OUVERT, left aside */
    size_t absent;     /* Sirene: establishments the registry does not have, passed over */
    size_t rejected;   /* rows left out for a wrong identifier */
    size_t changed[8]; /* updated: how many changed each field, by bit of PN_REG_* (store.h) */
} pn_registry_file;

typedef struct pn_registry_result {
    pn_registry_file *files;
    size_t nfiles;
    pn_registry_issue *issues;
    size_t nissues;
} pn_registry_result;

/*
 * pn_registry_import - read the @n files @paths into @s's registry, in one transaction.
 * @out: filled (release it with pn_registry_result_release), also on failure as far as the
 * reading went. Returns PN_OK; PN_EINPUT for a file of no known kind or a malformed one
 * ("path: ..." or "path:line: ..."), PN_EIO, PN_ESTORE, PN_EBUSY, PN_ENOMEM; on failure the
 * store is as it was.
 */
PN_MUST_USE pn_status pn_registry_import(pn_store *s, const char *const *paths, size_t n,
                                         pn_registry_result *out, pn_error *err);

void pn_registry_result_release(pn_registry_result *r);

/* The French words of @kind: "Annuaire de l'éducation", "liste des centres sociaux", "liste des
 * QPV". */
const char *pn_registry_kind_label(pn_registry_kind kind);

#endif
