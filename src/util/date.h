/*
 * date.h - the calendar dates and times panorama reads: ISO 8601 dates (YYYY-MM-DD) as the
 * store keeps them, French dates (dd/mm/yyyy) as a spreadsheet writes them, the submission
 * times of the exports, and the day numbers behind them. Pure functions: no locale, no time
 * zone, no allocation except into a caller's pn_strbuf.
 *
 * The calendar is the proleptic Gregorian one: 29 February in years divisible by 4, except
 * centuries not divisible by 400 (2000-02-29 is a day, 1900-02-29 is not).
 *
 * May call: util (strbuf) and libc (src/util's room; docs/architecture.md, enforced by the
 * build).
 */
#ifndef PN_UTIL_DATE_H
#define PN_UTIL_DATE_H

#include "util/strbuf.h"

/* Whether @y-@m-@d is a day of the calendar: @m in 1..12, @d within that month. */
int pn_date_is_day(int y, int m, int d);

/*
 * pn_date_days - days from 1970-01-01 to @y-@m-@d (negative before), as timegm() counts
 * them, which POSIX lacks (H. Hinnant's days_from_civil). @m and @d are not checked: a day
 * past the month's end counts on into the next (2026-02-30 is 2026-03-02).
 */
long long pn_date_days(long long y, long long m, long long d);

/*
 * pn_date_read_iso - read the ISO date that starts @s: 4 digits, '-', 2 digits, '-', 2
 * digits, a day of the calendar. What follows the 10 characters is not looked at (a time, a
 * zone); the caller checks it if it matters. Fills *@y, *@m, *@d when not NULL.
 * Returns 1, or 0 when @s does not start with such a date ("2026-3-15", "2026-02-30").
 */
int pn_date_read_iso(const char *s, int *y, int *m, int *d);

/*
 * pn_date_read_french - read the French date that starts @s: day and month of one or two
 * digits, year of four, separated by '/' ("15/03/2026", "1/3/2026"). Only the ranges are
 * checked (month 1..12, day 1..31): "31/02/2026" is read, and the check of its ISO form
 * (pn_date_read_iso) says it is no day. Fills *@y, *@m, *@d and *@len, the characters read.
 * Returns 1, or 0 (the outputs then unspecified).
 */
int pn_date_read_french(const char *s, int *y, int *m, int *d, size_t *len);

/*
 * pn_date_to_iso - @v as the store writes a date (@with_time 0: YYYY-MM-DD) or a time
 * (@with_time 1: YYYY-MM-DDThh:mm:ss), when it is written another usual way:
 *   "15/03/2026"          -> "2026-03-15", also as a time (a day without its time)
 *   "15/03/2026 10:22"    -> "2026-03-15T10:22:00"; as a date "2026-03-15"
 *   "15/03/2026 10:22:33" -> "2026-03-15T10:22:33" (Google Forms' submission time)
 *   "2026-03-15 10:22:33" -> "2026-03-15T10:22:33"; as a date "2026-03-15" (LimeSurvey)
 *   "2026-03-15T10:22:33" -> as a date "2026-03-15"; as a time left as it is
 * The ISO forms are recognised by their shape (a digit, '-' at 4 and 7, ' ' or 'T' at 10),
 * not checked: that is the caller's (pn_date_read_iso). Anything else is left as it is, for
 * the caller's checks to judge. @out is reset first.
 * Returns 1 when @out holds the rewritten value, 0 when @v is left as it is, -1 when out of
 * memory.
 */
int pn_date_to_iso(const char *v, int with_time, pn_strbuf *out);

/*
 * pn_date_seconds - seconds since 1970-01-01T00:00:00Z of the ISO 8601 time @s: a date
 * YYYY-MM-DD, then optionally 'T' or ' ' and hh:mm, :ss, a fraction (ignored), then
 * optionally a zone offset ("+02:00", "-0130", "+02"); what follows is not looked at ("Z"
 * is UTC by that). The fields are read as sscanf's %d reads them and their ranges are not
 * checked: two times are compared as they were read. Fills *@out. Returns 1, or 0 when the
 * first 10 characters are no date, a 'T' or ' ' after them no hh:mm, or a sign no offset.
 */
int pn_date_seconds(const char *s, long long *out);

#endif
