/* builtins_time.c - the time.* built-ins: now, parsing and formatting
 * with Go's layouts, durations, calendar fields in a zone, add_date and
 * diff.
 *
 * OPA implements these with Go's time package, and policies see its
 * behaviour: what a layout element means, how a value is matched against
 * it, and the words of every ParseError. So this file follows Go's
 * time/format.go rather than strftime/strptime. Owns rb_time_defs; zones
 * are tzfile.c's, the calendar arithmetic calendar.h's. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins_go.h"
#include "calendar.h"
#include "tzfile.h"

/* ---- the calendar of an instant ---- */

#define NS_PER_SEC 1000000000LL

/* Beyond this many days from 1970 no instant fits int64 nanoseconds; it
 * also keeps every calendar computation far from overflow. */
#define DAYS_LIMIT 200000

struct civil {
	int64_t year;
	int month, day, hour, min, sec, yday, wday;
};

/* Seconds of local wall time (as if UTC) to calendar fields. */
static void civil_of(int64_t wall, struct civil *t)
{
	int64_t days = floor_div(wall, SECS_PER_DAY);
	int sod = (int)(wall - days * SECS_PER_DAY);

	civil_from_days(days, &t->year, &t->month, &t->day);
	t->hour = sod / 3600;
	t->min = sod / 60 % 60;
	t->sec = sod % 60;
	t->wday = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01: Thursday */
	t->yday = (int)(days - days_from_civil(t->year, 1, 1)) + 1;
}

/* ---- instants ---- */

struct gtime {
	int64_t sec; /* Unix seconds */
	int32_t nsec;
	const struct tz_loc *loc;
};

static void gtime_civil(const struct gtime *t, struct civil *cv,
			struct tz_info *z)
{
	tz_lookup(t->loc, t->sec, z);
	civil_of(t->sec + z->off, cv);
}

#define TZ_WANT "either number (ns) or [number (ns), string (tz)]"

/* OPA's tzTime: nanoseconds, or [ns, zone name, layout]. OPA names operand
 * 1 in every message, whichever operand it is. */
static enum rb_status tz_time(struct rb_ctx *c, const struct rv *a,
			      struct gtime *t, const struct rv **layout)
{
	const struct rv *n = a;
	enum rb_status st;
	int64_t ns;

	t->loc = &tz_utc;
	if (layout)
		*layout = NULL;
	if (rv_is(a, RV_ARRAY)) {
		if (!a->u.arr.n)
			return rb_type_error(c, 1, TZ_WANT, a);
		n = a->u.arr.v[0];
		if (n->type != RV_NUMBER)
			return rb_type_error(c, 1, "number", n);
		if (a->u.arr.n > 1) {
			const struct rv *tz = a->u.arr.v[1];

			if (tz->type != RV_STRING)
				return rb_type_error(c, 1, "string", tz);
			st = tz_load(c, tz->u.str.s, tz->u.str.len, &t->loc);
			if (st != RB_OK)
				return st;
		}
		if (a->u.arr.n > 2) {
			if (a->u.arr.v[2]->type != RV_STRING)
				return rb_type_error(c, 1, "string",
						     a->u.arr.v[2]);
			if (layout)
				*layout = a->u.arr.v[2];
		}
	} else if (!rv_is(a, RV_NUMBER)) {
		return rb_type_error(c, 1, TZ_WANT, a);
	}
	if (!rv_num_int(n, &ns))
		return rb_error(c, "timestamp too big");
	t->sec = floor_div(ns, NS_PER_SEC);
	/* the floor remainder, without sec * NS_PER_SEC: near INT64_MIN
	 * that product does not fit (found by OPA's corpus under UBSan) */
	t->nsec = (int32_t)(((ns % NS_PER_SEC) + NS_PER_SEC) % NS_PER_SEC);
	return RB_OK;
}

/* OPA's toSafeUnixNano: the instant must fit int64 nanoseconds. */
static enum rb_status ret_time(struct rb_ctx *c, int64_t sec, int64_t nsec,
			       struct rv **out)
{
	__int128 ns = (__int128)sec * NS_PER_SEC + nsec;

	if (ns < INT64_MIN || ns > INT64_MAX)
		return rb_error(c, "time outside of valid range");
	return ret_int(c, (int64_t)ns, out);
}

static const char *const long_days[] = { "Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday" };
static const char *const long_months[] = { "January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December" };

/* ---- Go layouts ---- */

enum {
	STD_NEED_DATE = 1 << 8,
	STD_NEED_YDAY = 1 << 9,
	STD_NEED_CLOCK = 1 << 10,
	STD_ARG_SHIFT = 16,
	STD_SEP_SHIFT = 28,
	STD_MASK = (1 << STD_ARG_SHIFT) - 1,

	STD_LONG_MONTH = 1 | STD_NEED_DATE, /* January */
	STD_MONTH, /* Jan */
	STD_NUM_MONTH, /* 1 */
	STD_ZERO_MONTH, /* 01 */
	STD_LONG_WEEKDAY, /* Monday */
	STD_WEEKDAY, /* Mon */
	STD_DAY, /* 2 */
	STD_UNDER_DAY, /* _2 */
	STD_ZERO_DAY, /* 02 */
	STD_UNDER_YEARDAY = 10 | STD_NEED_YDAY, /* __2 */
	STD_ZERO_YEARDAY, /* 002 */
	STD_HOUR = 12 | STD_NEED_CLOCK, /* 15 */
	STD_HOUR12, /* 3 */
	STD_ZERO_HOUR12, /* 03 */
	STD_MINUTE, /* 4 */
	STD_ZERO_MINUTE, /* 04 */
	STD_SECOND, /* 5 */
	STD_ZERO_SECOND, /* 05 */
	STD_LONG_YEAR = 19 | STD_NEED_DATE, /* 2006 */
	STD_YEAR, /* 06 */
	STD_PM = 21 | STD_NEED_CLOCK, /* PM */
	STD_pm, /* pm */
	STD_TZ = 23, /* MST */
	STD_ISO8601_TZ, /* Z0700 */
	STD_ISO8601_SECONDS_TZ, /* Z070000 */
	STD_ISO8601_SHORT_TZ, /* Z07 */
	STD_ISO8601_COLON_TZ, /* Z07:00 */
	STD_ISO8601_COLON_SECONDS_TZ, /* Z07:00:00 */
	STD_NUM_TZ, /* -0700 */
	STD_NUM_SECONDS_TZ, /* -070000 */
	STD_NUM_SHORT_TZ, /* -07 */
	STD_NUM_COLON_TZ, /* -07:00 */
	STD_NUM_COLON_SECONDS_TZ, /* -07:00:00 */
	STD_FRAC_SECOND0, /* .0, .00, ... trailing zeros kept */
	STD_FRAC_SECOND9, /* .9, .99, ... trailing zeros dropped */
};

