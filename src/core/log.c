/* log.c - leveled logging (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>
#include "log.h"

static enum eaa_log_level current = EAA_LOG_WARN;
/* The level of the handle whose call this thread is in, or -1. */
static _Thread_local int scoped = -1;

static const char *const names[] = { "debug", "info", "warn", "error",
				     "fatal", "off" };

void eaa_log_set_level(enum eaa_log_level level) { current = level; }
enum eaa_log_level eaa_log_get_level(void) { return current; }

struct eaa_log_scope eaa_log_scope_begin(enum eaa_log_level level)
{
	struct eaa_log_scope s = { .saved = scoped };

	scoped = level <= EAA_LOG_OFF ? (int)level : EAA_LOG_OFF;
	return s;
}

void eaa_log_scope_end(struct eaa_log_scope *s) { scoped = s->saved; }

enum eaa_log_level eaa_log_effective_level(void)
{
	return scoped >= 0 ? (enum eaa_log_level)scoped : current;
}

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
	char line[2048]; /* a refusal: its reason and explanation (decide.h) */
	va_list ap;

	if (level < eaa_log_effective_level() || level >= EAA_LOG_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line so concurrent threads do not interleave. */
	fprintf(stderr, "[%s] %s\n", names[level], line);
}
