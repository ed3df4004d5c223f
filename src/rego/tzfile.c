/* tzfile.c - time zones as Go's time.Location holds them (see tzfile.h):
 * the TZif files of the system zone database, the POSIX TZ rule that
 * extends them, and lookups by instant.
 *
 * Zone names come from policies, so a name is checked before it becomes a
 * path, files are read with a size cap, and the TZif data goes through the
 * bounded reader (bytes.h). Owns nothing the time built-ins format or
 * parse; that is builtins_time.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bytes.h"
#include "calendar.h"
#include "tzfile.h"

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

struct tz_zone {
	const char *name;
	size_t nlen;
	int32_t off;
	bool dst;
};

struct tz_loc {
	struct tz_zone *zone; /* none: UTC */
	size_t nzone;
	int64_t *when;
	uint8_t *idx;
	size_t ntx;
	const char *extend; /* POSIX TZ rule after the last transition */
	size_t nextend;
};

const struct tz_loc tz_utc = { .zone = NULL };

struct tz_rule {
	int kind; /* 'J' Julian day, 'D' day of year, 'M' month.week.day */
	int day, week, mon, time;
};

/* Go's tzsetName: <quoted> or at least three letters. */
static bool tzset_name(const char **pp, const char *e, const char **name,
		       size_t *n)
{
	const char *p = *pp, *q;

	if (p == e)
		return false;
	if (*p == '<') {
		if (!(q = memchr(p, '>', (size_t)(e - p))))
			return false;
		*name = p + 1;
		*n = (size_t)(q - p - 1);
		*pp = q + 1;
		return true;
	}
	for (q = p; q < e; q++)
		if (is_digit(*q) || *q == ',' || *q == '-' || *q == '+')
			break;
	if (q - p < 3)
		return false;
	*name = p;
	*n = (size_t)(q - p);
	*pp = q;
	return true;
}

static bool tzset_num(const char **pp, const char *e, int min, int max,
		      int *out)
{
	const char *p = *pp;
	int num = 0;

	for (; p < e && is_digit(*p); p++) {
		num = num * 10 + (*p - '0');
		if (num > max)
			return false;
	}
	if (p == *pp || num < min)
		return false;
	*pp = p;
	*out = num;
	return true;
}

/* [+-]hh[:mm[:ss]] in seconds. */
static bool tzset_offset(const char **pp, const char *e, int *out)
{
	const char *p = *pp;
	bool neg = false;
	int h, m = 0, s = 0;

	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (!tzset_num(&p, e, 0, 24 * 7, &h))
		return false;
	if (p < e && *p == ':') {
		p++;
		if (!tzset_num(&p, e, 0, 59, &m))
			return false;
		if (p < e && *p == ':') {
			p++;
			if (!tzset_num(&p, e, 0, 59, &s))
				return false;
		}
	}
	*out = (h * 3600 + m * 60 + s) * (neg ? -1 : 1);
	*pp = p;
	return true;
}

static bool tzset_rule(const char **pp, const char *e, struct tz_rule *r)
{
	const char *p = *pp;

	memset(r, 0, sizeof(*r));
	if (p == e)
		return false;
	if (*p == 'J') {
		p++;
		r->kind = 'J';
		if (!tzset_num(&p, e, 1, 365, &r->day))
			return false;
	} else if (*p == 'M') {
		p++;
		r->kind = 'M';
		if (!tzset_num(&p, e, 1, 12, &r->mon) || p == e || *p++ != '.' ||
		    !tzset_num(&p, e, 1, 5, &r->week) || p == e || *p++ != '.' ||
		    !tzset_num(&p, e, 0, 6, &r->day))
			return false;
	} else {
		r->kind = 'D';
		if (!tzset_num(&p, e, 0, 365, &r->day))
			return false;
	}
	r->time = 2 * 3600;
	if (p < e && *p == '/') {
		p++;
		if (!tzset_offset(&p, e, &r->time))
			return false;
	}
	*pp = p;
	return true;
}

