/*
 * ident.h - check and repair the identifiers of structures (DOMAIN.md section 2).
 *
 * Four identifiers reach panorama through the exports: a school's UAI, a centre social's
 * SIRET (and its SIREN part), a commune's INSEE code and a priority neighbourhood's QPV code.
 * Each check says whether a value is valid and, when it is not, writes one English message
 * a coordinator can act on, in the house style ("'0951099A' is not a valid UAI: the check
 * letter should be D (...)"): lower case, no final full stop, the value quoted (cut to 40
 * bytes when longer, at a UTF-8 character boundary).
 *
 * Spreadsheets damage identifiers. An export re-saved by Excel on a French system has lost the
 * leading zeros of the codes Excel took for numbers, and shows long numbers (a SIRET) as a
 * rounded figure in scientific notation (`7,32829E+13`). The repair helpers put back lost
 * leading zeros, and only when the result is unambiguous (it passes the check); the detector
 * recognises a number in scientific notation, whose digits are lost for good. The normaliser
 * undoes harmless typing habits (spaces in a SIRET, a lower-case UAI letter). None of them
 * guesses: a value they cannot put right is left for the coordinator, with a message.
 *
 * Checks do not normalise: "0951099d" or " 0951099D" is reported, because the coordinator
 * must fix the source; an importer that wants to be lenient calls pn_ident_normalize (then
 * pn_ident_repair) first and says what it changed.
 *
 * Every function is pure: no allocation, no I/O, no global state; safe from any thread.
 * Buffers: @msg may be NULL (size 0) when the message is not wanted; a message longer than
 * @size is cut (PN_IDENT_MSG_SIZE always suffices). Values are NUL-terminated strings.
 *
 * May call: libc only (src/util's room; docs/architecture.md, enforced by the build).
 */
#ifndef PN_UTIL_IDENT_H
#define PN_UTIL_IDENT_H

#include <stddef.h>

/* A message buffer of this size never truncates a message of this module. */
#define PN_IDENT_MSG_SIZE 320

/* An output buffer of this size holds any repaired identifier (a SIRET is the longest). */
#define PN_IDENT_SIZE 16

typedef enum pn_ident_kind {
    PN_IDENT_UAI,     /* school: 7 digits + check letter, e.g. 0951099D */
    PN_IDENT_SIRET,   /* establishment: 14 digits, Luhn (La Poste: digit sum % 5) */
    PN_IDENT_SIREN,   /* company: 9 digits, Luhn */
    PN_IDENT_COMMUNE, /* INSEE commune code: 5 characters, 2A/2B for Corsica */
    PN_IDENT_QPV,     /* priority neighbourhood: QP + 6 digits (2015) or QN... (2024) */
} pn_ident_kind;

/* The English name of @kind as used in messages ("UAI", "SIRET", "INSEE commune code", ...). */
const char *pn_ident_kind_name(pn_ident_kind kind);

/*
 * pn_ident_check_uai - whether @s is a valid UAI: 7 digits, then the capital letter
 * "ABCDEFGHJKLMNPRSTUVWXYZ"[n % 23] where n is the 7 digits read as a number (the alphabet has
 * no I, O or Q). A lower-case letter is reported, not accepted.
 * Valid: 0951099D, 0422170F, 0940176F. Invalid: 0951099A.
 * Returns 1 if valid (and @msg is set to ""), else 0 with the reason in @msg.
 */
int pn_ident_check_uai(const char *s, char *msg, size_t size);

/*
 * pn_ident_check_siret - whether @s is a valid SIRET: 14 digits, whose first 9 (the SIREN)
 * and all 14 pass the Luhn check. La Poste's establishments (SIREN 356000000) do not follow
 * Luhn on 14 digits: their digits add up to a multiple of 5 instead, except the head office
 * 35600000000048, which follows Luhn.
 * Valid: 73282932000074. Invalid: 73282932000079 (Luhn), 123 (length).
 * Returns 1 if valid (and @msg is set to ""), else 0 with the reason in @msg.
 */
int pn_ident_check_siret(const char *s, char *msg, size_t size);

/* pn_ident_check_siren - the same for a SIREN alone: 9 digits passing the Luhn check. */
int pn_ident_check_siren(const char *s, char *msg, size_t size);

/*
 * pn_ident_check_commune - whether @s is an INSEE commune code: it matches
 * ^([013-9][0-9]|2[AB1-9])[0-9]{3}$ (département 20 became 2A and 2B in 1976).
 * This is the form of the code only: whether such a commune exists is not checked.
 * Returns 1 if valid (and @msg is set to ""), else 0 with the reason in @msg.
 */