static bool has_at(const char *s, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);

	return n - i >= k && !memcmp(s + i, w, k);
}

/* Go's nextStdChunk: the first layout element at or after the start.
 * Sets *at to its offset and *len to its length; returns the element, or 0
 * (at = n) when there is none. */
static int next_std(const char *s, size_t n, size_t *at, size_t *len)
{
	static const int std0x[] = { STD_ZERO_MONTH, STD_ZERO_DAY,
				     STD_ZERO_HOUR12, STD_ZERO_MINUTE,
				     STD_ZERO_SECOND, STD_YEAR };
	static const struct { const char *w; int std; } zones[] = {
		{ "-070000", STD_NUM_SECONDS_TZ },
		{ "-07:00:00", STD_NUM_COLON_SECONDS_TZ },
		{ "-0700", STD_NUM_TZ }, { "-07:00", STD_NUM_COLON_TZ },
		{ "-07", STD_NUM_SHORT_TZ },
		{ "Z070000", STD_ISO8601_SECONDS_TZ },
		{ "Z07:00:00", STD_ISO8601_COLON_SECONDS_TZ },
		{ "Z0700", STD_ISO8601_TZ }, { "Z07:00", STD_ISO8601_COLON_TZ },
		{ "Z07", STD_ISO8601_SHORT_TZ },
	};
	size_t i, j, z;

#define FOUND(off, l, std) do { *at = (off); *len = (l); return (std); } while (0)
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case 'J':
			if (has_at(s, n, i, "January"))
				FOUND(i, 7, STD_LONG_MONTH);
			if (has_at(s, n, i, "Jan") &&
			    !(i + 3 < n && s[i + 3] >= 'a' && s[i + 3] <= 'z'))
				FOUND(i, 3, STD_MONTH);
			break;
		case 'M':
			if (has_at(s, n, i, "Monday"))
				FOUND(i, 6, STD_LONG_WEEKDAY);
			if (has_at(s, n, i, "Mon") &&
			    !(i + 3 < n && s[i + 3] >= 'a' && s[i + 3] <= 'z'))
				FOUND(i, 3, STD_WEEKDAY);
			if (has_at(s, n, i, "MST"))
				FOUND(i, 3, STD_TZ);
			break;
		case '0':
			if (i + 1 < n && s[i + 1] >= '1' && s[i + 1] <= '6')
				FOUND(i, 2, std0x[s[i + 1] - '1']);
			if (has_at(s, n, i, "002"))
				FOUND(i, 3, STD_ZERO_YEARDAY);
			break;
		case '1':
			if (i + 1 < n && s[i + 1] == '5')
				FOUND(i, 2, STD_HOUR);
			FOUND(i, 1, STD_NUM_MONTH);
		case '2':
			if (has_at(s, n, i, "2006"))
				FOUND(i, 4, STD_LONG_YEAR);
			FOUND(i, 1, STD_DAY);
		case '_':
			if (i + 1 < n && s[i + 1] == '2') {
				/* _2006 is a literal _ then the year */
				if (has_at(s, n, i + 1, "2006"))
					FOUND(i + 1, 4, STD_LONG_YEAR);
				FOUND(i, 2, STD_UNDER_DAY);
			}
			if (has_at(s, n, i, "__2"))
				FOUND(i, 3, STD_UNDER_YEARDAY);
			break;
		case '3':
			FOUND(i, 1, STD_HOUR12);
		case '4':
			FOUND(i, 1, STD_MINUTE);
		case '5':
			FOUND(i, 1, STD_SECOND);
		case 'P':
			if (i + 1 < n && s[i + 1] == 'M')
				FOUND(i, 2, STD_PM);
			break;
		case 'p':
			if (i + 1 < n && s[i + 1] == 'm')
				FOUND(i, 2, STD_pm);
			break;
		case '-':
		case 'Z':
			for (z = 0; z < sizeof(zones) / sizeof(*zones); z++)
				if (zones[z].w[0] == s[i] &&
				    has_at(s, n, i, zones[z].w))
					FOUND(i, strlen(zones[z].w), zones[z].std);
			break;
		case '.':
		case ',': /* ,000 .000 ,999 .999: digits must end there */
			if (i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '9')) {
				for (j = i + 1; j < n && s[j] == s[i + 1]; j++)
					;
				if (!(j < n && is_digit(s[j]))) {
					int std = s[i + 1] == '0' ? STD_FRAC_SECOND0
								  : STD_FRAC_SECOND9;

					std |= (int)((j - (i + 1)) & 0xfff) << STD_ARG_SHIFT;
					if (s[i] == ',')
						std |= 1 << STD_SEP_SHIFT;
					FOUND(i, j - i, std);
				}
			}
			break;
		}
	}
#undef FOUND
	*at = n;
	*len = 0;
	return 0;
}

/* Go's appendInt: zero-padded to width, sign first. */
static void put_int(struct rv_buf *b, int64_t x, int width)
{
	char d[24];
	int n = 0;
	uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;

	if (x < 0)
		rv_buf_puts(b, "-", 1);
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	for (; width > n; width--)
		rv_buf_puts(b, "0", 1);
	while (n)
		rv_buf_puts(b, &d[--n], 1);
}

