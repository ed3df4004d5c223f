/* log.h - leveled logging to stderr, one process-wide level.
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
/* Parse "debug|info|warn|error|fatal|off" (case-insensitive). */
bool eaa_log_parse_level(const char *name, enum eaa_log_level *level);
void eaa_log(enum eaa_log_level level, const char *fmt, ...) EAA_PRINTF(2, 3);

#define LOG_DEBUG(...) eaa_log(EAA_LOG_DEBUG, __VA_ARGS__)
#define LOG_INFO(...) eaa_log(EAA_LOG_INFO, __VA_ARGS__)
#define LOG_WARN(...) eaa_log(EAA_LOG_WARN, __VA_ARGS__)
#define LOG_ERROR(...) eaa_log(EAA_LOG_ERROR, __VA_ARGS__)

#endif
