/* err.h - errors as values: a code plus one line naming what went wrong and
 * where. Functions return bool (true = success) and fill a caller's eaa_err;
 * callers add context with eaa_err_prefix as the error travels up. */
#ifndef EAA_ERR_H
#define EAA_ERR_H

#include <stdbool.h>
#include <stdarg.h>
#include "eaa/error.h"

#define EAA_ERR_MSG_MAX 512

struct eaa_err {
	enum eaa_code code;
	char msg[EAA_ERR_MSG_MAX];
};

#define EAA_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Record an error; always returns false so callers can `return eaa_fail(...)`.
 * A NULL err is allowed and ignored. */
bool eaa_fail(struct eaa_err *err, enum eaa_code code, const char *fmt, ...)
	EAA_PRINTF(3, 4);
bool eaa_vfail(struct eaa_err *err, enum eaa_code code, const char *fmt,
	       va_list ap) EAA_PRINTF(3, 0);
/* Prepend "context: " to the message, keeping the code. Returns false. */
bool eaa_err_prefix(struct eaa_err *err, const char *fmt, ...) EAA_PRINTF(2, 3);
void eaa_err_clear(struct eaa_err *err);
/* Append the OpenSSL error queue (and clear it) to the message. */
bool eaa_fail_ssl(struct eaa_err *err, enum eaa_code code, const char *what);

#endif