/* Go's appendNano: at most nine digits, whatever the layout's width. */
static void put_nano(struct rv_buf *b, int32_t nsec, int std)
{
	bool trim = (std & STD_MASK) == STD_FRAC_SECOND9;
	int digits = (std >> STD_ARG_SHIFT) & 0xfff;
	char d[16];
	int n;

	if (trim && (digits == 0 || nsec == 0))
		return;
	d[0] = (std >> STD_SEP_SHIFT) ? ',' : '.';
	snprintf(d + 1, sizeof(d) - 1, "%09d", (int)nsec);
	n = digits < 9 ? digits + 1 : 10;
	if (trim) {
		while (n > 1 && d[n - 1] == '0')
			n--;
		if (n == 1)
			n = 0;
	}
	rv_buf_puts(b, d, (size_t)n);
}

static void put_zone(struct rv_buf *b, int std, int32_t off)
{
	int zone = off / 60, absoff = off;

	if (off == 0 && (std == STD_ISO8601_TZ || std == STD_ISO8601_COLON_TZ ||
			 std == STD_ISO8601_SECONDS_TZ ||
			 std == STD_ISO8601_SHORT_TZ ||
			 std == STD_ISO8601_COLON_SECONDS_TZ)) {
		rv_buf_puts(b, "Z", 1);
		return;
	}
	if (zone < 0) {
		rv_buf_puts(b, "-", 1);
		zone = -zone;
		absoff = -absoff;
	} else {
		rv_buf_puts(b, "+", 1);
	}
	put_int(b, zone / 60, 2);
	if (std == STD_ISO8601_COLON_TZ || std == STD_NUM_COLON_TZ ||
	    std == STD_ISO8601_COLON_SECONDS_TZ ||
	    std == STD_NUM_COLON_SECONDS_TZ)
		rv_buf_puts(b, ":", 1);
	if (std != STD_NUM_SHORT_TZ && std != STD_ISO8601_SHORT_TZ)
		put_int(b, zone % 60, 2);
	if (std == STD_ISO8601_SECONDS_TZ || std == STD_NUM_SECONDS_TZ ||
	    std == STD_NUM_COLON_SECONDS_TZ ||
	    std == STD_ISO8601_COLON_SECONDS_TZ) {
		if (std == STD_NUM_COLON_SECONDS_TZ ||
		    std == STD_ISO8601_COLON_SECONDS_TZ)
			rv_buf_puts(b, ":", 1);
		put_int(b, absoff % 60, 2);
	}
}

/* Go's Time.Format. */
static void time_format(struct rv_buf *b, const struct gtime *t,
			const char *lay, size_t n)
{
	struct civil cv;
	struct tz_info z;
	size_t at, len;
	int std, hr;

	gtime_civil(t, &cv, &z);
	while (n) {
		std = next_std(lay, n, &at, &len);
		rv_buf_puts(b, lay, at);
		if (!std)
			break;
		lay += at + len;
		n -= at + len;
		switch (std & STD_MASK) {
		case STD_YEAR:
			put_int(b, (cv.year < 0 ? -cv.year : cv.year) % 100, 2);
			break;
		case STD_LONG_YEAR:
			put_int(b, cv.year, 4);
			break;
		case STD_MONTH:
			rv_buf_puts(b, long_months[cv.month - 1], 3);
			break;
		case STD_LONG_MONTH:
			rv_buf_puts(b, long_months[cv.month - 1],
				    strlen(long_months[cv.month - 1]));
			break;
		case STD_NUM_MONTH:
			put_int(b, cv.month, 0);
			break;
		case STD_ZERO_MONTH:
			put_int(b, cv.month, 2);
			break;
		case STD_WEEKDAY:
			rv_buf_puts(b, long_days[cv.wday], 3);
			break;
		case STD_LONG_WEEKDAY:
			rv_buf_puts(b, long_days[cv.wday],
				    strlen(long_days[cv.wday]));
			break;
		case STD_DAY:
			put_int(b, cv.day, 0);
			break;
		case STD_UNDER_DAY:
			if (cv.day < 10)
				rv_buf_puts(b, " ", 1);
			put_int(b, cv.day, 0);
			break;
		case STD_ZERO_DAY:
			put_int(b, cv.day, 2);
			break;
		case STD_UNDER_YEARDAY:
			if (cv.yday < 100)
				rv_buf_puts(b, cv.yday < 10 ? "  " : " ",
					    cv.yday < 10 ? 2 : 1);
			put_int(b, cv.yday, 0);
			break;
		case STD_ZERO_YEARDAY:
			put_int(b, cv.yday, 3);
			break;
		case STD_HOUR:
			put_int(b, cv.hour, 2);
			break;
		case STD_HOUR12:
		case STD_ZERO_HOUR12:
			hr = cv.hour % 12 ? cv.hour % 12 : 12;
			put_int(b, hr, std == STD_HOUR12 ? 0 : 2);
			break;
		case STD_MINUTE:
			put_int(b, cv.min, 0);
			break;
		case STD_ZERO_MINUTE:
			put_int(b, cv.min, 2);
			break;
		case STD_SECOND:
			put_int(b, cv.sec, 0);
			break;
		case STD_ZERO_SECOND:
			put_int(b, cv.sec, 2);
			break;
		case STD_PM:
			rv_buf_puts(b, cv.hour >= 12 ? "PM" : "AM", 2);
			break;
		case STD_pm:
			rv_buf_puts(b, cv.hour >= 12 ? "pm" : "am", 2);
			break;
		case STD_TZ:
			if (z.nlen) {
				rv_buf_puts(b, z.name, z.nlen);
				break;
			}
			put_zone(b, STD_NUM_TZ, z.off);
			break;
		case STD_FRAC_SECOND0:
		case STD_FRAC_SECOND9:
			put_nano(b, t->nsec, std);
			break;
		default:
			put_zone(b, std, z.off);
		}
	}
}