/* Seconds from the start of the year (UTC) to when the rule fires. */
static int64_t tzrule_time(int64_t year, const struct tz_rule *r, int off)
{
	int64_t s = 0, m1, yy0, yy1, yy2, dow, d;
	int i;

	switch (r->kind) {
	case 'J':
		s = (int64_t)(r->day - 1) * SECS_PER_DAY;
		if (is_leap(year) && r->day >= 60)
			s += SECS_PER_DAY;
		break;
	case 'D':
		s = (int64_t)r->day * SECS_PER_DAY;
		break;
	case 'M': /* Zeller's congruence, as Go computes it */
		m1 = (r->mon + 9) % 12 + 1;
		yy0 = year - (r->mon <= 2);
		yy1 = yy0 / 100;
		yy2 = yy0 % 100;
		dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 -
		       2 * yy1) % 7;
		if (dow < 0)
			dow += 7;
		d = r->day - dow;
		if (d < 0)
			d += 7;
		for (i = 1; i < r->week; i++) {
			if (d + 7 >= days_in(r->mon, year))
				break;
			d += 7;
		}
		d += days_before[r->mon - 1];
		if (is_leap(year) && r->mon > 2)
			d++;
		s = d * SECS_PER_DAY;
		break;
	}
	return s + r->time - off;
}

/* Go's tzset: the zone a POSIX TZ rule gives at sec. */
static bool posix_tz(const char *s, const char *e, int64_t init_end, int64_t sec,
		  struct tz_info *o)
{
	static const char dflt[] = ",M3.2.0,M11.1.0";
	const char *sname, *dname;
	size_t sn, dn;
	int soff, doff;
	struct tz_rule r1, r2;
	int64_t days, year, abs, ysec, start, end;
	int m, d;

	if (!tzset_name(&s, e, &sname, &sn) || !tzset_offset(&s, e, &soff))
		return false;
	soff = -soff; /* TZ counts west of UTC */
	if (s == e || *s == ',') {
		*o = (struct tz_info){ sname, sn, soff, init_end, INT64_MAX, false };
		return true;
	}
	if (!tzset_name(&s, e, &dname, &dn))
		return false;
	if (s == e || *s == ',') {
		doff = soff + 3600;
	} else {
		if (!tzset_offset(&s, e, &doff))
			return false;
		doff = -doff;
	}
	if (s == e) {
		s = dflt;
		e = dflt + sizeof(dflt) - 1;
	}
	if (*s != ',' && *s != ';')
		return false;
	s++;
	if (!tzset_rule(&s, e, &r1) || s == e || *s++ != ',' ||
	    !tzset_rule(&s, e, &r2) || s != e)
		return false;

	days = floor_div(sec, SECS_PER_DAY);
	civil_from_days(days, &year, &m, &d);
	abs = days_from_civil(year, 1, 1);
	/* Go adds sec % 86400 with truncating division; so does C. */
	ysec = (days - abs) * SECS_PER_DAY + sec % SECS_PER_DAY;
	abs *= SECS_PER_DAY;
	start = tzrule_time(year, &r1, soff);
	end = tzrule_time(year, &r2, doff);
	if (end < start) { /* southern hemisphere: swap the labels too */
		int64_t t = start;
		const char *tn = sname;
		size_t tl = sn;
		int to = soff;

		start = end;
		end = t;
		sname = dname;
		sn = dn;
		dname = tn;
		dn = tl;
		soff = doff;
		doff = to;
		if (ysec < start)
			*o = (struct tz_info){ sname, sn, soff, abs, start + abs, true };
		else if (ysec >= end)
			*o = (struct tz_info){ sname, sn, soff, end + abs,
					       abs + 365 * SECS_PER_DAY, true };
		else
			*o = (struct tz_info){ dname, dn, doff, start + abs,
					       end + abs, false };
		return true;
	}
	if (ysec < start)
		*o = (struct tz_info){ sname, sn, soff, abs, start + abs, false };
	else if (ysec >= end)
		*o = (struct tz_info){ sname, sn, soff, end + abs,
				       abs + 365 * SECS_PER_DAY, false };
	else
		*o = (struct tz_info){ dname, dn, doff, start + abs, end + abs,
				       true };
	return true;
}

