/* log.h - leveled logging to stderr. The process-wide level belongs to the
 * program (its main sets it); a library handle scopes its own level to the
 * calls made on it, in the calling thread, and never changes the program's.
 * Levels and names follow rats-tls: debug, info, warn, error, fatal, off. */
#ifndef EAA_LOG_H
#define EAA_LOG_H

#include <stdbool.h>
#include "err.h"

enum eaa_log_level {
	EAA_LOG_DEBUG,
	EAA_LOG_INFO,
	EAA_LOG_WARN,
	EAA_LOG_ERROR,
	EAA_LOG_FATAL,
	EAA_LOG_OFF,
};

void eaa_log_set_level(enum eaa_log_level level);
enum eaa_log_level eaa_log_get_level(void);

/* A level that governs this thread's messages until the scope ends, for the
 * duration of one call on a handle. Scopes nest; leave them in reverse. */
struct eaa_log_scope {
	int saved; /* the previous scope's level, -1 for none */
};
struct eaa_log_scope eaa_log_scope_begin(enum eaa_log_level level);
void eaa_log_scope_end(struct eaa_log_scope *scope);
/* The level in force in this thread: the scope's, else the process's. */
enum eaa_log_level eaa_log_effective_level(void);
/* Parse "debug|info|warn|error|fatal|off" (case-insensitive). */
bool eaa_log_parse_level(const char *name, enum eaa_log_level *level);
void eaa_log(enum eaa_log_level level, const char *fmt, ...) EAA_PRINTF(2, 3);

#define LOG_DEBUG(...) eaa_log(EAA_LOG_DEBUG, __VA_ARGS__)
#define LOG_INFO(...) eaa_log(EAA_LOG_INFO, __VA_ARGS__)
#define LOG_WARN(...) eaa_log(EAA_LOG_WARN, __VA_ARGS__)
#define LOG_ERROR(...) eaa_log(EAA_LOG_ERROR, __VA_ARGS__)

#endif
