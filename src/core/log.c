/* log.c - leveled logging (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>
#include "log.h"

static enum eaa_log_level current = EAA_LOG_WARN;

static const char *const names[] = { "debug", "info", "warn", "error",
				     "fatal", "off" };

void eaa_log_set_level(enum eaa_log_level level) { current = level; }
enum eaa_log_level eaa_log_get_level(void) { return current; }

bool eaa_log_parse_level(const char *name, enum eaa_log_level *level)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(name, names[i]) == 0) {
			*level = (enum eaa_log_level)i;
			return true;
		}
	}
	return false;
}

void eaa_log(enum eaa_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level < current || level >= EAA_LOG_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line so concurrent threads do not interleave. */
	fprintf(stderr, "[%s] %s\n", names[level], line);
}