/* The zone for instants before the first transition (Go's
 * lookupFirstZone, after tzcode's localtime.c). */
static size_t tz_first_zone(const struct tz_loc *l)
{
	size_t i;
	int z;

	for (i = 0; i < l->ntx; i++)
		if (l->idx[i] == 0)
			break;
	if (i == l->ntx)
		return 0;
	if (l->ntx && l->zone[l->idx[0]].dst)
		for (z = (int)l->idx[0] - 1; z >= 0; z--)
			if (!l->zone[z].dst)
				return (size_t)z;
	for (i = 0; i < l->nzone; i++)
		if (!l->zone[i].dst)
			return i;
	return 0;
}

static void tz_set(struct tz_info *o, const struct tz_zone *z, int64_t start,
		   int64_t end)
{
	*o = (struct tz_info){ z->name, z->nlen, z->off, start, end, z->dst };
}

/* Go's Location.lookup. */
void tz_lookup(const struct tz_loc *l, int64_t sec, struct tz_info *o)
{
	size_t lo = 0, hi = l->ntx, m;
	int64_t end = INT64_MAX;

	if (!l->nzone) {
		*o = (struct tz_info){ "UTC", 3, 0, INT64_MIN, INT64_MAX, false };
		return;
	}
	if (!l->ntx || sec < l->when[0]) {
		tz_set(o, &l->zone[tz_first_zone(l)], INT64_MIN,
		       l->ntx ? l->when[0] : INT64_MAX);
		return;
	}
	while (hi - lo > 1) {
		m = lo + (hi - lo) / 2;
		if (sec < l->when[m]) {
			end = l->when[m];
			hi = m;
		} else {
			lo = m;
		}
	}
	tz_set(o, &l->zone[l->idx[lo]], l->when[lo], end);
	if (lo == l->ntx - 1 && l->nextend &&
	    posix_tz(l->extend, l->extend + l->nextend, end, sec, o))
		return;
}

/* The instant whose wall clock in l reads wall (Go's Date). */
int64_t tz_unwall(const struct tz_loc *l, int64_t wall)
{
	struct tz_info z;

	tz_lookup(l, wall, &z);
	if (z.off) {
		int64_t utc = wall - z.off;

		if (utc < z.start || utc >= z.end)
			tz_lookup(l, utc, &z);
		wall -= z.off;
	}
	return wall;
}

/* The six counts of a TZif header: isutcnt, isstdcnt, leapcnt, timecnt,
 * typecnt, charcnt. */
enum { TZ_ISUT, TZ_ISSTD, TZ_LEAP, TZ_TIME, TZ_TYPE, TZ_CHAR };

static bool tzif_counts(struct rd *r, uint32_t cnt[6])
{
	size_t i;

	for (i = 0; i < 6; i++)
		if (!rd_u32be(r, &cnt[i]))
			return false;
	return true;
}

/* Go's LoadLocationFromTZData: the 64-bit data of version 2+ files, and
 * the POSIX rule that follows it. */
static bool tz_parse(struct rv_arena *a, const unsigned char *data, size_t len,
		     struct tz_loc *l)
{
	struct rd r = rd_init(data, len), tx, txz, zd, abbr, name;
	uint8_t magic[4], version, dst, ai, idx;
	uint32_t cnt[6], off, hi, lo;
	const uint8_t *nul;
	size_t i, size = 4;

