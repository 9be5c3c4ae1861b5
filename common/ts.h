/*
 * Dates, times of day and timestamps as ISO-8601 text, and the proleptic
 * Gregorian calendar under them: the text forms avroencode reads for Avro's
 * logical types (date, time-*, timestamp-*, local-timestamp-*), winagg
 * reads for event times, and avrodecode writes. Layer: formats
 * (docs/DESIGN.md §3); it calls nothing of the toolkit.
 *
 * The parsers return 0; -1 when the text does not have the shape; -2 when
 * it has more fraction than unit holds (unless truncate, which drops the
 * finer digits, as Spark's cast does); -3 when it has the shape but names
 * no real date or time, with *why (when why is not NULL) saying why: a day
 * past the month's end (2026-02-30, February 29 of a common year), hour 24,
 * minute or second 60, an offset beyond +-18:00 or with minutes above 59.
 * java.time's ISO parsers (LocalDate, LocalTime, OffsetDateTime) refuse
 * these too, and Spark's casts give null.
 */
#ifndef TS_H
#define TS_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (no checks: 2026-02-30 is 2026-03-02). */
int64_t ts_days(int64_t y, unsigned m, unsigned d);
/* The proleptic Gregorian date of a day counted from 1970-01-01. */
void ts_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/*
 * [+-]YYYY[Y...]-MM-DD, as avrodecode writes it (and Java's Instant); year 0
 * a leap year. Reads from *pp, no further than e; *pp moves past the date.
 */
int ts_parse_date(const char **pp, const char *e, int64_t *days, const char **why);
/*
 * HH:MM:SS[.fraction] to units of 1/unit second (1000, 10^6 or 10^9):
 * 24:00:00 and leap seconds (:60) are -3, as java.time's LocalTime and Spark
 * refuse them (Java's Instant.parse alone takes them, as the next midnight
 * and as :59). Reads from *pp, no further than e.
 */
int ts_parse_time(const char **pp, const char *e, int64_t unit, int truncate, int64_t *v,
    const char **why);
/*
 * An ISO-8601 date-time of exactly n bytes ("2026-11-23T10:00:01.123Z", 'T'
 * or a space between date and time, Z or an offset such as +02:00, or no
 * zone when local) to units (1000: ms, ...) since the epoch; -1 also when
 * the result is beyond int64_t.
 */
int ts_parse(const char *s, size_t n, int64_t unit, int local, int truncate, int64_t *v,
    const char **why);

/* A date as ts_parse_date reads it ("2026-11-23", "0000-01-01", "-0001-12-31", "+10000-01-01"), NUL-terminated; snprintf's count. */
int ts_format_date(char *s, size_t n, int64_t days);

#endif
