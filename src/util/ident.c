/*
 * ident.c - checks and repairs of UAI, SIRET, SIREN, INSEE commune and QPV codes.
 *
 * Messages count characters, not bytes, so that "found 7" matches what the coordinator sees
 * in the spreadsheet even when the value holds an accented letter.
 */
#include "util/ident.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The UAI check alphabet: 23 capitals, without I, O and Q (too close to 1 and 0). */
static const char uai_letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";

/* Values longer than this are quoted cut, with "...", so that a message stays readable when
 * a whole paragraph landed in an identifier column. */
#define QUOTE_MAX 40

/* Longest value that the case and padding helpers work on; identifiers are far shorter. */
#define WORK_MAX 64

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

/* Bytes in the UTF-8 character starting at @s (1 for a stray continuation byte). */
static size_t char_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return i;
    return n;
}

/* Characters (not bytes) in @s. */
static size_t count_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s += char_len(s))
        n++;
    return n;
}

/* Bytes taken by the first @n characters of @s (fewer if @s is shorter). */
static size_t chars_bytes(const char *s, size_t n)
{
    size_t b = 0;
    while (n-- > 0 && s[b])
        b += char_len(s + b);
    return b;
}

/* The number of bytes of @s to quote: at most QUOTE_MAX, never inside a character. */
static int quote_len(const char *s, int *cut)
{
    size_t len = strlen(s);
    *cut = len > QUOTE_MAX;
    if (!*cut)
        return (int)len;
    size_t n = QUOTE_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

/* How messages name a kind: "'x' is not <phrase>: ...". */
static const char *kind_phrase(pn_ident_kind kind)
{
    switch (kind) {
    case PN_IDENT_UAI:
        return "a valid UAI";
    case PN_IDENT_SIRET:
        return "a valid SIRET";
    case PN_IDENT_SIREN:
        return "a valid SIREN";
    case PN_IDENT_COMMUNE:
        return "an INSEE commune code";
    case PN_IDENT_QPV:
        return "a valid QPV code";
    }
    return "a valid identifier";
}

const char *pn_ident_kind_name(pn_ident_kind kind)
{
    switch (kind) {
    case PN_IDENT_UAI:
        return "UAI";
    case PN_IDENT_SIRET:
        return "SIRET";
    case PN_IDENT_SIREN:
        return "SIREN";
    case PN_IDENT_COMMUNE:
        return "INSEE commune code";
    case PN_IDENT_QPV:
        return "QPV code";
    }
    return "identifier";
}

static void set_empty(char *buf, size_t size)
{
    if (buf != NULL && size > 0)
        buf[0] = '\0';
}

/* Writes "'<s>' is not <phrase>: <fmt...>" into @msg and returns 0 (invalid). */
static int fail(char *msg, size_t size, pn_ident_kind kind, const char *s, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(char *msg, size_t size, pn_ident_kind kind, const char *s, const char *fmt, ...)
{
    if (msg == NULL || size == 0)
        return 0;
    int cut;
    int qlen = quote_len(s, &cut);
    int w =
        snprintf(msg, size, "'%.*s%s' is not %s: ", qlen, s, cut ? "..." : "", kind_phrase(kind));
    if (w < 0 || (size_t)w >= size)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + w, size - (size_t)w, fmt, ap);
    va_end(ap);
    return 0;
}

static int ok(char *msg, size_t size)
{
    set_empty(msg, size);
    return 1;
}

/* Luhn: from the right, every second digit is doubled (minus 9 above 9); the sum of all is a
 * multiple of 10. @d holds @n digits. */
static int luhn_ok(const char *d, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int v = d[n - 1 - i] - '0';
        if (i % 2 == 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return 0;
    return 1;
}

/* Index (in characters, 1-based) and bytes of the first character of @s that is not an ASCII
 * digit, or 0 when there is none. */
static size_t first_non_digit(const char *s, const char **at, int *len)
{
    size_t pos = 1;
    for (const char *p = s; *p; p += char_len(p), pos++)
        if (!is_digit(*p)) {
            *at = p;
            *len = (int)char_len(p);
            return pos;
        }
    return 0;
}

/* The separators a person types inside a long number: space, tab, no-break space (U+00A0),
 * narrow no-break space (U+202F), and with @punct also '.' and '-'. Returns the bytes of the
 * separator at @s, or 0. */
static size_t separator_at(const char *s, int punct)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == ' ' || u[0] == '\t')
        return 1;
    if (punct && (u[0] == '.' || u[0] == '-'))
        return 1;
    if (u[0] == 0xC2 && u[1] == 0xA0)
        return 2;
    if (u[0] == 0xE2 && u[1] == 0x80 && u[2] == 0xAF)
        return 3;
    return 0;
}