	if (!rd_bytes(&r, magic, 4) || memcmp(magic, "TZif", 4) ||
	    !rd_u8(&r, &version) || !rd_skip(&r, 15))
		return false;
	if (version != 0 && (version < '2' || version > '4'))
		return false;
	if (!tzif_counts(&r, cnt))
		return false;
	if (version) { /* skip the 32-bit data and the second header */
		size_t skip = (size_t)cnt[TZ_TIME] * 5 +
			      (size_t)cnt[TZ_TYPE] * 6 + cnt[TZ_CHAR] +
			      (size_t)cnt[TZ_LEAP] * 8 + cnt[TZ_ISSTD] +
			      cnt[TZ_ISUT] + 20;

		if (!rd_skip(&r, skip) || !tzif_counts(&r, cnt))
			return false;
		size = 8;
	}
	if (cnt[TZ_TYPE] == 0 || cnt[TZ_TYPE] > 256 || cnt[TZ_TIME] > 100000)
		return false;
	if (!rd_sub(&r, cnt[TZ_TIME] * size, &tx) ||
	    !rd_sub(&r, cnt[TZ_TIME], &txz) ||
	    !rd_sub(&r, (size_t)cnt[TZ_TYPE] * 6, &zd) ||
	    !rd_sub(&r, cnt[TZ_CHAR], &abbr) ||
	    !rd_skip(&r, (size_t)cnt[TZ_LEAP] * (size + 4) + cnt[TZ_ISSTD] +
			     cnt[TZ_ISUT]))
		return false;
	/* The footer: the rule between two newlines. */
	if (rd_left(&r) > 2 && r.p[0] == '\n' && r.p[r.n - 1] == '\n') {
		l->extend = rv_strndup(a, (const char *)r.p + 1, r.n - 2);
		l->nextend = l->extend ? r.n - 2 : 0;
	}
	l->nzone = cnt[TZ_TYPE];
	l->ntx = cnt[TZ_TIME] ? cnt[TZ_TIME] : 1;
	l->zone = rv_alloc(a, l->nzone * sizeof(*l->zone));
	l->when = rv_alloc(a, l->ntx * sizeof(*l->when));
	l->idx = rv_alloc(a, l->ntx);
	if (!l->zone || !l->when || !l->idx)
		return false;
	for (i = 0; i < l->nzone; i++) {
		/* utoff, isdst, and the index of the abbreviation */
		if (!rd_u32be(&zd, &off) || !rd_u8(&zd, &dst) ||
		    !rd_u8(&zd, &ai) || ai >= rd_left(&abbr))
			return false;
		l->zone[i].off = (int32_t)off;
		l->zone[i].dst = dst != 0;
		name = abbr;
		if (!rd_skip(&name, ai))
			return false;
		nul = memchr(name.p, '\0', name.n);
		l->zone[i].nlen = nul ? (size_t)(nul - name.p) : name.n;
		if (!(l->zone[i].name = rv_strndup(a, (const char *)name.p,
						   l->zone[i].nlen)))
			return false;
	}
	/* No transitions (fixed zones such as Etc/GMT+1): one for all time. */
	l->when[0] = INT64_MIN;
	l->idx[0] = 0;
	for (i = 0; i < cnt[TZ_TIME]; i++) {
		hi = 0;
		if ((size == 8 && !rd_u32be(&tx, &hi)) || !rd_u32be(&tx, &lo) ||
		    !rd_u8(&txz, &idx) || idx >= l->nzone)
			return false;
		l->when[i] = size == 4 ? (int64_t)(int32_t)lo
				       : (int64_t)((uint64_t)hi << 32 | lo);
		l->idx[i] = idx;
	}
	return true;
}

/* Read a zone file into the arena. Returns 0, or an errno value. */
static int tz_read(struct rv_arena *a, const char *path, unsigned char **out,
		   size_t *len)
{
	struct stat sb;
	unsigned char *p;
	size_t got = 0;
	ssize_t k;
	int fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno;
	if (fstat(fd, &sb) < 0) {
		e = errno;
	} else if (S_ISDIR(sb.st_mode)) {
		e = EISDIR;
	} else if (!S_ISREG(sb.st_mode) || sb.st_size > (1 << 20)) {
		e = EFBIG;
	} else if (!(p = rv_alloc(a, (size_t)sb.st_size + 1))) {
		e = ENOMEM;
	} else {
		while (got < (size_t)sb.st_size &&
		       (k = read(fd, p + got, (size_t)sb.st_size - got)) != 0) {
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				e = errno;
				break;
			}
			got += (size_t)k;
		}
		*out = p;
		*len = got;
	}
	close(fd);
	return e;
}

