/* err.c - error values (see err.h). */
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include "err.h"

static const char *const code_names[EAA_E__COUNT] = {
	[EAA_OK] = "ok",
	[EAA_E_INVALID] = "invalid argument",
	[EAA_E_CONFIG] = "configuration",
	[EAA_E_NOMEM] = "out of memory",
	[EAA_E_IO] = "i/o",
	[EAA_E_FORMAT] = "malformed input",
	[EAA_E_UNSUPPORTED] = "unsupported",
	[EAA_E_CRYPTO] = "crypto",
	[EAA_E_TLS] = "tls",
	[EAA_E_NO_EVIDENCE] = "no evidence",
	[EAA_E_TEE_MISMATCH] = "tee mismatch",
	[EAA_E_BINDING] = "binding",
	[EAA_E_SIGNATURE] = "signature",
	[EAA_E_UNTRUSTED] = "untrusted",
	[EAA_E_NONCE] = "nonce",
	[EAA_E_EXPIRED] = "expired",
	[EAA_E_REJECTED] = "rejected",
	[EAA_E_CLOSED] = "closed",
	[EAA_E_WANT_READ] = "want-read",
	[EAA_E_WANT_WRITE] = "want-write",
};

const char *eaa_code_name(enum eaa_code code)
{
	if ((unsigned)code >= EAA_E__COUNT || !code_names[code])
		return "unknown error";
	return code_names[code];
}

bool eaa_vfail(struct eaa_err *err, enum eaa_code code, const char *fmt,
	       va_list ap)
{
	if (!err)
		return false;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return false;
}

bool eaa_fail(struct eaa_err *err, enum eaa_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eaa_vfail(err, code, fmt, ap);
	va_end(ap);
	return false;
}

bool eaa_err_prefix(struct eaa_err *err, const char *fmt, ...)
{
	char prefix[EAA_ERR_MSG_MAX], old[EAA_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return false;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is acceptable: the message stays one bounded line. */
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old) < 0)
		err->msg[0] = '\0';
	return false;
}

void eaa_err_clear(struct eaa_err *err)
{
	if (err) {
		err->code = EAA_OK;
		err->msg[0] = '\0';
	}
}

bool eaa_fail_ssl(struct eaa_err *err, enum eaa_code code, const char *what)
{
	char detail[256] = "";
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, detail, sizeof(detail));
	ERR_clear_error();
	if (detail[0])
		return eaa_fail(err, code, "%s (%s)", what, detail);
	return eaa_fail(err, code, "%s", what);
}