/* time's own quote() in parse errors: bytes outside printable ASCII as
 * \xNN. */
static void time_quote(struct rv_buf *b, const char *s, size_t n)
{
	size_t i;

	rv_buf_puts(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x80 || ch < ' ')
			rv_buf_printf(b, "\\x%02x", ch);
		else if (ch == '"' || ch == '\\')
			rv_buf_printf(b, "\\%c", ch);
		else
			rv_buf_puts(b, s + i, 1);
	}
	rv_buf_puts(b, "\"", 1);
}

struct tparse {
	const char *layout, *value; /* the whole inputs, for messages */
	size_t nlayout, nvalue;
	struct rv_buf *err;
};

/* ParseError.Error(): either "cannot parse X as Y" or a message. */
static bool tp_fail(struct tparse *tp, const char *lelem, size_t nl,
		    const char *velem, size_t nv, const char *msg)
{
	rv_buf_puts(tp->err, "parsing time ", 13);
	time_quote(tp->err, tp->value, tp->nvalue);
	if (msg) {
		rv_buf_puts(tp->err, msg, strlen(msg));
		return false;
	}
	rv_buf_puts(tp->err, " as ", 4);
	time_quote(tp->err, tp->layout, tp->nlayout);
	rv_buf_puts(tp->err, ": cannot parse ", 15);
	time_quote(tp->err, velem, nv);
	rv_buf_puts(tp->err, " as ", 4);
	time_quote(tp->err, lelem, nl);
	return false;
}

static bool tp_range(struct tparse *tp, const char *what)
{
	char m[64];

	snprintf(m, sizeof(m), ": %s out of range", what);
	return tp_fail(tp, NULL, 0, NULL, 0, m);
}

/* getnum: one or two digits (two when fixed). */
static bool getnum(const char **v, const char *e, bool fixed, int *out)
{
	const char *p = *v;

	if (p == e || !is_digit(*p))
		return false;
	if (p + 1 == e || !is_digit(p[1])) {
		if (fixed)
			return false;
		*out = *p - '0';
		*v = p + 1;
		return true;
	}
	*out = (p[0] - '0') * 10 + (p[1] - '0');
	*v = p + 2;
	return true;
}

static bool getnum3(const char **v, const char *e, bool fixed, int *out)
{
	const char *p = *v;
	int n = 0, i;

	for (i = 0; i < 3 && p + i < e && is_digit(p[i]); i++)
		n = n * 10 + (p[i] - '0');
	if (i == 0 || (fixed && i != 3))
		return false;
	*out = n;
	*v = p + i;
	return true;
}

/* The time package's atoi: optional sign, then only digits. */
static bool t_atoi(const char *s, size_t n, int64_t *out)
{
	bool neg = false;
	uint64_t x = 0;
	size_t i = 0;

	if (n && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i++;
	}
	for (; i < n; i++) {
		if (!is_digit(s[i]) || x > (1ULL << 63) / 10)
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
		if (x > 1ULL << 63)
			return false;
	}
	if (x > (uint64_t)INT64_MAX)
		return false; /* int(q) would wrap in Go; refuse instead */
	*out = neg ? -(int64_t)x : (int64_t)x;
	return true;
}

/* parseNanoseconds over value[0:nbytes] (a separator, then digits). */
static bool parse_nanos(const char *v, size_t nbytes, int32_t *ns,
			const char **range)
{
	int64_t x;
	size_t scale;

	if (v[0] != '.' && v[0] != ',')
		return false;
	if (nbytes > 10)
		nbytes = 10;
	if (!t_atoi(v + 1, nbytes - 1, &x))
		return false;
	if (x < 0) {
		*range = "fractional second";
		return true;
	}
	for (scale = 10 - nbytes; scale; scale--)
		x *= 10;
	*ns = (int32_t)x;
	return true;
}

/* skip: the literal text between elements; runs of spaces match runs.
 * Like Go's, it leaves *v where matching stopped, for the message. */
static bool tp_skip(const char **v, const char *ve, const char *p,
		    const char *pe)
{
	const char *s = *v;
	bool ok = true;

	while (p < pe) {
		if (*p == ' ') {
			if (s < ve && *s != ' ') {
				ok = false;
				break;
			}
			while (p < pe && *p == ' ')
				p++;
			while (s < ve && *s == ' ')
				s++;
			continue;
		}
		if (s == ve || *s != *p) {
			ok = false;
			break;
		}
		p++;
		s++;
	}
	*v = s;
	return ok;
}

static int lookup_name(const char **v, const char *e,
		       const char *const *tab, int n, size_t width)
{
	int i;
	size_t k, l;

	for (i = 0; i < n; i++) {
		l = width ? width : strlen(tab[i]);
		if ((size_t)(e - *v) < l)
			continue;
		for (k = 0; k < l; k++) {
			char a = (*v)[k], b = tab[i][k];

			if (a != b && ((a | 0x20) != (b | 0x20) ||
				       (a | 0x20) < 'a' || (a | 0x20) > 'z'))
				break;
		}
		if (k == l) {
			*v += l;
			return i;
		}
	}
	return -1;
}

/* Go's parseTimeZone: the length of a zone abbreviation, or 0. */
static size_t zone_abbrev(const char *v, const char *e)
{
	size_t n = (size_t)(e - v), up, k;
	uint64_t x;

	if (n < 3)
		return 0;
	if (n >= 4 && (!memcmp(v, "ChST", 4) || !memcmp(v, "MeST", 4)))
		return 4;
	if (!memcmp(v, "GMT", 3) || v[0] == '+' || v[0] == '-') {
		/* GMT, optionally with a signed hour offset up to 23 */
		size_t base = v[0] == 'G' ? 3 : 0;

		if (base == 3 && n == 3)
			return 3;
		if (v[base] != '+' && v[base] != '-')
			return base;
		for (k = base + 1, x = 0; k < n && is_digit(v[k]); k++) {
			x = x * 10 + (uint64_t)(v[k] - '0');
			if (x > 1000)
				break;
		}
		if (k == base + 1 || x > 23)
			return base;
		return k;
	}
	for (up = 0; up < 6 && up < n && v[up] >= 'A' && v[up] <= 'Z'; up++)
		;
	switch (up) {
	case 3:
		return 3;
	case 4:
		return v[3] == 'T' || !memcmp(v, "WITA", 4) ? 4 : 0;
	case 5:
		return v[4] == 'T' ? 5 : 0;
	default:
		return 0;
	}
}