static const char *const tz_dirs[] = {
	"/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/",
	"/usr/lib/locale/TZ/",
};

/* Load a zone by file path; returns 0, ENOENT-like errno, or -1 when the
 * file is not zone data. */
static int tz_load_path(struct rv_arena *a, const char *path,
			struct tz_loc **out)
{
	unsigned char *data = NULL;
	size_t len = 0;
	struct tz_loc *l;
	int e;

	if ((e = tz_read(a, path, &data, &len)) != 0)
		return e;
	if (!(l = rv_alloc(a, sizeof(*l))))
		return ENOMEM;
	if (!tz_parse(a, data, len, l))
		return a->exhausted ? ENOMEM : -1;
	*out = l;
	return 0;
}

/* Go's Local: $TZ if set ("" is UTC), else /etc/localtime; UTC when
 * neither loads. Reading the environment is safe; only setenv is not. */
static const struct tz_loc *tz_local(struct rv_arena *a)
{
	const char *tz = getenv("TZ");
	char path[PATH_MAX];
	struct tz_loc *l;
	size_t i;

	if (!tz)
		return tz_load_path(a, "/etc/localtime", &l) ? &tz_utc : l;
	if (*tz == ':')
		tz++;
	if (!*tz || !strcmp(tz, "UTC"))
		return &tz_utc;
	if (*tz == '/')
		return tz_load_path(a, tz, &l) ? &tz_utc : l;
	if (strstr(tz, ".."))
		return &tz_utc;
	for (i = 0; i < sizeof(tz_dirs) / sizeof(*tz_dirs); i++) {
		int n = snprintf(path, sizeof(path), "%s%s", tz_dirs[i], tz);

		if (n > 0 && (size_t)n < sizeof(path) &&
		    tz_load_path(a, path, &l) == 0)
			return l;
	}
	return &tz_utc;
}

/* Go's LoadLocation, from the system zone database. Names are checked
 * before they become paths: no "..", no leading slash. */
enum rb_status tz_load(struct rb_ctx *c, const char *name, size_t n,
		       const struct tz_loc **out)
{
	char path[PATH_MAX];
	const char *first = NULL;
	struct tz_loc *l;
	size_t i;
	int e, len;

	*out = &tz_utc;
	if (n == 0 || (n == 3 && !memcmp(name, "UTC", 3)))
		return RB_OK;
	if (n == 5 && !memcmp(name, "Local", 5)) {
		*out = tz_local(c->arena);
		return c->arena->exhausted ? rb_nomem(c) : RB_OK;
	}
	for (i = 0; i + 1 < n; i++)
		if (name[i] == '.' && name[i + 1] == '.')
			return rb_error(c, "time: invalid location name");
	if (name[0] == '/' || name[0] == '\\')
		return rb_error(c, "time: invalid location name");
	if (memchr(name, '\0', n) || n > 255)
		goto unknown;
	for (i = 0; i < sizeof(tz_dirs) / sizeof(*tz_dirs); i++) {
		len = snprintf(path, sizeof(path), "%s%.*s", tz_dirs[i], (int)n,
			       name);
		if (len < 0 || (size_t)len >= sizeof(path))
			continue;
		e = tz_load_path(c->arena, path, &l);
		if (e == 0) {
			*out = l;
			return RB_OK;
		}
		if (e == ENOMEM)
			return rb_nomem(c);
		if (!first && e == -1)
			first = "malformed time zone information";
		else if (!first && e == EISDIR)
			first = "is a directory";
		else if (!first && e != ENOENT && e != ENOTDIR)
			first = "cannot read time zone information";
	}
	if (first)
		return rb_error(c, "%s", first);
unknown:
	return rb_error(c, "unknown time zone %.*s", (int)(n > 100 ? 100 : n),
			name);
}