/* Whether the @n bytes at @s are digits and separators only, with at least one separator: a
 * SIRET typed in groups. */
static int digits_with_separators(const char *s, size_t n)
{
    int seps = 0;
    for (size_t i = 0; i < n;) {
        size_t k = separator_at(s + i, 1);
        if (k > 0) {
            seps = 1;
            i += k;
        } else if (is_digit(s[i])) {
            i++;
        } else {
            return 0;
        }
    }
    return seps;
}

/* @s in capitals into @buf, when it holds a lower-case ASCII letter and fits; else 0. */
static int upper_copy(const char *s, char *buf, size_t size)
{
    size_t len = strlen(s);
    int lower = 0;
    if (len >= size)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        buf[i] = is_lower(s[i]) ? (char)(s[i] - 'a' + 'A') : s[i];
        lower |= is_lower(s[i]);
    }
    return lower;
}

/* ^[0-9]+([.,][0-9]+)?[eE][+][0-9]+$ : how Excel writes a number too long for its column. */
static int is_scientific(const char *s)
{
    const char *p = s;
    while (is_digit(*p))
        p++;
    if (p == s)
        return 0;
    if (*p == '.' || *p == ',') {
        const char *q = ++p;
        while (is_digit(*p))
            p++;
        if (p == q)
            return 0;
    }
    if (*p != 'E' && *p != 'e')
        return 0;
    if (*++p != '+')
        return 0;
    const char *q = ++p;
    while (is_digit(*p))
        p++;
    return p != q && *p == '\0';
}

#define EXCEL_ADVICE                                                                               \
    "Excel has turned this identifier into a rounded number; format the column as text and "       \
    "export again"