int pn_ident_check_commune(const char *s, char *msg, size_t size);

/*
 * pn_ident_check_qpv - whether @s has the form of a QPV code of either official list:
 *   2015-2023: QP + département on 3 characters + 3 digits            (QP093009)
 *   2024-:     QN + département on 3 characters + 2 digits + a letter (QN07501M)
 * Neither has a check digit. The département is written on 3 characters, padded with a zero
 * in metropolitan France: 001 to 095 except 020, 02A and 02B for Corsica (the padded form of
 * the INSEE département code, as in the 3-character département of the QN codes), 971 to 978
 * overseas (the DROM 971-976, Saint-Barthelemy 977, Saint-Martin 978) and 986 to 988 (Wallis
 * and Futuna, French Polynesia and New Caledonia, which have their own city-policy schemes).
 * Any other département is reported: it is a typing error, not a new list.
 * Returns 1 if valid (and @msg is set to ""), else 0 with the reason in @msg.
 */
int pn_ident_check_qpv(const char *s, char *msg, size_t size);

/* pn_ident_check - the check of @kind (one of the functions above). */
int pn_ident_check(pn_ident_kind kind, const char *s, char *msg, size_t size);

/*
 * pn_ident_excel_number - whether @s is a number that Excel wrote in scientific notation
 * (`7,32829E+13`, `7.32829E+13`, `7,33E+13`, `7E+13`): the identifier was rounded to a few
 * significant digits and cannot be recovered. When it is, @msg gets "'7,32829E+13' is not an
 * identifier: Excel has turned it into a rounded number; format the column as text and export
 * again". Returns 1 if so, else 0 (and @msg is set to "").
 * The checks above give the same explanation for such a value.
 */
int pn_ident_excel_number(const char *s, char *msg, size_t size);

/*
 * Repairs: Excel drops the leading zeros of a code it took for a number. Each helper writes
 * the repaired value into @out (@size bytes, PN_IDENT_SIZE suffices) and returns 1 when it
 * repaired @s; else it returns 0 and @out is set to "" (when @size > 0). A repair is made only
 * when it is the one possible reading of @s: the value after padding passes its check, and
 * @s does not start with a zero (Excel drops every leading zero, so a value that still has
 * one lost something else). A value that is already valid is not "repaired".
 */

/* A UAI of 5 or 6 digits then a letter (1 or 2 zeros lost), padded to 7 digits when the
 * check letter is right: "951099D" -> "0951099D". "95912R" is not repaired (check fails). */
int pn_ident_repair_uai(const char *s, char *out, size_t size);

/* A SIRET of 10 to 13 digits padded to 14 when the result passes pn_ident_check_siret. */
int pn_ident_repair_siret(const char *s, char *out, size_t size);

/* An INSEE commune code of exactly 4 digits, not starting with 0: "1001" -> "01001". */
int pn_ident_repair_commune(const char *s, char *out, size_t size);

/* pn_ident_repair - the repair of @kind; PN_IDENT_SIREN and PN_IDENT_QPV never repair. */
int pn_ident_repair(pn_ident_kind kind, const char *s, char *out, size_t size);

/*
 * pn_ident_normalize - undo harmless typing habits in @s, an identifier of @kind, into @out:
 * - every kind: remove leading and trailing spaces, tabs, no-break spaces (U+00A0) and narrow
 *   no-break spaces (U+202F, which a French Excel puts between groups of digits);
 * - SIRET and SIREN: when the value is only digits and separators, remove the separators
 *   inside it (spaces of both kinds, '.', '-'): "732 829 320 00074" -> "73282932000074";
 * - UAI, commune and QPV: remove spaces inside, and write ASCII letters in capitals
 *   ("0951099d" -> "0951099D", "2a004" -> "2A004", "qn07501m" -> "QN07501M").
 * Nothing else is changed: a value in scientific notation, for one, stays as it is so that the
 * check can explain it. The result is never longer than @s.
 * @out: @size bytes; at least strlen(@s) + 1. May not be @s.
 * Returns 1 when the value changed, 0 when @out is a copy of @s, -1 when @out is too small
 * (then @out is set to "" when @size > 0).
 */
int pn_ident_normalize(pn_ident_kind kind, const char *s, char *out, size_t size);

#endif
