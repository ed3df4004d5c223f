/* tcg_eventlog.h - reading the TCG "crypto agile" event log format, shared
 * by the TPM event log (src/tpm/tpm_eventlog.c, PCRs) and the TDX CC event
 * log (src/intel/ccel.c, RTMRs). It splits records and checks their framing;
 * replaying digests and deciding what a log proves is the callers' job.
 *
 * Layout (TCG PC Client Platform Firmware Profile, 10.2.1 and 10.4.5.1;
 * all integers little-endian):
 *   header, in the SHA-1 format TCG_PCR_EVENT: register index, event type
 *     (EV_NO_ACTION), 20 digest bytes, data size, then TCG_EfiSpecIdEvent:
 *     "Spec ID Event03\0", platformClass, versions, uintnSize,
 *     numberOfAlgorithms, { algorithmId, digestSize } each, vendorInfoSize,
 *     vendorInfo
 *   then TCG_PCR_EVENT2 records: register index, event type,
 *     TPML_DIGEST_VALUES (count, then { algorithmId, digest } each, sized
 *     by the header's table), data size, data
 *
 * Where the log ends: the format has no end marker. A TPM log ends with the
 * buffer the kernel hands over. A CC event log is read from an ACPI area
 * (CCEL's LASA and LAML) larger than the log; EDK2 fills that area with 0xff
 * first "because the OS can know the last entry for that" (TdTcg2Dxe), and
 * other firmware leaves zeros. With fill_ends, the log ends where the next
 * record would start with eight bytes (its register index and event type)
 * all 0xff or all 0x00, or with fewer such bytes before the buffer's end:
 * trustee's rule (deps/eventlog/src/lib.rs), close to Linux's (an event of
 * type 0 with no data ends a log). What follows is not read. */
#ifndef EAA_TCG_EVENTLOG_H
#define EAA_TCG_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "bytes.h"
#include "err.h"

#define TCG_MAX_ALGS 8
#define TCG_EV_NO_ACTION 3
#define TCG_EV_EVENT_TAG 6

/* TCG algorithm registry ids (TPM2_ALG_*) this module knows. */
#define TCG_ALG_SHA1 0x0004
#define TCG_ALG_SHA256 0x000b
#define TCG_ALG_SHA384 0x000c
#define TCG_ALG_SHA512 0x000d
#define TCG_ALG_SM3_256 0x0012

struct tcg_alg {
	uint16_t id, size;
	const EVP_MD *md; /* NULL: an algorithm this module does not know */
};

struct tcg_log {
	/* set by the caller before tcg_log_open */
	const char *what;  /* "TPM event log": begins every error message */
	const char *reg;   /* "PCR", "CC MR": names a register in errors */
	uint32_t nregs;    /* register indexes are 0 .. nregs - 1 */
	bool fill_ends;    /* see the top of this file */

	/* set by tcg_log_open */
	uint32_t header_index; /* the Spec ID event's register (not checked) */
	struct tcg_alg alg[TCG_MAX_ALGS];
	size_t nalgs;
	struct rd r;    /* what is left to read */
	size_t nev;     /* records read so far */
};

/* One record. Pointers are into the caller's buffer. */
struct tcg_event {
	uint32_t index, type;
	const uint8_t *digest[TCG_MAX_ALGS]; /* per header algorithm; NULL: absent */
	const uint8_t *data;
	size_t len;
};

/* Read the Spec ID header. Fails with EAA_E_FORMAT naming what is wrong:
 * no Spec ID event, 0 or more than TCG_MAX_ALGS algorithms, one listed
 * twice, a known algorithm with the wrong digest size, vendor information
 * that does not end the header. Unknown algorithms are kept (md NULL). */
bool tcg_log_open(struct tcg_log *l, const uint8_t *p, size_t n, struct eaa_err *err);

/* True at the end of the log (see the top of this file). */
bool tcg_log_done(const struct tcg_log *l);

/* Read the next record (call while !tcg_log_done): fails with EAA_E_FORMAT
 * for a record cut short, a register out of range, more digests than
 * algorithms, or a digest of an algorithm the header does not list, or
 * lists once. */
bool tcg_log_next(struct tcg_log *l, struct tcg_event *e, struct eaa_err *err);

/* reg = H(reg || digest) with alg's hash; false on a crypto failure. */
bool tcg_extend(const struct tcg_alg *alg, uint8_t *reg, const uint8_t *digest);

/* "EV_SEPARATOR" and the like, or NULL for a type the spec does not name. */
const char *tcg_event_type_name(uint32_t type);

/* The hash of a registry id, or NULL; its short name ("sha384"), or NULL. */
const EVP_MD *tcg_alg_md(uint16_t alg);
const char *tcg_alg_name(uint16_t alg);

#endif
