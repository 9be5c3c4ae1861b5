/*
 * ISO-8601 dates, times and timestamps (ts.h): the parsers avroencode and
 * winagg share, and the calendar arithmetic both ways (Howard Hinnant's
 * days-from-civil and civil-from-days algorithms, proleptic Gregorian).
 */
#include <stdio.h>

#include "ts.h"

static int
digits(const char **p, const char *e, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++, (*p)++) {
		if (*p >= e || **p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t
ts_days(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * Text forms that have the shape of a date or time but name none (February
 * 30, hour 24, second 60, offset +25:00) return -3 with *why set, instead of
 * being carried into the next day as ts_days would: java.time's ISO
 * parsers (LocalDate, LocalTime, OffsetDateTime) refuse them, and Spark's
 * casts give null.
 */
#define IMPOSSIBLE(msg) (why ? (void)(*why = (msg)) : (void)0, -3)

/* ts.h: [+-]YYYY[Y...]-MM-DD; proleptic Gregorian, year 0 a leap year. */
int
ts_parse_date(const char **pp, const char *e, int64_t *days, const char **why)
{
	static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = *pp;
	int sign = 1, m, d, n = 0;
	int64_t y = 0;

	if (p < e && (*p == '+' || *p == '-'))
		sign = *p++ == '-' ? -1 : 1;
	while (p < e && *p >= '0' && *p <= '9' && n < 12) {
		y = y * 10 + (*p++ - '0');
		n++;
	}
	if (n < 4 || p >= e || *p++ != '-' || digits(&p, e, 2, &m) < 0 || p >= e ||
	    *p++ != '-' || digits(&p, e, 2, &d) < 0)
		return -1;
	y *= sign;
	if (m < 1 || m > 12)
		return IMPOSSIBLE("no month 00 or above 12");
	if (d < 1 || d > mdays[m - 1] + (m == 2 && leap(y))) {
		if (d == 29 && m == 2)
			return IMPOSSIBLE("February 29 of a year that is not a leap year");
		return IMPOSSIBLE(d == 0 ? "no day 00" : "no such day in that month");
	}
	*days = ts_days(y, (unsigned)m, (unsigned)d);
	*pp = p;
	return 0;
}

/*
 * HH:MM:SS[.fraction] to units (1000 or 10^6 or 10^9 a second); digits finer
 * than unit: -2, or dropped when truncate. 24:00:00 and leap seconds (:60)
 * are -3, as java.time's LocalTime and Spark refuse them (Java's
 * Instant.parse alone takes them, as the next midnight and as :59).
 */
int
ts_parse_time(const char **pp, const char *e, int64_t unit, int truncate, int64_t *v,
    const char **why)
{
	const char *p = *pp;
	int h, mi, s;
	int64_t frac = 0, scale = unit;

	if (digits(&p, e, 2, &h) < 0 || p >= e || *p++ != ':' || digits(&p, e, 2, &mi) < 0 ||
	    p >= e || *p++ != ':' || digits(&p, e, 2, &s) < 0)
		return -1;
	if (p < e && *p == '.') {
		p++;
		if (p >= e || *p < '0' || *p > '9')
			return -1;
		for (; p < e && *p >= '0' && *p <= '9'; p++) {
			scale /= 10;
			if (scale == 0) {
				if (*p != '0' && !truncate)
					return -2;	/* finer than the type holds */
				continue;
			}
			frac += (*p - '0') * scale;
		}
	}
	if (h > 23)
		return IMPOSSIBLE("hour above 23 (24:00 is not taken)");
	if (mi > 59)
		return IMPOSSIBLE("minute above 59");
	if (s > 59)
		return IMPOSSIBLE("second above 59 (leap seconds are not taken)");
	*v = ((int64_t)h * 3600 + mi * 60 + s) * unit + frac;
	*pp = p;
	return 0;
}

int
ts_parse(const char *s, size_t n, int64_t unit, int local, int truncate, int64_t *v,
    const char **why)
{
	const char *p = s, *e = s + n;
	int64_t days, tod, secs, r;
	int rc;

	if ((rc = ts_parse_date(&p, e, &days, why)) < 0)
		return rc;
	if (p >= e || (*p != 'T' && *p != ' '))
		return -1;
	p++;
	if ((rc = ts_parse_time(&p, e, unit, truncate, &tod, why)) < 0)
		return rc;
	if (p < e && *p == 'Z' && !local)
		p++;
	else if (p < e && (*p == '+' || *p == '-') && !local) {
		int sign = *p++ == '-' ? -1 : 1, oh, om;

		if (digits(&p, e, 2, &oh) < 0 || p >= e || *p++ != ':' || digits(&p, e, 2, &om) < 0)
			return -1;
		if (p != e)
			return -1;
		/* java.time's ZoneOffset: -18:00 to +18:00 */
		if (om > 59 || oh > 18 || (oh == 18 && om > 0))
			return IMPOSSIBLE("offset beyond +-18:00 or with minutes above 59");
		tod -= sign * ((int64_t)oh * 3600 + om * 60) * unit;
	}
	if (p != e)
		return -1;
	/*
	 * Midnight of the first day of the int64 range is itself out of range:
	 * before the epoch, count from the next midnight, so that only a result
	 * out of range overflows.
	 */
	if (days < 0) {
		days++;
		tod -= 86400 * unit;
	}
	if (__builtin_mul_overflow(days, (int64_t)86400, &secs) ||
	    __builtin_mul_overflow(secs, unit, &r) || __builtin_add_overflow(r, tod, &r))
		return -1;
	*v = r;
	return 0;
}

void
ts_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	{
		int64_t doe = z - era * 146097;

		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	}
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Years as java.time and Spark write them (ISO proleptic): 0000, -0001, +10000. */
int
ts_format_date(char *s, size_t n, int64_t days)
{
	int64_t y;
	unsigned m, d;

	ts_civil(days, &y, &m, &d);
	if (y > 9999)
		return snprintf(s, n, "+%lld-%02u-%02u", (long long)y, m, d);
	if (y < 0)
		return snprintf(s, n, "-%04lld-%02u-%02u", (long long)-y, m, d);
	return snprintf(s, n, "%04lld-%02u-%02u", (long long)y, m, d);
}
