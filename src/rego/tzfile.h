/* tzfile.h - time zones as Go's time.Location holds them: read from the
 * system's zone database (TZif files), extended past the last transition
 * by the POSIX TZ rule at the end of the file, and looked up by instant.
 * For the time built-ins (builtins_time.c). */
#ifndef EAA_REGO_TZFILE_H
#define EAA_REGO_TZFILE_H

#include "builtins.h"

/* A loaded zone. It lives in the arena it was loaded into. */
struct tz_loc;

/* UTC, which needs no file. */
extern const struct tz_loc tz_utc;

/* What a location says about one instant: the zone's abbreviation, its
 * offset east of UTC in seconds, and the instants [start, end) (Unix
 * seconds) it holds for. */
struct tz_info {
	const char *name;
	size_t nlen;
	int32_t off;
	int64_t start, end;
	bool dst;
};

/* Go's LoadLocation: "" and "UTC" are UTC, "Local" is $TZ or
 * /etc/localtime, and any other name a file of the system zone database
 * (names with ".." or a leading slash are refused). Fails with Go's
 * message. The zone is allocated in c's arena. */
enum rb_status tz_load(struct rb_ctx *c, const char *name, size_t n,
		       const struct tz_loc **out);

/* Go's Location.lookup: the zone at sec (Unix seconds). */
void tz_lookup(const struct tz_loc *l, int64_t sec, struct tz_info *o);

/* The instant (Unix seconds) whose wall clock in l reads wall (seconds
 * counted as if l were UTC), resolved as Go's Date resolves it. */
int64_t tz_unwall(const struct tz_loc *l, int64_t wall);

#endif
