/*
 * test_ident.c - the identifier checks of util/ident.c (DOMAIN.md section 2): every rule with
 * the exact message a coordinator reads, La Poste's SIRET exception, Corsica and overseas
 * codes, the repairs of what Excel does to identifiers (and the ones that must not happen),
 * the normaliser, and every identifier of the bundled example exports (examples/ *.csv).
 *
 * Hand computations are in the comments so that a reader can check the expected values
 * without running anything. UAI letters: "ABCDEFGHJKLMNPRSTUVWXYZ" indexed from 0, so
 * A0 B1 C2 D3 E4 F5 G6 H7 J8 K9 L10 M11 N12 P13 R14 S15 T16 U17 V18 W19 X20 Y21 Z22.
 * Luhn: from the right, double every second digit (minus 9 above 9); the sum must end in 0.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/csv.h"
#include "util/ident.h"

/* The check of @kind on @s must pass, with an empty message. */
#define VALID(kind, s)                                                                             \
    do {                                                                                           \
        char m_[PN_IDENT_MSG_SIZE] = "x";                                                          \
        if (!pn_ident_check((kind), (s), m_, sizeof m_))                                           \
            fail_msg("'%s' should be valid: %s", (s), m_);                                         \
        assert_string_equal(m_, "");                                                               \
    } while (0)

/* The check of @kind on @s must fail with exactly @expected. */
#define INVALID(kind, s, expected)                                                                 \
    do {                                                                                           \
        char m_[PN_IDENT_MSG_SIZE] = "";                                                           \
        if (pn_ident_check((kind), (s), m_, sizeof m_))                                            \
            fail_msg("'%s' should be invalid", (s));                                               \
        assert_string_equal(m_, (expected));                                                       \
    } while (0)

/* The repair of @kind must turn @s into @expected. */
#define REPAIRED(kind, s, expected)                                                                \
    do {                                                                                           \
        char o_[PN_IDENT_SIZE] = "x";                                                              \
        if (!pn_ident_repair((kind), (s), o_, sizeof o_))                                          \
            fail_msg("'%s' should be repaired into '%s'", (s), (expected));                        \
        assert_string_equal(o_, (expected));                                                       \
        VALID((kind), o_);                                                                         \
    } while (0)

/* The repair of @kind must leave @s alone. */
#define NOT_REPAIRED(kind, s)                                                                      \
    do {                                                                                           \
        char o_[PN_IDENT_SIZE] = "x";                                                              \
        if (pn_ident_repair((kind), (s), o_, sizeof o_))                                           \
            fail_msg("'%s' should not be repaired, got '%s'", (s), o_);                            \
        assert_string_equal(o_, "");                                                               \
    } while (0)

/* The normaliser of @kind must turn @s into @expected, reporting @changed. */
#define NORMALIZED(kind, s, expected, changed)                                                     \
    do {                                                                                           \
        char o_[64];                                                                               \
        assert_int_equal(pn_ident_normalize((kind), (s), o_, sizeof o_), (changed));               \
        assert_string_equal(o_, (expected));                                                       \
    } while (0)

#define NBSP "\xc2\xa0"      /* U+00A0 no-break space */
#define NNBSP "\xe2\x80\xaf" /* U+202F narrow no-break space, Excel's French digit grouping */

/* ---------------------------------------------------------------------------------------- */
/* UAI */

static void test_uai_domain_examples(void **state)
{
    (void)state;
    /* 951099 = 23 * 41352 + 3 -> D; 422170 = 23 * 18355 + 5 -> F; 940176 = 23 * 40877 + 5 -> F */
    VALID(PN_IDENT_UAI, "0951099D");
    VALID(PN_IDENT_UAI, "0422170F");
    VALID(PN_IDENT_UAI, "0940176F");
    INVALID(PN_IDENT_UAI, "0951099A",
            "'0951099A' is not a valid UAI: the check letter should be D (7 digits, then the "
            "letter of the 7-digit number mod 23)");
}

static void test_uai_corsica_overseas(void **state)
{
    (void)state;
    /* 620123 = 23 * 26961 + 20 -> X (Corse-du-Sud, 620); 9760012 = 23 * 424348 + 8 -> J
     * (Mayotte, 976): the 7 digits are one number, whatever the département */
    VALID(PN_IDENT_UAI, "0620123X");
    VALID(PN_IDENT_UAI, "9760012J");
    INVALID(PN_IDENT_UAI, "9760012I",
            "'9760012I' is not a valid UAI: the check letter should be J (7 digits, then the "
            "letter of the 7-digit number mod 23)");
}

