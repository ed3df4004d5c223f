/* error.h - the error codes shared by every EAA component and by the public
 * librats-tls API. One enum, so a code means the same thing everywhere. */
#ifndef EAA_ERROR_H
#define EAA_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum eaa_code {
	EAA_OK = 0,
	EAA_E_INVALID,      /* caller passed a bad argument */
	EAA_E_CONFIG,       /* configuration is incomplete or contradictory */
	EAA_E_NOMEM,
	EAA_E_IO,           /* file, socket or device failure */
	EAA_E_FORMAT,       /* untrusted bytes are malformed */
	EAA_E_UNSUPPORTED,  /* well-formed, but a version/type we do not handle */
	EAA_E_CRYPTO,       /* a crypto library call failed */
	EAA_E_TLS,          /* TLS handshake or record failure */
	EAA_E_NO_EVIDENCE,  /* the peer presented no attestation evidence */
	EAA_E_TEE_MISMATCH, /* evidence is for a TEE the verifier does not handle */
	EAA_E_BINDING,      /* evidence is not bound to this TLS key / claims */
	EAA_E_SIGNATURE,    /* a signature over evidence does not verify */
	EAA_E_UNTRUSTED,    /* signer or chain not anchored in configured trust */
	EAA_E_NONCE,        /* freshness nonce missing or wrong */
	EAA_E_EXPIRED,      /* certificate, CRL or collateral outside validity */
	EAA_E_REJECTED,     /* application or policy decided no */
	EAA_E_CLOSED,       /* peer closed the connection */
	/* Not failures: a non-blocking socket must become readable (writable)
	 * before the call can go on; call it again then. */
	EAA_E_WANT_READ,
	EAA_E_WANT_WRITE,
	EAA_E__COUNT
};

/* Short stable name of a code, e.g. "binding". Never NULL. */
const char *eaa_code_name(enum eaa_code code);

#ifdef __cplusplus
}
#endif
#endif
