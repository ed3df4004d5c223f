/* calendar.h - the proleptic Gregorian calendar Go's time package counts
 * with, for the zone rules (tzfile.c) and the time built-ins
 * (builtins_time.c). Days and seconds are counted from 1970-01-01 UTC;
 * months are 1 to 12. */
#ifndef EAA_REGO_CALENDAR_H
#define EAA_REGO_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#define SECS_PER_DAY 86400

static inline int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b && (a < 0) != (b < 0))
		q--;
	return q;
}

static inline bool is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Days of a common year before each month; [12] is the whole year. */
static const int days_before[13] = { 0, 31, 59, 90, 120, 151, 181, 212, 243,
				     273, 304, 334, 365 };

static inline int days_in(int m, int64_t y)
{
	if (m == 2 && is_leap(y))
		return 29;
	return days_before[m] - days_before[m - 1];
}

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). |y| is far below 2^50 everywhere it is called. */
static inline int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static inline void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

#endif