static void test_uai_messages(void **state)
{
    (void)state;
    INVALID(PN_IDENT_UAI, "",
            "'' is not a valid UAI: expected 7 digits then a capital letter, found an empty value");
    /* a lower-case letter is reported: the source must be fixed */
    INVALID(PN_IDENT_UAI, "0951099d",
            "'0951099d' is not a valid UAI: the check letter should be a capital: 0951099D");
    INVALID(PN_IDENT_UAI, "0951099a",
            "'0951099a' is not a valid UAI: the check letter should be D (7 digits, then the "
            "letter of the 7-digit number mod 23)");
    /* I, O and Q are not in the alphabet, so never right */
    INVALID(PN_IDENT_UAI, "0951099O",
            "'0951099O' is not a valid UAI: the check letter should be D (7 digits, then the "
            "letter of the 7-digit number mod 23)");
    /* 95912 = 23 * 4170 + 2 -> C, not R: the example's deliberate bad row, a digit missing */
    INVALID(PN_IDENT_UAI, "095912R",
            "'095912R' is not a valid UAI: expected 8 characters (7 digits, then a letter), "
            "found 7");
    /* lost leading zero: the message gives the repaired value */
    INVALID(PN_IDENT_UAI, "951099D",
            "'951099D' is not a valid UAI: expected 8 characters (7 digits, then a letter), "
            "found 7; Excel has probably dropped its leading zeros: 0951099D is valid");
    INVALID(PN_IDENT_UAI, "09510999D",
            "'09510999D' is not a valid UAI: expected 8 characters (7 digits, then a letter), "
            "found 9");
    INVALID(PN_IDENT_UAI, "0951O99D",
            "'0951O99D' is not a valid UAI: the first 7 characters should be digits, found 'O' "
            "at position 5");
    INVALID(PN_IDENT_UAI, "09510991",
            "'09510991' is not a valid UAI: the 8th character should be the check letter, found "
            "'1'");
    /* characters, not bytes: É is 2 bytes */
    INVALID(PN_IDENT_UAI, "0951099\xc3\x89",
            "'0951099\xc3\x89' is not a valid UAI: the 8th character should be the check letter, "
            "found '\xc3\x89'");
    INVALID(PN_IDENT_UAI,
            "\xc3\x89"
            "951099D",
            "'\xc3\x89"
            "951099D' is not a valid UAI: the first 7 characters should be digits, "
            "found '\xc3\x89' at position 1");
    /* checks do not trim: the normaliser does */
    INVALID(PN_IDENT_UAI, " 0951099D",
            "' 0951099D' is not a valid UAI: expected 8 characters (7 digits, then a letter), "
            "found 9");
}

/* ---------------------------------------------------------------------------------------- */
/* SIRET and SIREN */

static void test_siret_domain_examples(void **state)
{
    (void)state;
    VALID(PN_IDENT_SIRET, "73282932000074");
    /* only the last digit differs: the SIREN 732829320 is still right */
    INVALID(PN_IDENT_SIRET, "73282932000079",
            "'73282932000079' is not a valid SIRET: the Luhn check fails (a digit is probably "
            "mistyped)");
    INVALID(PN_IDENT_SIRET, "123", "'123' is not a valid SIRET: expected 14 digits, found 3");
}

static void test_siret_messages(void **state)
{
    (void)state;
    /* SIREN 732829321 from the right: 1 2* 3 9* 2 8* 2 3* 7 -> 1+4+3+9+2+7+2+6+7 = 41 */
    INVALID(PN_IDENT_SIRET, "73282932100074",
            "'73282932100074' is not a valid SIRET: its SIREN part (the first 9 digits, "
            "732829321) fails the Luhn check (a digit is probably mistyped)");
    INVALID(PN_IDENT_SIRET, "",
            "'' is not a valid SIRET: expected 14 digits, found an empty value");
    INVALID(PN_IDENT_SIRET, "732829320",
            "'732829320' is not a valid SIRET: expected 14 digits, found 9: that is a SIREN; add "
            "the 5 digits that number the establishment (its NIC)");
    INVALID(PN_IDENT_SIRET, "732829320000745",
            "'732829320000745' is not a valid SIRET: expected 14 digits, found 15");
    INVALID(PN_IDENT_SIRET, "7328293200007A",
            "'7328293200007A' is not a valid SIRET: expected 14 digits, found 'A' at position 14");
    INVALID(PN_IDENT_SIRET, "732 829 320 00074",
            "'732 829 320 00074' is not a valid SIRET: expected 14 digits, found ' ' at position "
            "4; remove the spaces, dots and dashes");
    INVALID(PN_IDENT_SIRET, "732" NNBSP "829" NNBSP "320" NNBSP "00074",
            "'732" NNBSP "829" NNBSP "320" NNBSP "00074' is not a valid SIRET: expected 14 digits, "
            "found '" NNBSP "' at position 4; remove the spaces, dots and dashes");
    /* 1000000800010 has lost its leading zero: 01000000800010 passes both Luhn checks
     * (SIREN 010000008 from the right: 8 0* 0 0* 0 0* 0 1* 0 -> 8 + 2 = 10; all 14 from the
     * right: 0 1* 0 0* 0 8* 0 0* 0 0* 0 0* 1 0* -> 2 + 7 + 1 = 10) */
    INVALID(PN_IDENT_SIRET, "1000000800010",
            "'1000000800010' is not a valid SIRET: expected 14 digits, found 13; Excel has "
            "probably dropped its leading zeros: 01000000800010 is valid");
    INVALID(PN_IDENT_SIRET, "7,32829E+13",
            "'7,32829E+13' is not a valid SIRET: Excel has turned this identifier into a rounded "
            "number; format the column as text and export again");
}

