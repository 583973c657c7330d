#include "util/date.h"

#include <stdio.h>
#include <string.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int pn_date_is_day(int y, int m, int d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return 1;
}

long long pn_date_days(long long y, long long m, long long d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int pn_date_read_iso(const char *s, int *y, int *m, int *d)
{
    /* position by position, so that a shorter string stops at its NUL */
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : !is_digit(s[i]))
            return 0;
    /* the digits are checked: read them without sscanf, which costs more than the rest */
    int yy = ((s[0] - '0') * 10 + (s[1] - '0')) * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int mm = (s[5] - '0') * 10 + (s[6] - '0');
    int dd = (s[8] - '0') * 10 + (s[9] - '0');
    if (!pn_date_is_day(yy, mm, dd))
        return 0;
    if (y)
        *y = yy;
    if (m)
        *m = mm;
    if (d)
        *d = dd;
    return 1;
}

int pn_date_read_french(const char *s, int *y, int *m, int *d, size_t *len)
{
    const char *p = s;
    int v[3] = {0, 0, 0};
    for (int part = 0; part < 3; part++) {
        int digits = 0;
        while (is_digit(*p) && digits < 4) {
            v[part] = v[part] * 10 + (*p - '0');
            p++, digits++;
        }
        if (digits == 0 || (part < 2 && (digits > 2 || *p != '/')) || (part == 2 && digits != 4))
            return 0;
        if (part < 2)
            p++;
    }
    *d = v[0], *m = v[1], *y = v[2];
    *len = (size_t)(p - s);
    return *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

int pn_date_to_iso(const char *v, int with_time, pn_strbuf *out)
{
    int y, m, d;
    size_t len;
    char buf[64];
    pn_strbuf_reset(out);
    if (pn_date_read_french(v, &y, &m, &d, &len)) {
        const char *t = v + len;
        if (*t == '\0' || !with_time) {
            if (*t && *t != ' ')
                return 0;
            snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
        } else {
            int hh, mm, ss = 0;
            char tail;
            int got = sscanf(t, " %2d:%2d:%2d%c", &hh, &mm, &ss, &tail);
            if (got < 2 || got > 3)
                return 0;
            snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mm, ss);
        }
        return pn_strbuf_puts(out, buf) == PN_OK ? 1 : -1;
    }
    /* ISO date followed by a time ("2026-03-15 00:00:00", LimeSurvey) */
    size_t n = strlen(v);
    if (n > 10 && is_digit(v[0]) && v[4] == '-' && v[7] == '-' && (v[10] == ' ' || v[10] == 'T')) {
        if (!with_time)
            return pn_strbuf_append(out, v, 10) == PN_OK ? 1 : -1;
        if (v[10] == ' ') {
            if (pn_strbuf_puts(out, v) != PN_OK)
                return -1;
            out->buf[10] = 'T';
            return 1;
        }
    }
    return 0;
}

int pn_date_seconds(const char *s, long long *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return 0;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        int m = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
            return 0;
        p += 1 + m;
        if (*p == ':' && sscanf(p + 1, "%2d%n", &sec, &m) == 1)
            p += 1 + m;
        if (*p == '.' || *p == ',')
            for (p++; *p >= '0' && *p <= '9'; p++)
                ;
    }
    long long offset = 0;
    if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1 && sscanf(p + 1, "%2d%2d", &oh, &om) < 1)
            return 0;
        offset = (*p == '-' ? -1 : 1) * (oh * 3600LL + om * 60LL);
    }
    *out = pn_date_days(y, mo, d) * 86400 + h * 3600LL + mi * 60LL + sec - offset;
    return 1;
}