/* A numeric zone offset for the given element. As in Go, an out-of-range
 * field is reported even when a later field is not a number. */
static bool parse_offset(const char **vp, const char *ve, int std, int *off,
			 const char **range)
{
	const char *v = *vp, *hh, *mm = "00", *ss = "00";
	size_t need = 5;
	int hr = 0, mi = 0, se = 0;
	bool ok;

	if (std == STD_ISO8601_COLON_TZ || std == STD_NUM_COLON_TZ)
		need = 6;
	else if (std == STD_NUM_SHORT_TZ || std == STD_ISO8601_SHORT_TZ)
		need = 3;
	else if (std == STD_ISO8601_COLON_SECONDS_TZ ||
		 std == STD_NUM_COLON_SECONDS_TZ)
		need = 9;
	else if (std == STD_ISO8601_SECONDS_TZ || std == STD_NUM_SECONDS_TZ)
		need = 7;
	if ((size_t)(ve - v) < need)
		return false;
	hh = v + 1;
	if (need == 6 || need == 9) {
		if (v[3] != ':' || (need == 9 && v[6] != ':'))
			return false;
		mm = v + 4;
		if (need == 9)
			ss = v + 7;
	} else if (need == 7 || need == 5) {
		mm = v + 3;
		if (need == 7)
			ss = v + 5;
	}
	ok = getnum(&hh, hh + 2, true, &hr) && getnum(&mm, mm + 2, true, &mi) &&
	     getnum(&ss, ss + 2, true, &se);
	/* > rather than >=: offsets of 24 hours or 60 minutes are written. */
	if (hr > 24)
		*range = "time zone offset hour";
	if (mi > 60)
		*range = "time zone offset minute";
	if (se > 60)
		*range = "time zone offset second";
	*off = (hr * 60 + mi) * 60 + se;
	if (v[0] == '-')
		*off = -*off;
	else if (v[0] != '+')
		ok = false;
	*vp = v + need;
	return ok;
}

struct tfields {
	int64_t year;
	int month, day, yday, hour, min, sec, zoff;
	int32_t nsec;
	bool am, pm, utc;
};

/* One layout element of Go's parse. Returns false with *range unset for a
 * plain mismatch. */
static bool tp_elem(int std, const char *lrest, size_t nlrest,
		    const char **vp, const char *ve, struct tfields *f,
		    const char **range)
{
	const char *v = *vp;
	size_t at, len, k;
	int64_t x;
	int n;

	switch (std & STD_MASK) {
	case STD_YEAR:
		if (ve - v < 2 || !t_atoi(v, 2, &x))
			return false;
		f->year = x >= 69 ? x + 1900 : x + 2000;
		v += 2;
		break;
	case STD_LONG_YEAR:
		if (ve - v < 4 || !is_digit(*v) || !t_atoi(v, 4, &f->year))
			return false;
		v += 4;
		break;
	case STD_MONTH:
	case STD_LONG_MONTH:
		n = lookup_name(&v, ve, long_months, 12,
				(std & STD_MASK) == STD_MONTH ? 3 : 0);
		if (n < 0)
			return false;
		f->month = n + 1;
		break;
	case STD_NUM_MONTH:
	case STD_ZERO_MONTH:
		if (!getnum(&v, ve, std == STD_ZERO_MONTH, &f->month))
			return false;
		if (f->month <= 0 || f->month > 12)
			*range = "month";
		break;
	case STD_WEEKDAY:
	case STD_LONG_WEEKDAY:
		if (lookup_name(&v, ve, long_days, 7,
				(std & STD_MASK) == STD_WEEKDAY ? 3 : 0) < 0)
			return false;
		break;
	case STD_DAY:
	case STD_UNDER_DAY:
	case STD_ZERO_DAY:
		if (std == STD_UNDER_DAY && v < ve && *v == ' ')
			v++;
		if (!getnum(&v, ve, std == STD_ZERO_DAY, &f->day))
			return false;
		break;
	case STD_UNDER_YEARDAY:
	case STD_ZERO_YEARDAY:
		for (k = 0; k < 2; k++)
			if (std == STD_UNDER_YEARDAY && v < ve && *v == ' ')
				v++;
		if (!getnum3(&v, ve, std == STD_ZERO_YEARDAY, &f->yday))
			return false;
		break;
	case STD_HOUR:
		if (!getnum(&v, ve, false, &f->hour))
			return false;
		if (f->hour >= 24)
			*range = "hour";
		break;
	case STD_HOUR12:
	case STD_ZERO_HOUR12:
		if (!getnum(&v, ve, std == STD_ZERO_HOUR12, &f->hour))
			return false;
		if (f->hour > 12)
			*range = "hour";
		break;
	case STD_MINUTE:
	case STD_ZERO_MINUTE:
		if (!getnum(&v, ve, std == STD_ZERO_MINUTE, &f->min))
			return false;
		if (f->min >= 60)
			*range = "minute";
		break;
	case STD_SECOND:
	case STD_ZERO_SECOND:
		if (!getnum(&v, ve, std == STD_ZERO_SECOND, &f->sec))
			return false;
		if (f->sec >= 60) {
			*range = "second";
			break;
		}
		/* A fraction the layout does not mention is still read. */
		if (ve - v >= 2 && (*v == '.' || *v == ',') && is_digit(v[1])) {
			int next = next_std(lrest, nlrest, &at, &len) & STD_MASK;

			if (next == STD_FRAC_SECOND0 || next == STD_FRAC_SECOND9)
				break;
			for (k = 2; v + k < ve && is_digit(v[k]); k++)
				;
			if (!parse_nanos(v, k, &f->nsec, range))
				return false;
			v += k;
		}
		break;
	case STD_PM:
	case STD_pm:
		if (ve - v < 2)
			return false;
		if (!memcmp(v, std == STD_PM ? "PM" : "pm", 2))
			f->pm = true;
		else if (!memcmp(v, std == STD_PM ? "AM" : "am", 2))
			f->am = true;
		else
			return false;
		v += 2;
		break;
	case STD_ISO8601_TZ:
	case STD_ISO8601_SHORT_TZ:
	case STD_ISO8601_COLON_TZ:
	case STD_ISO8601_SECONDS_TZ:
	case STD_ISO8601_COLON_SECONDS_TZ:
		if (v < ve && *v == 'Z') {
			v++;
			f->utc = true;
			break;
		}
		/* fall through */
	case STD_NUM_TZ:
	case STD_NUM_SHORT_TZ:
	case STD_NUM_COLON_TZ:
	case STD_NUM_SECONDS_TZ:
	case STD_NUM_COLON_SECONDS_TZ:
		if (!parse_offset(&v, ve, std, &f->zoff, range))
			return false;
		break;
	case STD_TZ:
		/* With Local as UTC, an abbreviation does not move the
		 * instant: Go records it in a zone of unknown offset. */
		if (ve - v >= 3 && !memcmp(v, "UTC", 3)) {
			v += 3;
			f->utc = true;
			break;
		}
		if (!(k = zone_abbrev(v, ve)))
			return false;
		v += k;
		break;
	case STD_FRAC_SECOND0:
		k = 1 + (size_t)((std >> STD_ARG_SHIFT) & 0xfff);
		if ((size_t)(ve - v) < k || !parse_nanos(v, k, &f->nsec, range))
			return false;
		v += k;
		break;
	case STD_FRAC_SECOND9:
		if (ve - v < 2 || (*v != '.' && *v != ',') || !is_digit(v[1]))
			break; /* omitted */
		for (k = 1; v + k < ve && is_digit(v[k]); k++)
			;
		if (!parse_nanos(v, k, &f->nsec, range))
			return false;
		v += k;
		break;
	}
	*vp = v;
	return true;
}