/*
 * La Poste (SIREN 356000000, Luhn-valid: 3 + 1 + 6 = 10) numbers its establishments so that
 * the 14 digits add up to a multiple of 5; only the head office 35600000000048 follows Luhn.
 * Digit sum of 356000000 is 14, so a NIC whose digits add up to 1, 6, 11, ... passes.
 */
static void test_siret_la_poste(void **state)
{
    (void)state;
    /* head office: Luhn from the right 8 4* 0 ... 6* 5 3* -> 8+8+0+...+3+5+6 = 30: valid;
     * its digit sum is 26, so the La Poste rule alone would reject it */
    VALID(PN_IDENT_SIRET, "35600000000048");
    /* sum 14 + 1 = 15: valid although Luhn fails (from the right 1 0* ... -> 1+...+3+5+6 = 15) */
    VALID(PN_IDENT_SIRET, "35600000000001");
    /* sum 14 + 1+2+3+4+6 = 30: valid; Luhn fails */
    VALID(PN_IDENT_SIRET, "35600000012346");
    /* sum 20 and Luhn both hold */
    VALID(PN_IDENT_SIRET, "35600000000006");
    /* Luhn holds (4 + 2 + 14 = 20) but the sum is 19: Luhn is not La Poste's rule */
    INVALID(PN_IDENT_SIRET, "35600000000014",
            "'35600000000014' is not a valid SIRET: the digits of a La Poste SIRET (SIREN "
            "356000000) add up to a multiple of 5, these add up to 19 (a digit is probably "
            "mistyped)");
    /* sum 29 */
    INVALID(PN_IDENT_SIRET, "35600000012345",
            "'35600000012345' is not a valid SIRET: the digits of a La Poste SIRET (SIREN "
            "356000000) add up to a multiple of 5, these add up to 29 (a digit is probably "
            "mistyped)");
    /* the head office mistyped: no longer the exception, and its sum 27 fails */
    INVALID(PN_IDENT_SIRET, "35600000000049",
            "'35600000000049' is not a valid SIRET: the digits of a La Poste SIRET (SIREN "
            "356000000) add up to a multiple of 5, these add up to 27 (a digit is probably "
            "mistyped)");
    /* another SIREN starting 3560 follows Luhn: 356000001 fails its own Luhn check */
    INVALID(PN_IDENT_SIRET, "35600000100005",
            "'35600000100005' is not a valid SIRET: its SIREN part (the first 9 digits, "
            "356000001) fails the Luhn check (a digit is probably mistyped)");
}

static void test_siren(void **state)
{
    (void)state;
    VALID(PN_IDENT_SIREN, "732829320");
    VALID(PN_IDENT_SIREN, "356000000");
    INVALID(PN_IDENT_SIREN, "732829321",
            "'732829321' is not a valid SIREN: the Luhn check fails (a digit is probably "
            "mistyped)");
    INVALID(PN_IDENT_SIREN, "73282932000074",
            "'73282932000074' is not a valid SIREN: expected 9 digits, found 14: that is a "
            "SIRET, whose first 9 digits are the SIREN");
    INVALID(PN_IDENT_SIREN, "7328", "'7328' is not a valid SIREN: expected 9 digits, found 4");
}

/* ---------------------------------------------------------------------------------------- */
/* INSEE commune codes */

