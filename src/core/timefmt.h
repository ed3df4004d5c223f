/* timefmt.h - RFC 3339 UTC times ("2023-06-18T08:42:58Z"), as Intel
 * collateral, certificates and our --at options write them. */
#ifndef EAA_TIMEFMT_H
#define EAA_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Strict: YYYY-MM-DDTHH:MM:SS, optional fraction (ignored), then 'Z'.
 * Fields are range-checked; offsets other than Z are refused. */
bool time_parse_utc(const char *s, time_t *out);

/* Format as YYYY-MM-DDTHH:MM:SSZ into buf (at least 21 bytes). */
void time_format_utc(time_t t, char *buf, size_t len);

#endif