/* Resolve day-of-year and check the date, as the end of Go's parse. */
static bool tp_finish(struct tparse *tp, struct tfields *f)
{
	int m = 0, d = 0;

	if (f->pm && f->hour < 12)
		f->hour += 12;
	else if (f->am && f->hour == 12)
		f->hour = 0;
	if (f->yday >= 0) {
		if (is_leap(f->year)) {
			if (f->yday == 31 + 29) {
				m = 2;
				d = 29;
			} else if (f->yday > 31 + 29) {
				f->yday--;
			}
		}
		if (f->yday < 1 || f->yday > 365)
			return tp_fail(tp, NULL, 0, NULL, 0,
				       ": day-of-year out of range");
		if (!m) {
			m = (f->yday - 1) / 31 + 1;
			if (days_before[m] < f->yday)
				m++;
			d = f->yday - days_before[m - 1];
		}
		if (f->month >= 0 && f->month != m)
			return tp_fail(tp, NULL, 0, NULL, 0,
				       ": day-of-year does not match month");
		f->month = m;
		if (f->day >= 0 && f->day != d)
			return tp_fail(tp, NULL, 0, NULL, 0,
				       ": day-of-year does not match day");
		f->day = d;
	} else {
		if (f->month < 0)
			f->month = 1;
		if (f->day < 0)
			f->day = 1;
	}
	if (f->day < 1 || f->day > days_in(f->month, f->year))
		return tp_fail(tp, NULL, 0, NULL, 0, ": day out of range");
	return true;
}

/* Go's time.Parse with Local taken as UTC. On failure, tp->err holds
 * Go's ParseError text. */
static bool time_parse(struct tparse *tp, int64_t *sec, int32_t *nsec)
{
	const char *lay = tp->layout, *v = tp->value;
	const char *ve = tp->value + tp->nvalue;
	size_t n = tp->nlayout, at, len;
	struct tfields f = { .year = 0, .month = -1, .day = -1, .yday = -1,
			     .zoff = INT_MIN };
	const char *range, *hold;
	int std;

	for (;;) {
		std = next_std(lay, n, &at, &len);
		if (!tp_skip(&v, ve, lay, lay + at))
			return tp_fail(tp, lay, at, v, (size_t)(ve - v), NULL);
		if (!std) {
			if (v != ve) {
				struct rv_buf m = { 0 };
				bool r;

				rv_buf_puts(&m, ": extra text: ", 14);
				time_quote(&m, v, (size_t)(ve - v));
				r = tp_fail(tp, NULL, 0, NULL, 0,
					    m.p && !m.failed ? m.p : "");
				free(m.p);
				return r;
			}
			break;
		}
		hold = v;
		range = NULL;
		if (!tp_elem(std, lay + at + len, n - at - len, &v, ve, &f,
			     &range) && !range)
			return tp_fail(tp, lay + at, len, hold,
				       (size_t)(ve - hold), NULL);
		if (range)
			return tp_range(tp, range);
		lay += at + len;
		n -= at + len;
	}
	if (!tp_finish(tp, &f))
		return false;
	*sec = days_from_civil(f.year, f.month, f.day) * SECS_PER_DAY +
	       f.hour * 3600 + f.min * 60 + f.sec;
	if (!f.utc && f.zoff != INT_MIN)
		*sec -= f.zoff;
	*nsec = f.nsec;
	return true;
}