static void test_commune(void **state)
{
    (void)state;
    VALID(PN_IDENT_COMMUNE, "95018"); /* Argenteuil */
    VALID(PN_IDENT_COMMUNE, "01001"); /* L'Abergement-Clémenciat */
    VALID(PN_IDENT_COMMUNE, "2A004"); /* Ajaccio */
    VALID(PN_IDENT_COMMUNE, "2B033"); /* Bastia */
    VALID(PN_IDENT_COMMUNE, "97101"); /* Les Abymes, Guadeloupe */
    VALID(PN_IDENT_COMMUNE, "97611"); /* Mamoudzou, Mayotte */
    VALID(PN_IDENT_COMMUNE, "21231"); /* Dijon: 2 then 1-9 is a département */
    INVALID(PN_IDENT_COMMUNE, "9501",
            "'9501' is not an INSEE commune code: expected 5 characters (the département on 2, "
            "2A or 2B in Corsica, then 3 digits), found 4; Excel has probably dropped its "
            "leading zero: 09501");
    INVALID(PN_IDENT_COMMUNE, "0950",
            "'0950' is not an INSEE commune code: expected 5 characters (the département on 2, "
            "2A or 2B in Corsica, then 3 digits), found 4");
    INVALID(PN_IDENT_COMMUNE, "950180",
            "'950180' is not an INSEE commune code: expected 5 characters (the département on 2, "
            "2A or 2B in Corsica, then 3 digits), found 6");
    INVALID(PN_IDENT_COMMUNE, "20004",
            "'20004' is not an INSEE commune code: département 20 was split into 2A and 2B in "
            "1976: Corsican codes start with 2A or 2B");
    INVALID(PN_IDENT_COMMUNE, "2a004",
            "'2a004' is not an INSEE commune code: Corsica's départements are written in "
            "capitals: 2A004");
    INVALID(PN_IDENT_COMMUNE, "2C004",
            "'2C004' is not an INSEE commune code: the first 2 characters should be the "
            "département (2 digits, or 2A or 2B), found '2C'");
    INVALID(PN_IDENT_COMMUNE, "A5018",
            "'A5018' is not an INSEE commune code: the first 2 characters should be the "
            "département (2 digits, or 2A or 2B), found 'A5'");
    INVALID(PN_IDENT_COMMUNE, "95O18",
            "'95O18' is not an INSEE commune code: the last 3 characters should be digits, found "
            "'O'");
    INVALID(PN_IDENT_COMMUNE, "",
            "'' is not an INSEE commune code: expected 5 characters, found an empty value");
}

/* ---------------------------------------------------------------------------------------- */
/* QPV */

static void test_qpv(void **state)
{
    (void)state;
    VALID(PN_IDENT_QPV, "QP093009"); /* 2015 list */
    VALID(PN_IDENT_QPV, "QN07501M"); /* 2024 list */
    VALID(PN_IDENT_QPV, "QP095005");
    VALID(PN_IDENT_QPV, "QN09501M");
    VALID(PN_IDENT_QPV, "QP001001"); /* Ain: département padded to 3 */
    VALID(PN_IDENT_QPV, "QP02A001"); /* Corsica */
    VALID(PN_IDENT_QPV, "QN02B01A");
    VALID(PN_IDENT_QPV, "QP971005"); /* Guadeloupe */
    VALID(PN_IDENT_QPV, "QP976001"); /* Mayotte */
    VALID(PN_IDENT_QPV, "QN97801A"); /* Saint-Martin */
    VALID(PN_IDENT_QPV, "QP987001"); /* French Polynesia */
    INVALID(PN_IDENT_QPV, "qn07501m",
            "'qn07501m' is not a valid QPV code: the code should be written in capitals: "
            "QN07501M");
    INVALID(PN_IDENT_QPV, "QR093009",
            "'QR093009' is not a valid QPV code: it should start with QP (2015 list) or QN (2024 "
            "list), found 'QR'");
    INVALID(PN_IDENT_QPV, "QP93009",
            "'QP93009' is not a valid QPV code: expected 8 characters: QP + département on 3 "
            "characters + 3 digits (2015 list, e.g. QP093009), found 7");
    INVALID(PN_IDENT_QPV, "QN0750M",
            "'QN0750M' is not a valid QPV code: expected 8 characters: QN + département on 3 "
            "characters + 2 digits + a capital letter (2024 list, e.g. QN07501M), found 7");
    INVALID(PN_IDENT_QPV, "QP020001",
            "'QP020001' is not a valid QPV code: '020' is not a département on 3 characters (001 "
            "to 095, 02A or 02B in Corsica, 971 to 978, 986 to 988)");
    INVALID(PN_IDENT_QPV, "QN00001A",
            "'QN00001A' is not a valid QPV code: '000' is not a département on 3 characters (001 "
            "to 095, 02A or 02B in Corsica, 971 to 978, 986 to 988)");
    INVALID(PN_IDENT_QPV, "QP096001",
            "'QP096001' is not a valid QPV code: '096' is not a département on 3 characters (001 "
            "to 095, 02A or 02B in Corsica, 971 to 978, 986 to 988)");
    INVALID(PN_IDENT_QPV, "QP09300A",
            "'QP09300A' is not a valid QPV code: after QP and the département, expected 3 digits, "
            "found '00A'");
    INVALID(PN_IDENT_QPV, "QN075012",
            "'QN075012' is not a valid QPV code: after QN and the département, expected 2 digits "
            "and a capital letter, found '012'");
    INVALID(PN_IDENT_QPV, "QN09501\xc3\x89",
            "'QN09501\xc3\x89' is not a valid QPV code: after QN and the département, expected 2 "
            "digits and a capital letter, found '01\xc3\x89'");
    INVALID(PN_IDENT_QPV, "",
            "'' is not a valid QPV code: expected QP + département on 3 characters + 3 digits "
            "(2015 list, e.g. QP093009) or QN + département on 3 characters + 2 digits + a "
            "capital letter (2024 list, e.g. QN07501M), found an empty value");
}