int pn_ident_excel_number(const char *s, char *msg, size_t size)
{
    set_empty(msg, size);
    if (!is_scientific(s))
        return 0;
    if (msg != NULL && size > 0) {
        int cut;
        int qlen = quote_len(s, &cut);
        snprintf(msg, size,
                 "'%.*s%s' is not an identifier: Excel has turned it into a rounded number; "
                 "format the column as text and export again",
                 qlen, s, cut ? "..." : "");
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------- */
/* UAI */

/* The check letter of the 7 digits at @d. */
static char uai_letter(const char *d)
{
    long n = 0;
    for (int i = 0; i < 7; i++)
        n = n * 10 + (d[i] - '0');
    return uai_letters[n % 23];
}

/* 1..7 digits then a capital, padded with zeros to 7 digits, into @out; 0 if @s is not so. */
static int uai_pad(const char *s, char *out, size_t size)
{
    size_t len = strlen(s);
    if (len < 2 || len > 8 || size < 9 || !all_digits(s, len - 1) || !is_upper(s[len - 1]))
        return 0;
    size_t zeros = 8 - len;
    memset(out, '0', zeros);
    memcpy(out + zeros, s, len + 1);
    return 1;
}

static int uai_valid(const char *s)
{
    return strlen(s) == 8 && all_digits(s, 7) && s[7] == uai_letter(s);
}

int pn_ident_repair_uai(const char *s, char *out, size_t size)
{
    char buf[WORK_MAX];
    size_t len = strlen(s);
    set_empty(out, size);
    /* only 1 or 2 zeros: the département of a UAI is 001 to 095, 620/720 or 97x */
    if (len < 6 || len > 7 || s[0] == '0' || !uai_pad(s, buf, sizeof buf) || !uai_valid(buf))
        return 0;
    if (size < 9)
        return 0;
    memcpy(out, buf, 9);
    return 1;
}

int pn_ident_check_uai(const char *s, char *msg, size_t size)
{
    const pn_ident_kind k = PN_IDENT_UAI;
    char buf[WORK_MAX];
    if (*s == '\0')
        return fail(msg, size, k, s,
                    "expected 7 digits then a capital letter, found an empty value");
    if (is_scientific(s))
        return fail(msg, size, k, s, EXCEL_ADVICE);
    size_t n = count_chars(s);
    if (n != 8) {
        if (pn_ident_repair_uai(s, buf, sizeof buf))
            return fail(msg, size, k, s,
                        "expected 8 characters (7 digits, then a letter), found %zu; Excel has "
                        "probably dropped its leading zeros: %s is valid",
                        n, buf);
        return fail(msg, size, k, s, "expected 8 characters (7 digits, then a letter), found %zu",
                    n);
    }
    const char *at;
    int blen;
    size_t pos = first_non_digit(s, &at, &blen);
    if (pos != 0 && pos <= 7)
        return fail(msg, size, k, s,
                    "the first 7 characters should be digits, found '%.*s' at position %zu", blen,
                    at, pos);
    /* 8 characters, 7 of them ASCII digits: the last one starts at byte 7 */
    const char *last = s + 7;
    if (!is_upper(*last) && !is_lower(*last))
        return fail(msg, size, k, s, "the 8th character should be the check letter, found '%s'",
                    last);
    char want = uai_letter(s);
    if (*last == want)
        return ok(msg, size);
    if (upper_copy(s, buf, sizeof buf) && buf[7] == want)
        return fail(msg, size, k, s, "the check letter should be a capital: %s", buf);
    return fail(msg, size, k, s,
                "the check letter should be %c (7 digits, then the letter of the 7-digit number "
                "mod 23)",
                want);
}

/* ---------------------------------------------------------------------------------------- */
/* SIRET and SIREN */

/* La Poste numbers its establishments with a digit sum that is a multiple of 5, not Luhn;
 * only its head office keeps a Luhn key. */
static const char la_poste_siren[] = "356000000";
static const char la_poste_head_office[] = "35600000000048";

static int digit_sum(const char *d, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += d[i] - '0';
    return sum;
}

/* The first failing rule of 14 digits @d: 0 valid, 1 SIREN Luhn, 2 La Poste sum, 3 Luhn. */
static int siret_rule(const char *d)
{
    if (!luhn_ok(d, 9))
        return 1;
    if (strncmp(d, la_poste_siren, 9) == 0 && strcmp(d, la_poste_head_office) != 0)
        return digit_sum(d, 14) % 5 == 0 ? 0 : 2;
    return luhn_ok(d, 14) ? 0 : 3;
}

static int siret_valid(const char *s)
{
    return strlen(s) == 14 && all_digits(s, 14) && siret_rule(s) == 0;
}

int pn_ident_repair_siret(const char *s, char *out, size_t size)
{
    char buf[PN_IDENT_SIZE];
    size_t len = strlen(s);
    set_empty(out, size);
    if (len < 10 || len > 13 || s[0] == '0' || !all_digits(s, len) || size < 15)
        return 0;
    size_t zeros = 14 - len;
    memset(buf, '0', zeros);
    memcpy(buf + zeros, s, len + 1);
    if (!siret_valid(buf))
        return 0;
    memcpy(out, buf, 15);
    return 1;
}

/* The shared part of the SIRET and SIREN checks: empty, Excel, separators, other characters.
 * Returns 1 when @s is all digits (and leaves @msg alone), else 0 with the message. */
static int digits_only(pn_ident_kind k, const char *s, int ndigits, char *msg, size_t size)
{
    if (*s == '\0')
        return fail(msg, size, k, s, "expected %d digits, found an empty value", ndigits);
    if (is_scientific(s))
        return fail(msg, size, k, s, EXCEL_ADVICE);
    const char *at;
    int blen;
    size_t pos = first_non_digit(s, &at, &blen);
    if (pos == 0)
        return 1;
    if (digits_with_separators(s, strlen(s)))
        return fail(msg, size, k, s,
                    "expected %d digits, found '%.*s' at position %zu; remove the spaces, dots "
                    "and dashes",
                    ndigits, blen, at, pos);
    return fail(msg, size, k, s, "expected %d digits, found '%.*s' at position %zu", ndigits, blen,
                at, pos);
}

int pn_ident_check_siret(const char *s, char *msg, size_t size)
{
    const pn_ident_kind k = PN_IDENT_SIRET;
    char buf[PN_IDENT_SIZE];
    if (!digits_only(k, s, 14, msg, size))
        return 0;
    size_t len = strlen(s);
    if (len == 9)
        return fail(msg, size, k, s,
                    "expected 14 digits, found 9: that is a SIREN; add the 5 digits that number "
                    "the establishment (its NIC)");
    if (len != 14) {
        if (pn_ident_repair_siret(s, buf, sizeof buf))
            return fail(msg, size, k, s,
                        "expected 14 digits, found %zu; Excel has probably dropped its leading "
                        "zeros: %s is valid",
                        len, buf);
        return fail(msg, size, k, s, "expected 14 digits, found %zu", len);
    }
    switch (siret_rule(s)) {
    case 0:
        return ok(msg, size);
    case 1:
        return fail(msg, size, k, s,
                    "its SIREN part (the first 9 digits, %.9s) fails the Luhn check (a digit is "
                    "probably mistyped)",
                    s);
    case 2:
        return fail(msg, size, k, s,
                    "the digits of a La Poste SIRET (SIREN 356000000) add up to a multiple of 5, "
                    "these add up to %d (a digit is probably mistyped)",
                    digit_sum(s, 14));
    default:
        return fail(msg, size, k, s, "the Luhn check fails (a digit is probably mistyped)");
    }
}

int pn_ident_check_siren(const char *s, char *msg, size_t size)
{
    const pn_ident_kind k = PN_IDENT_SIREN;
    if (!digits_only(k, s, 9, msg, size))
        return 0;
    size_t len = strlen(s);
    if (len == 14)
        return fail(msg, size, k, s,
                    "expected 9 digits, found 14: that is a SIRET, whose first 9 digits are the "
                    "SIREN");
    if (len != 9)
        return fail(msg, size, k, s, "expected 9 digits, found %zu", len);
    if (!luhn_ok(s, 9))
        return fail(msg, size, k, s, "the Luhn check fails (a digit is probably mistyped)");
    return ok(msg, size);
}

/* ---------------------------------------------------------------------------------------- */
/* INSEE commune code */

/* ^([013-9][0-9]|2[AB1-9]): the first 2 characters of a commune code */
static int commune_departement_ok(const char *s)
{
    if (s[0] == '2')
        return s[1] == 'A' || s[1] == 'B' || (s[1] >= '1' && s[1] <= '9');
    return is_digit(s[0]) && is_digit(s[1]);
}

/* ^([013-9][0-9]|2[AB1-9])[0-9]{3}$ */
static int commune_valid(const char *s)
{
    return strlen(s) == 5 && commune_departement_ok(s) && all_digits(s + 2, 3);
}

int pn_ident_repair_commune(const char *s, char *out, size_t size)
{
    set_empty(out, size);
    if (strlen(s) != 4 || s[0] == '0' || !all_digits(s, 4) || size < 6)
        return 0;
    out[0] = '0';
    memcpy(out + 1, s, 5);
    return 1;
}

int pn_ident_check_commune(const char *s, char *msg, size_t size)
{
    const pn_ident_kind k = PN_IDENT_COMMUNE;
    char buf[WORK_MAX];
    if (*s == '\0')
        return fail(msg, size, k, s, "expected 5 characters, found an empty value");
    if (is_scientific(s))
        return fail(msg, size, k, s, EXCEL_ADVICE);
    size_t n = count_chars(s);
    if (n != 5) {
        if (pn_ident_repair_commune(s, buf, sizeof buf))
            return fail(msg, size, k, s,
                        "expected 5 characters (the département on 2, 2A or 2B in Corsica, then "
                        "3 digits), found 4; Excel has probably dropped its leading zero: %s",
                        buf);
        return fail(msg, size, k, s,
                    "expected 5 characters (the département on 2, 2A or 2B in Corsica, then 3 "
                    "digits), found %zu",
                    n);
    }
    if (commune_valid(s))
        return ok(msg, size);
    if (upper_copy(s, buf, sizeof buf) && commune_valid(buf))
        return fail(msg, size, k, s, "Corsica's départements are written in capitals: %s", buf);
    if (s[0] == '2' && s[1] == '0')
        return fail(msg, size, k, s,
                    "département 20 was split into 2A and 2B in 1976: Corsican codes start with "
                    "2A or 2B");
    if (!commune_departement_ok(s))
        return fail(msg, size, k, s,
                    "the first 2 characters should be the département (2 digits, or 2A or 2B), "
                    "found '%.*s'",
                    (int)chars_bytes(s, 2), s);
    /* the département is right, so one of the last 3 characters is not a digit */
    const char *at;
    int blen;
    first_non_digit(s + 2, &at, &blen);
    return fail(msg, size, k, s, "the last 3 characters should be digits, found '%.*s'", blen, at);
}

/* ---------------------------------------------------------------------------------------- */
/* QPV */

/* The département of a QPV code, on 3 characters: see the header for the choice. */
static int qpv_departement_ok(const char *d)
{
    if (d[0] == '0' && d[1] == '2' && (d[2] == 'A' || d[2] == 'B'))
        return 1;
    if (!all_digits(d, 3))
        return 0;
    int n = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
    return (n >= 1 && n <= 95 && n != 20) || (n >= 971 && n <= 978) || (n >= 986 && n <= 988);
}

/* The first failing part of an 8-byte QPV code @s: 0 valid, 1 prefix, 2 département,
 * 3 number. */
static int qpv_rule(const char *s)
{
    if (s[0] != 'Q' || (s[1] != 'P' && s[1] != 'N'))
        return 1;
    if (!qpv_departement_ok(s + 2))
        return 2;
    if (s[1] == 'P')
        return all_digits(s + 5, 3) ? 0 : 3;
    return all_digits(s + 5, 2) && is_upper(s[7]) ? 0 : 3;
}

static int qpv_valid(const char *s)
{
    return strlen(s) == 8 && qpv_rule(s) == 0;
}

#define QPV_FORMATS                                                                                 \
    "QP + département on 3 characters + 3 digits (2015 list, e.g. QP093009) or QN + département " \
    "on 3 characters + 2 digits + a capital letter (2024 list, e.g. QN07501M)"

#define QPV_DEPARTEMENTS "001 to 095, 02A or 02B in Corsica, 971 to 978, 986 to 988"

int pn_ident_check_qpv(const char *s, char *msg, size_t size)
{
    const pn_ident_kind k = PN_IDENT_QPV;
    char buf[WORK_MAX];
    if (*s == '\0')
        return fail(msg, size, k, s, "expected " QPV_FORMATS ", found an empty value");
    if (is_scientific(s))
        return fail(msg, size, k, s, EXCEL_ADVICE);
    if (qpv_valid(s))
        return ok(msg, size);
    if (upper_copy(s, buf, sizeof buf) && qpv_valid(buf))
        return fail(msg, size, k, s, "the code should be written in capitals: %s", buf);
    int plen = (int)chars_bytes(s, 2);
    if (strncmp(s, "QP", 2) != 0 && strncmp(s, "QN", 2) != 0)
        return fail(msg, size, k, s,
                    "it should start with QP (2015 list) or QN (2024 list), found '%.*s'", plen, s);
    size_t n = count_chars(s);
    if (n != 8)
        return fail(msg, size, k, s, "expected 8 characters: %s, found %zu",
                    s[1] == 'P' ? "QP + département on 3 characters + 3 digits (2015 list, e.g. "
                                  "QP093009)"
                                : "QN + département on 3 characters + 2 digits + a capital "
                                  "letter (2024 list, e.g. QN07501M)",
                    n);
    /* 8 characters, though not all ASCII: quote the parts as characters */
    int dlen = (int)chars_bytes(s + 2, 3);
    if (dlen != 3 || !qpv_departement_ok(s + 2))
        return fail(msg, size, k, s,
                    "'%.*s' is not a département on 3 characters (" QPV_DEPARTEMENTS ")", dlen,
                    s + 2);
    if (s[1] == 'P')
        return fail(msg, size, k, s, "after QP and the département, expected 3 digits, found '%s'",
                    s + 5);
    return fail(msg, size, k, s,
                "after QN and the département, expected 2 digits and a capital letter, found '%s'",
                s + 5);
}

/* ---------------------------------------------------------------------------------------- */
/* Dispatch, normalisation */

int pn_ident_check(pn_ident_kind kind, const char *s, char *msg, size_t size)
{
    switch (kind) {
    case PN_IDENT_UAI:
        return pn_ident_check_uai(s, msg, size);
    case PN_IDENT_SIRET:
        return pn_ident_check_siret(s, msg, size);
    case PN_IDENT_SIREN:
        return pn_ident_check_siren(s, msg, size);
    case PN_IDENT_COMMUNE:
        return pn_ident_check_commune(s, msg, size);
    case PN_IDENT_QPV:
        return pn_ident_check_qpv(s, msg, size);
    }
    return fail(msg, size, kind, s, "unknown kind of identifier");
}

int pn_ident_repair(pn_ident_kind kind, const char *s, char *out, size_t size)
{
    switch (kind) {
    case PN_IDENT_UAI:
        return pn_ident_repair_uai(s, out, size);
    case PN_IDENT_SIRET:
        return pn_ident_repair_siret(s, out, size);
    case PN_IDENT_COMMUNE:
        return pn_ident_repair_commune(s, out, size);
    case PN_IDENT_SIREN:
    case PN_IDENT_QPV:
        break;
    }
    set_empty(out, size);
    return 0;
}

int pn_ident_normalize(pn_ident_kind kind, const char *s, char *out, size_t size)
{
    size_t len = strlen(s);
    if (out == NULL || size <= len) {
        set_empty(out, size);
        return -1;
    }
    /* trim blanks ('.' and '-' are not blank): [b, e) is the value without them */
    const char *b = s, *e = s;
    for (size_t n; (n = separator_at(b, 0)) > 0;)
        b += n;
    for (const char *p = b; *p;) {
        size_t n = separator_at(p, 0);
        if (n > 0) {
            p += n;
        } else {
            p += char_len(p);
            e = p;
        }
    }
    if (e < b)
        e = b;
    int numeric = kind == PN_IDENT_SIRET || kind == PN_IDENT_SIREN;
    /* a number typed in groups loses its separators; anything else keeps them, so that the
     * check can say what it found */
    int grouped = numeric && digits_with_separators(b, (size_t)(e - b));
    size_t o = 0;
    for (const char *p = b; p < e;) {
        size_t n = separator_at(p, numeric ? 1 : 0);
        if (n > 0 && (grouped || !numeric)) {
            p += n;
            continue;
        }
        char c = *p++;
        if (!numeric && is_lower(c))
            c = (char)(c - 'a' + 'A');
        out[o++] = c;
    }
    out[o] = '\0';
    return strcmp(out, s) != 0;
}