/* OPA's names for Go's layout constants. */
static void layout_named(const char **s, size_t *n)
{
	static const struct { const char *name, *layout; } named[] = {
		{ "ANSIC", "Mon Jan _2 15:04:05 2006" },
		{ "UnixDate", "Mon Jan _2 15:04:05 MST 2006" },
		{ "RubyDate", "Mon Jan 02 15:04:05 -0700 2006" },
		{ "RFC822", "02 Jan 06 15:04 MST" },
		{ "RFC822Z", "02 Jan 06 15:04 -0700" },
		{ "RFC850", "Monday, 02-Jan-06 15:04:05 MST" },
		{ "RFC1123", "Mon, 02 Jan 2006 15:04:05 MST" },
		{ "RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700" },
		{ "RFC3339", "2006-01-02T15:04:05Z07:00" },
		{ "RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00" },
	};
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(*named); i++)
		if (strlen(named[i].name) == *n &&
		    !memcmp(named[i].name, *s, *n)) {
			*s = named[i].layout;
			*n = strlen(named[i].layout);
			return;
		}
}

static enum rb_status parse_ret(struct rb_ctx *c, const char *lay, size_t nl,
				const struct rv *value, struct rv **out)
{
	struct rv_buf err = { 0 };
	struct tparse tp = { lay, value->u.str.s, nl, value->u.str.len, &err };
	int64_t sec = 0;
	int32_t nsec = 0;

	if (!time_parse(&tp, &sec, &nsec))
		return fail_buf(c, &err);
	free(err.p);
	return ret_time(c, sec, nsec, out);
}

/* ---- built-ins ---- */

static enum rb_status bi_time_now_ns(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	return ret_int(c, c->now_ns, out);
}

static enum rb_status bi_time_parse_ns(struct rb_ctx *c,
				       struct rv *const *args,
				       struct rv **out)
{
	const char *lay;
	size_t n;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(args[1], RV_STRING))
		return rb_type_error(c, 2, "string", args[1]);
	lay = args[0]->u.str.s;
	n = args[0]->u.str.len;
	layout_named(&lay, &n);
	return parse_ret(c, lay, n, args[1], out);
}

static enum rb_status bi_time_parse_rfc3339_ns(struct rb_ctx *c,
					       struct rv *const *args,
					       struct rv **out)
{
	static const char rfc3339[] = "2006-01-02T15:04:05Z07:00";

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	return parse_ret(c, rfc3339, sizeof(rfc3339) - 1, args[0], out);
}

/* Go's time.ParseDuration. */
static bool parse_duration(const char *s, size_t n, int64_t *out,
			   struct rv_buf *err)
{
	static const struct { const char *u; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 }, { "ms", 1000000 }, { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	const char *p = s, *e = s + n, *u;
	uint64_t d = 0, v, f, unit;
	double scale;
	bool neg = false, pre, post, overflow;
	size_t i;

	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	if (e - p == 1 && *p == '0') {
		*out = 0;
		return true;
	}
	if (p == e)
		goto invalid;
	while (p < e) {
		if (*p != '.' && !is_digit(*p))
			goto invalid;
		for (v = 0, pre = false; p < e && is_digit(*p); p++, pre = true) {
			if (v > (1ULL << 63) / 10)
				goto invalid;
			v = v * 10 + (uint64_t)(*p - '0');
			if (v > 1ULL << 63)
				goto invalid;
		}
		f = 0;
		scale = 1;
		post = false;
		if (p < e && *p == '.') {
			for (p++, overflow = false; p < e && is_digit(*p);
			     p++, post = true) {
				if (overflow)
					continue;
				if (f > ((1ULL << 63) - 1) / 10) {
					overflow = true;
					continue;
				}
				f = f * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
		if (!pre && !post)
			goto invalid;
		for (u = p; p < e && *p != '.' && !is_digit(*p); p++)
			;
		if (u == p) {
			rv_buf_puts(err, "time: missing unit in duration ", 31);
			time_quote(err, s, n);
			return false;
		}
		for (i = 0, unit = 0; i < sizeof(units) / sizeof(*units); i++)
			if (strlen(units[i].u) == (size_t)(p - u) &&
			    !memcmp(units[i].u, u, (size_t)(p - u)))
				unit = units[i].ns;
		if (!unit) {
			rv_buf_puts(err, "time: unknown unit ", 19);
			time_quote(err, u, (size_t)(p - u));
			rv_buf_puts(err, " in duration ", 13);
			time_quote(err, s, n);
			return false;
		}
		if (v > (1ULL << 63) / unit)
			goto invalid;
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > 1ULL << 63)
				goto invalid;
		}
		d += v;
		if (d > 1ULL << 63)
			goto invalid;
	}
	if (neg) {
		*out = d == 1ULL << 63 ? INT64_MIN : -(int64_t)d;
		return true;
	}
	if (d > (uint64_t)INT64_MAX)
		goto invalid;
	*out = (int64_t)d;
	return true;
invalid:
	rv_buf_puts(err, "time: invalid duration ", 23);
	time_quote(err, s, n);
	return false;
}

static enum rb_status bi_time_parse_duration_ns(struct rb_ctx *c,
						struct rv *const *args,
						struct rv **out)
{
	struct rv_buf err = { 0 };
	int64_t d;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!parse_duration(args[0]->u.str.s, args[0]->u.str.len, &d, &err))
		return fail_buf(c, &err);
	free(err.p);
	return ret_int(c, d, out);
}

static enum rb_status bi_time_format(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	static const char nano[] = "2006-01-02T15:04:05.999999999Z07:00";
	struct rv_buf b = { 0 };
	const struct rv *layout;
	struct gtime t;
	enum rb_status st;
	const char *lay = nano;
	size_t n = sizeof(nano) - 1;

	if ((st = tz_time(c, args[0], &t, &layout)) != RB_OK)
		return st;
	if (layout && layout->u.str.len) {
		lay = layout->u.str.s;
		n = layout->u.str.len;
		layout_named(&lay, &n);
	}
	time_format(&b, &t, lay, n);
	return ret_buf(c, &b, out);
}

/* An array of integers as the result. */
static enum rb_status ret_ints(struct rb_ctx *c, const int64_t *v, size_t n,
			       struct rv **out)
{
	struct rv_builder b;
	size_t i;