/* ---------------------------------------------------------------------------------------- */
/* What Excel does */

static void test_excel_number(void **state)
{
    (void)state;
    static const char *const yes[] = {"7,32829E+13", "7.32829E+13", "7,33E+13",
                                      "7E+13",       "1,00000E+12", "7,32829e+13"};
    static const char *const no[] = {"73282932000074", "7,32829", "E+13",     "7,E+13",   "7,3E13",
                                     "7,3E+",          "7,3E-13", "+7,3E+13", "7,3E+13 ", ""};
    char m[PN_IDENT_MSG_SIZE];
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!pn_ident_excel_number(yes[i], m, sizeof m))
            fail_msg("'%s' is Excel's scientific notation", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        strcpy(m, "x");
        if (pn_ident_excel_number(no[i], m, sizeof m))
            fail_msg("'%s' is not Excel's scientific notation", no[i]);
        assert_string_equal(m, "");
    }
    assert_true(pn_ident_excel_number("7,32829E+13", m, sizeof m));
    assert_string_equal(m, "'7,32829E+13' is not an identifier: Excel has turned it into a "
                           "rounded number; format the column as text and export again");
    assert_true(pn_ident_excel_number("7.32829E+13", NULL, 0));
    /* every check explains it, and nothing repairs it: the digits are gone */
    INVALID(PN_IDENT_SIRET, "7,33E+13",
            "'7,33E+13' is not a valid SIRET: Excel has turned this identifier into a rounded "
            "number; format the column as text and export again");
    INVALID(PN_IDENT_SIREN, "7,33E+8",
            "'7,33E+8' is not a valid SIREN: Excel has turned this identifier into a rounded "
            "number; format the column as text and export again");
    NOT_REPAIRED(PN_IDENT_SIRET, "7,32829E+13");
    NOT_REPAIRED(PN_IDENT_SIRET, "7.32829E+13");
    NORMALIZED(PN_IDENT_SIRET, "7,32829E+13", "7,32829E+13", 0);
}