	rv_builder_init(&b, c->arena);
	for (i = 0; i < n; i++)
		rv_builder_add(&b, rv_int(c->arena, v[i]));
	*out = rv_array_finish(&b);
	return *out ? RB_OK : rb_nomem(c);
}

/* The calendar fields of an operand as tz_time reads it. */
static enum rb_status operand_civil(struct rb_ctx *c, const struct rv *a,
				    struct civil *cv)
{
	struct gtime t;
	struct tz_info z;
	enum rb_status st;

	if ((st = tz_time(c, a, &t, NULL)) != RB_OK)
		return st;
	gtime_civil(&t, cv, &z);
	return RB_OK;
}

static enum rb_status bi_time_date(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	struct civil cv;
	enum rb_status st;

	if ((st = operand_civil(c, args[0], &cv)) != RB_OK)
		return st;
	return ret_ints(c, (const int64_t[]){ cv.year, cv.month, cv.day }, 3,
			out);
}

static enum rb_status bi_time_clock(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	struct civil cv;
	enum rb_status st;

	if ((st = operand_civil(c, args[0], &cv)) != RB_OK)
		return st;
	return ret_ints(c, (const int64_t[]){ cv.hour, cv.min, cv.sec }, 3,
			out);
}

static enum rb_status bi_time_weekday(struct rb_ctx *c,
				      struct rv *const *args, struct rv **out)
{
	struct civil cv;
	enum rb_status st;

	if ((st = operand_civil(c, args[0], &cv)) != RB_OK)
		return st;
	*out = rv_cstring(c->arena, long_days[cv.wday]);
	return *out ? RB_OK : rb_nomem(c);
}

/* builtins.IntOperand. */
static enum rb_status int_operand(struct rb_ctx *c, const struct rv *v,
				  unsigned i, int64_t *out)
{
	if (!rv_is(v, RV_NUMBER))
		return rb_type_error(c, i, "number", v);
	if (!rv_num_index(v, out)) {
		/* OPA raises this as a type error too. */
		rb_error(c, "operand %u must be integer number but got floating-point number",
			 i);
		return RB_TYPE_ERROR;
	}
	return RB_OK;
}

/* Go's AddDate: add to the calendar fields in the time's zone, then
 * normalise (months overflow into years, days into months). */
static enum rb_status bi_time_add_date(struct rb_ctx *c,
				       struct rv *const *args,
				       struct rv **out)
{
	struct gtime t;
	struct civil cv;
	struct tz_info z;
	enum rb_status st;
	int64_t dy, dm, dd, wall;
	__int128 months, year, days;
	int month;

	if ((st = tz_time(c, args[0], &t, NULL)) != RB_OK ||
	    (st = int_operand(c, args[1], 2, &dy)) != RB_OK ||
	    (st = int_operand(c, args[2], 3, &dm)) != RB_OK ||
	    (st = int_operand(c, args[3], 4, &dd)) != RB_OK)
		return st;
	gtime_civil(&t, &cv, &z);
	months = ((__int128)cv.year + dy) * 12 + (cv.month - 1) + dm;
	year = months / 12;
	month = (int)(months % 12);
	if (month < 0) {
		month += 12;
		year--;
	}
	if (year < -DAYS_LIMIT || year > DAYS_LIMIT)
		return rb_error(c, "time outside of valid range");
	days = (__int128)days_from_civil((int64_t)year, month + 1, 1) +
	       cv.day - 1 + dd;
	if (days < -DAYS_LIMIT || days > DAYS_LIMIT)
		return rb_error(c, "time outside of valid range");
	wall = (int64_t)days * SECS_PER_DAY + cv.hour * 3600 + cv.min * 60 +
	       cv.sec;
	return ret_time(c, tz_unwall(t.loc, wall), t.nsec, out);
}

/* OPA's time.diff (after icza/gox): calendar differences in the first
 * time's zone, later minus earlier, each field normalised. */
static enum rb_status bi_time_diff(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	static const int span[6] = { 0, 12, 0, 24, 60, 60 };
	struct gtime t1, t2, tmp;
	struct civil a, b;
	struct tz_info z;
	enum rb_status st;
	int64_t d[6];
	int k;

	if ((st = tz_time(c, args[0], &t1, NULL)) != RB_OK ||
	    (st = tz_time(c, args[1], &t2, NULL)) != RB_OK)
		return st;
	t2.loc = t1.loc;
	if (t1.sec > t2.sec || (t1.sec == t2.sec && t1.nsec > t2.nsec)) {
		tmp = t1;
		t1 = t2;
		t2 = tmp;
	}
	gtime_civil(&t1, &a, &z);
	gtime_civil(&t2, &b, &z);
	d[0] = b.year - a.year;
	d[1] = b.month - a.month;
	d[2] = b.day - a.day;
	d[3] = b.hour - a.hour;
	d[4] = b.min - a.min;
	d[5] = b.sec - a.sec;
	/* A negative field borrows one of the next larger unit; days
	 * borrow the length of the earlier time's month. */
	for (k = 5; k > 0; k--) {
		if (d[k] >= 0)
			continue;
		d[k] += k == 2 ? days_in(a.month, a.year) : span[k];
		d[k - 1]--;
	}
	return ret_ints(c, d, 6, out);
}

const struct rb_def rb_time_defs[] = {
	{ "time.now_ns", 0, bi_time_now_ns },
	{ "time.parse_ns", 2, bi_time_parse_ns },
	{ "time.parse_rfc3339_ns", 1, bi_time_parse_rfc3339_ns },
	{ "time.parse_duration_ns", 1, bi_time_parse_duration_ns },
	{ "time.format", 1, bi_time_format },
	{ "time.date", 1, bi_time_date },
	{ "time.clock", 1, bi_time_clock },
	{ "time.weekday", 1, bi_time_weekday },
	{ "time.add_date", 4, bi_time_add_date },
	{ "time.diff", 2, bi_time_diff },
	{ NULL, 0, NULL },
};