static void test_repair_uai(void **state)
{
    (void)state;
    REPAIRED(PN_IDENT_UAI, "951099D", "0951099D");
    REPAIRED(PN_IDENT_UAI, "422170F", "0422170F");
    /* two zeros lost (Ain, département 001): 10001 = 23 * 434 + 19 -> W */
    REPAIRED(PN_IDENT_UAI, "10001W", "0010001W");
    /* 95912 = 23 * 4170 + 2 -> C: the padded 0095912R fails, so a digit is missing elsewhere */
    NOT_REPAIRED(PN_IDENT_UAI, "95912R");
    /* 7 characters starting with 0: Excel would have dropped that zero too */
    NOT_REPAIRED(PN_IDENT_UAI, "095912R");
    NOT_REPAIRED(PN_IDENT_UAI, "095109D");
    /* the padded form would be right, but the check letter of 951099 is D, not A */
    NOT_REPAIRED(PN_IDENT_UAI, "951099A");
    /* already valid, lower case (the normaliser's job), too short, too long, no letter */
    NOT_REPAIRED(PN_IDENT_UAI, "0951099D");
    NOT_REPAIRED(PN_IDENT_UAI, "951099d");
    NOT_REPAIRED(PN_IDENT_UAI, "1099D");
    NOT_REPAIRED(PN_IDENT_UAI, "9510990D");
    NOT_REPAIRED(PN_IDENT_UAI, "9510991");
    NOT_REPAIRED(PN_IDENT_UAI, "");
    /* too small a buffer: nothing written */
    char out[8] = "x";
    assert_int_equal(pn_ident_repair_uai("951099D", out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void test_repair_siret(void **state)
{
    (void)state;
    /* 01000000800010 and 00100000900017 pass both Luhn checks (see test_siret_messages) */
    REPAIRED(PN_IDENT_SIRET, "1000000800010", "01000000800010");
    REPAIRED(PN_IDENT_SIRET, "100000900017", "00100000900017");
    /* 07328293200007: its SIREN 073282932 fails Luhn (from the right 2 3* 9 2* 8 2* 3 7* 0 ->
     * 2+6+9+4+8+4+3+5+0 = 41), so 7328293200007 lost a digit elsewhere */
    NOT_REPAIRED(PN_IDENT_SIRET, "7328293200007");
    NOT_REPAIRED(PN_IDENT_SIRET, "73282932000074"); /* already valid */
    NOT_REPAIRED(PN_IDENT_SIRET, "0100000080001");  /* starts with a zero */
    NOT_REPAIRED(PN_IDENT_SIRET, "732829320");      /* a SIREN: 5 digits missing, not zeros */
    NOT_REPAIRED(PN_IDENT_SIRET, "732 829 320 0007");
    NOT_REPAIRED(PN_IDENT_SIRET, "");
}

static void test_repair_commune(void **state)
{
    (void)state;
    REPAIRED(PN_IDENT_COMMUNE, "1001", "01001");
    REPAIRED(PN_IDENT_COMMUNE, "9501", "09501");
    NOT_REPAIRED(PN_IDENT_COMMUNE, "0101"); /* still has a zero */
    NOT_REPAIRED(PN_IDENT_COMMUNE, "101");  /* 4 digits only */
    NOT_REPAIRED(PN_IDENT_COMMUNE, "95018");
    NOT_REPAIRED(PN_IDENT_COMMUNE, "2A04");
    NOT_REPAIRED(PN_IDENT_COMMUNE, "1 01");
    /* QPV codes and SIRENs have no repair */
    NOT_REPAIRED(PN_IDENT_QPV, "QP93009");
    NOT_REPAIRED(PN_IDENT_SIREN, "32829320");
}

static void test_normalize(void **state)
{
    (void)state;
    NORMALIZED(PN_IDENT_SIRET, "73282932000074", "73282932000074", 0);
    NORMALIZED(PN_IDENT_SIRET, "732 829 320 00074", "73282932000074", 1);
    NORMALIZED(PN_IDENT_SIRET, "732" NBSP "829" NBSP "320" NBSP "00074", "73282932000074", 1);
    NORMALIZED(PN_IDENT_SIRET, "732" NNBSP "829" NNBSP "320" NNBSP "00074", "73282932000074", 1);
    NORMALIZED(PN_IDENT_SIRET, "732.829.320.00074", "73282932000074", 1);
    NORMALIZED(PN_IDENT_SIRET, "732-829-320-00074", "73282932000074", 1);
    NORMALIZED(PN_IDENT_SIRET, " \t73282932000074" NBSP, "73282932000074", 1);
    NORMALIZED(PN_IDENT_SIREN, "732 829 320", "732829320", 1);
    /* not a grouped number: only the ends are trimmed, the check reports the rest */
    NORMALIZED(PN_IDENT_SIRET, " 732 829 ABC ", "732 829 ABC", 1);
    NORMALIZED(PN_IDENT_SIRET, "7.32829E+13", "7.32829E+13", 0);
    NORMALIZED(PN_IDENT_UAI, "0951099d", "0951099D", 1);
    NORMALIZED(PN_IDENT_UAI, NNBSP "0951099D ", "0951099D", 1);
    NORMALIZED(PN_IDENT_UAI, "095 1099 D", "0951099D", 1);
    NORMALIZED(PN_IDENT_UAI, "0951099D", "0951099D", 0);
    NORMALIZED(PN_IDENT_COMMUNE, "2a004", "2A004", 1);
    NORMALIZED(PN_IDENT_COMMUNE, " 95018", "95018", 1);
    NORMALIZED(PN_IDENT_QPV, "qn07501m", "QN07501M", 1);
    NORMALIZED(PN_IDENT_QPV, "", "", 0);
    NORMALIZED(PN_IDENT_QPV, "  ", "", 1);
    /* accented letters pass through untouched */
    NORMALIZED(PN_IDENT_UAI, "0951099\xc3\xa9", "0951099\xc3\xa9", 0);
    char out[8] = "x";
    assert_int_equal(pn_ident_normalize(PN_IDENT_SIRET, "73282932000074", out, sizeof out), -1);
    assert_string_equal(out, "");
    /* what the normaliser and the repair make together passes */
    char norm[32], fixed[PN_IDENT_SIZE];
    assert_int_equal(pn_ident_normalize(PN_IDENT_UAI, " 951099d ", norm, sizeof norm), 1);
    assert_true(pn_ident_repair_uai(norm, fixed, sizeof fixed));
    assert_string_equal(fixed, "0951099D");
}

static void test_message_buffers(void **state)
{
    (void)state;
    /* a paragraph in an identifier column is quoted cut */
    char m[PN_IDENT_MSG_SIZE];
    const char *para = "Nous travaillons avec trois écoles du quartier depuis 2019";
    assert_false(pn_ident_check_uai(para, m, sizeof m));
    assert_string_equal(m, "'Nous travaillons avec trois \xc3\xa9"
                           "coles du q...' is not a valid "
                           "UAI: expected 8 characters (7 digits, then a letter), found 58");
    /* the cut never splits a character: é straddles byte 40 here */
    const char *acc = "0123456789012345678901234567890123456789\xc3\xa9";
    assert_false(pn_ident_check_uai(acc + 1, m, sizeof m));
    assert_non_null(strstr(m, "'123456789012345678901234567890123456789...' is not"));
    /* no buffer, a tiny buffer: no overflow, the answer is the same */
    assert_false(pn_ident_check_siret("123", NULL, 0));
    char tiny[8];
    assert_false(pn_ident_check_siret("123", tiny, sizeof tiny));
    assert_string_equal(tiny, "'123' i");
    assert_true(pn_ident_check_siret("73282932000074", tiny, sizeof tiny));
    assert_string_equal(tiny, "");
    assert_string_equal(pn_ident_kind_name(PN_IDENT_COMMUNE), "INSEE commune code");
}

/*
 * Properties over many generated values (a fixed pseudo-random sequence, so a failure
 * reproduces): no message is cut in a PN_IDENT_MSG_SIZE buffer, a valid value has an empty
 * message and an invalid one a message naming it, a repair gives a valid value, the
 * normaliser never lengthens a value and is idempotent. The sanitizer build checks bounds.
 */
static void test_properties(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "0", "1", "2", "3", "5", "7",  "9",  "A",   "B",        "D",    "Q",         "P",  "N", "a",
        "q", " ", ".", "-", ",", "E+", NBSP, NNBSP, "\xc3\xa9", "\xff", "356000000", "QN", "QP"};
    const size_t npieces = sizeof pieces / sizeof pieces[0];
    unsigned long long x = 0x9E3779B97F4A7C15ull;
    for (int iter = 0; iter < 20000; iter++) {
        char s[160] = "";
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int n = (int)(x >> 59) + (iter % 50 == 0 ? 40 : 0); /* 0..31, sometimes long */
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            const char *p = pieces[(x >> 33) % npieces];
            if (strlen(s) + strlen(p) < sizeof s)
                strcat(s, p);
        }
        for (int k = 0; k <= PN_IDENT_QPV; k++) {
            char m[PN_IDENT_MSG_SIZE], out[PN_IDENT_SIZE], norm[sizeof s], again[sizeof s];
            int valid = pn_ident_check((pn_ident_kind)k, s, m, sizeof m);
            if (strlen(m) >= sizeof m - 1)
                fail_msg("message cut for '%s': %s", s, m);
            if (valid != (m[0] == '\0'))
                fail_msg("'%s': valid %d with message '%s'", s, valid, m);
            if (!valid && strncmp(m, "'", 1) != 0)
                fail_msg("'%s': message does not quote the value: %s", s, m);
            if (pn_ident_repair((pn_ident_kind)k, s, out, sizeof out)) {
                if (valid)
                    fail_msg("'%s' is valid, yet repaired into '%s'", s, out);
                if (!pn_ident_check((pn_ident_kind)k, out, m, sizeof m))
                    fail_msg("'%s' repaired into invalid '%s': %s", s, out, m);
            }
            int changed = pn_ident_normalize((pn_ident_kind)k, s, norm, sizeof norm);
            assert_true(changed == 0 || changed == 1);
            assert_true(strlen(norm) <= strlen(s));
            assert_int_equal(changed, strcmp(norm, s) != 0);
            assert_int_equal(pn_ident_normalize((pn_ident_kind)k, norm, again, sizeof again), 0);
            if (valid)
                assert_int_equal(changed, 0);
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* The bundled examples */

typedef struct example_ctx {
    const char *file;     /* base name */
    pn_ident_kind *kinds; /* per column; -1: not an identifier */
    size_t ncols;
    size_t checked[PN_IDENT_QPV + 1];
    char failures[2048];
    size_t failures_len;
} example_ctx;

/* The kind of column @name in @file, or -1. partenaire_id is the partner's identifier: a
 * school's UAI in a centre's file, a centre's SIRET in a school's. */
static int column_kind(const char *file, const char *name)
{
    if (strcmp(name, "siret") == 0)
        return PN_IDENT_SIRET;
    if (strcmp(name, "uai") == 0)
        return PN_IDENT_UAI;
    if (strcmp(name, "commune") == 0)
        return PN_IDENT_COMMUNE;
    if (strcmp(name, "code_qpv") == 0)
        return PN_IDENT_QPV;
    if (strcmp(name, "partenaire_id") == 0) {
        if (strncmp(file, "centre_social", 13) == 0)
            return PN_IDENT_UAI;
        if (strncmp(file, "ecole", 5) == 0)
            return PN_IDENT_SIRET;
        fail_msg("%s: partenaire_id of an unknown form; say here which identifier it holds", file);
    }
    return -1;
}

static pn_status check_example_row(void *vctx, size_t line, size_t n, char *const *fields,
                                   pn_error *err)
{
    example_ctx *ctx = vctx;
    (void)err;
    if (line == 1 && ctx->kinds == NULL) {
        ctx->kinds = calloc(n, sizeof *ctx->kinds);
        assert_non_null(ctx->kinds);
        ctx->ncols = n;
        for (size_t i = 0; i < n; i++)
            ctx->kinds[i] = (pn_ident_kind)column_kind(ctx->file, fields[i]);
        return PN_OK;
    }
    for (size_t i = 0; i < n && i < ctx->ncols; i++) {
        if ((int)ctx->kinds[i] < 0 || fields[i][0] == '\0')
            continue; /* not an identifier, or not applicable (code_qpv outside a QPV) */
        char m[PN_IDENT_MSG_SIZE];
        ctx->checked[ctx->kinds[i]]++;
        if (!pn_ident_check(ctx->kinds[i], fields[i], m, sizeof m)) {
            int w = snprintf(ctx->failures + ctx->failures_len,
                             sizeof ctx->failures - ctx->failures_len, "%s:%zu: %s\n", ctx->file,
                             line, m);
            assert_true(w > 0 && (size_t)w < sizeof ctx->failures - ctx->failures_len);
            ctx->failures_len += (size_t)w;
        }
    }
    return PN_OK;
}

static void test_examples(void **state)
{
    (void)state;
    const char *root = getenv("PN_SOURCE_DIR");
    char pattern[512];
    snprintf(pattern, sizeof pattern, "%s/examples/*.csv", root ? root : "../..");
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0)
        fail_msg("no %s: set PN_SOURCE_DIR to the repository", pattern);
    size_t checked[PN_IDENT_QPV + 1] = {0};
    char failures[4096] = "";
    for (size_t f = 0; f < g.gl_pathc; f++) {
        const char *path = g.gl_pathv[f];
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        /* the answers' files; the registry's are checked as they are imported (e2e_structures) */
        if (strcmp(base, "annuaire.csv") == 0 || strcmp(base, "centres.csv") == 0 ||
            strcmp(base, "qpv.csv") == 0 || strcmp(base, "sirene.csv") == 0)
            continue;
        example_ctx ctx = {.file = base};
        pn_error err = {0};
        pn_status st = pn_csv_read_path(path, NULL, check_example_row, &ctx, NULL, &err);
        if (st != PN_OK)
            fail_msg("%s", err.msg);
        for (int k = 0; k <= PN_IDENT_QPV; k++)
            checked[k] += ctx.checked[k];
        assert_true(strlen(failures) + ctx.failures_len < sizeof failures);
        strcat(failures, ctx.failures);
        free(ctx.kinds);
    }
    globfree(&g);
    /* the one deliberate bad identifier of examples/README.md: a digit missing, not a zero */
    assert_string_equal(failures, "ecole.csv:402: '095912R' is not a valid UAI: expected 8 "
                                  "characters (7 digits, then a letter), found 7\n");
    /* the columns were found: 115 centres + 470 partner centres, 486 schools + 448 partner
     * schools, a commune on every questionnaire, some QPV codes */
    assert_int_equal(checked[PN_IDENT_SIRET], 115 + 470);
    assert_int_equal(checked[PN_IDENT_UAI], 486 + 448);
    assert_int_equal(checked[PN_IDENT_COMMUNE], 115 + 486);
    assert_true(checked[PN_IDENT_QPV] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uai_domain_examples),
        cmocka_unit_test(test_uai_corsica_overseas),
        cmocka_unit_test(test_uai_messages),
        cmocka_unit_test(test_siret_domain_examples),
        cmocka_unit_test(test_siret_messages),
        cmocka_unit_test(test_siret_la_poste),
        cmocka_unit_test(test_siren),
        cmocka_unit_test(test_commune),
        cmocka_unit_test(test_qpv),
        cmocka_unit_test(test_excel_number),
        cmocka_unit_test(test_repair_uai),
        cmocka_unit_test(test_repair_siret),
        cmocka_unit_test(test_repair_commune),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_message_buffers),
        cmocka_unit_test(test_properties),
        cmocka_unit_test(test_examples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
