/* csv.h - Hygon CSV attestation: the vendor's certificate formats (the CA
 * format of HRK and HSK, the SEV-style format of CEK and PEK), the
 * attestation report (V1, masked by the firmware's anonce, and the
 * unmasked V2/V3 extended reports), and the chain that makes a report
 * trustworthy:
 *
 *   HRK (pinned) -> HSK -> CEK (per chip) -> PEK -> report
 *
 * Every signature is SM2 with SM3, the signer's user ID field serving as
 * the SM2 distinguishing ID. ECC values are stored as 72-byte little-endian
 * fields of which only the low 32 bytes may be non-zero. docs/hygon.md has
 * the byte layouts and where each was taken from. */
#ifndef EAA_HYGON_CSV_H
#define EAA_HYGON_CSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define CSV_CA_CERT_SIZE 832
#define CSV_CERT_SIZE 2084
#define CSV_HSK_CEK_SIZE (CSV_CA_CERT_SIZE + CSV_CERT_SIZE)
#define CSV_SN_SIZE 64

/* key_usage values */
#define CSV_USAGE_HRK 0x0000
#define CSV_USAGE_HSK 0x0013
#define CSV_USAGE_INVALID 0x1000
#define CSV_USAGE_OCA 0x1001
#define CSV_USAGE_PEK 0x1002
#define CSV_USAGE_PDH 0x1003
#define CSV_USAGE_CEK 0x1004
#define CSV_ALGO_SM2_SA 0x0004
#define CSV_CURVE_SM2 3

struct csv_key {
	uint8_t qx[32], qy[32];          /* big-endian */
	uint8_t uid[254];                /* the SM2 ID it signs with */
	uint16_t uid_len;
};

/* HRK and HSK: 832 bytes, the signed part is [0, 576). */
struct csv_ca_cert {
	uint32_t version, usage;
	uint8_t kid[16], sid[16];
	struct csv_key key;
	uint8_t r[32], s[32];
	uint8_t raw[CSV_CA_CERT_SIZE];
};

/* CEK, PEK (and OCA, PDH): 2084 bytes, the signed part is [0, 1044). */
struct csv_sig_slot {
	uint32_t usage, algo;
	uint8_t r[32], s[32];
};
struct csv_cert {
	uint32_t version, usage, algo;
	uint8_t api_major, api_minor;
	uint8_t sid[16];
	struct csv_key key;
	struct csv_sig_slot sig[2];
	uint8_t raw[CSV_CERT_SIZE];
};

bool csv_ca_cert_parse(const uint8_t *p, size_t n, struct csv_ca_cert *c,
		       struct eaa_err *err);
bool csv_cert_parse(const uint8_t *p, size_t n, struct csv_cert *c,
		    struct eaa_err *err);

/* SM2-with-SM3 over msg by key (its uid as the ID); r, s big-endian. */
bool csv_sm2_verify(const struct csv_key *key, const void *msg, size_t n,
		    const uint8_t r[32], const uint8_t s[32]);

/* Hygon's root key, built in (the HRK certificate published at
 * https://cert.hygon.cn/hrk, checked for its self-signature). */
const struct csv_ca_cert *csv_hrk(void);

/* Each link, with the usage, key-id and slot rules of the format. */
bool csv_hsk_verify(const struct csv_ca_cert *hrk, const struct csv_ca_cert *hsk,
		    struct eaa_err *err);
bool csv_cek_verify(const struct csv_ca_cert *hsk, const struct csv_cert *cek,
		    struct eaa_err *err);
bool csv_pek_verify(const struct csv_cert *cek, const struct csv_cert *pek,
		    struct eaa_err *err);

/* An HSK || CEK pair as Hygon's certificate service serves it, checked to
 * the given root (csv_hrk() outside tests). */
bool csv_hsk_cek_parse(const uint8_t *p, size_t n, const struct csv_ca_cert *hrk,
		       struct csv_ca_cert *hsk, struct csv_cert *cek, struct eaa_err *err);

/* The attestation report. */
struct csv_report {
	int version;                     /* 1, 2 or 3 */
	bool firmware_form;              /* PEK and serial still masked, as the
					  * firmware returns them: the HMAC holds */
	uint32_t anonce;                 /* V1 mask; 0 for V2/V3 */
	/* unmasked */
	uint8_t user_pubkey_digest[32], vm_id[16], vm_version[16];
	uint8_t report_data[64], mnonce[16], measure[32];
	uint32_t policy, sig_usage, sig_algo;
	uint32_t build;                  /* V2/V3 */
	uint16_t rtmr_version;
	uint8_t rtmr[5][32];
	uint8_t host_data[64];           /* V3 */
	uint8_t r[32], s[32];
	struct csv_cert pek;             /* unmasked */
	char sn[CSV_SN_SIZE + 1];        /* the chip's serial number */
	uint8_t mac[32];
	/* as signed and as MACed */
	uint8_t tbs[1024];
	size_t tbs_len;
	uint8_t signer[CSV_CERT_SIZE + CSV_SN_SIZE + 32];
};

/* Policy bits */
#define CSV_POLICY_NODBG (1u << 0)

/* A report in binary: the wrapper "ATTESTATION_EXT\0" || flags (u32) ||
 * report (flags 0: V1, 1: V2, 3: V3), or a bare V1 report of 2548 bytes,
 * optionally zero-padded to its 4096-byte page. The PEK and serial may be
 * masked (as the firmware returns them) or not (as csv-rs and trustee pass
 * them on): the form is told by which of the two reads as a PEK. */
bool csv_report_parse(const uint8_t *p, size_t n, struct csv_report *r,
		      struct eaa_err *err);

struct csv_verify_opts {
	const struct csv_ca_cert *hrk;   /* NULL: the built-in one */
	const uint8_t *report_data;      /* 64 bytes it must hold, or NULL */
	bool allow_debug;                /* a guest without NODBG is acceptable */
};

/* Every check, in order: HRK -> HSK -> CEK -> the report's PEK, the
 * firmware HMAC over PEK and serial (when in firmware form), the PEK's
 * signature over the report, the guest policy, and report_data. */
bool csv_report_verify(const struct csv_report *r, const uint8_t *hsk_cek, size_t hsk_cek_len,
		       const struct csv_verify_opts *o, struct eaa_err *err);

/* The firmware's HMAC-SM3 (key: the mnonce) over PEK, serial and the
 * reserved bytes, as the firmware returned them. It proves nothing to a
 * remote verifier (the mnonce travels in the report) but catches a PEK or
 * serial corrupted on the way. */
bool csv_report_hmac_holds(const struct csv_report *r);

/* trustee's CSV evidence JSON ({attestation_report:{magic,flags,data},
 * cert_chain:{pek}, serial_number}) as the binary csv_report_parse takes;
 * the PEK and serial beside the report must equal the report's own. */
bool csv_evidence_json(const char *text, size_t len, uint8_t **out, size_t *n,
		       struct eaa_err *err);

/* The other way, for a client that sends trustee's form (our agent's
 * cc_kbc): a report csv_report_parse takes, with its PEK and serial
 * number unmasked beside it, no HSK/CEK and no event log. csv_evidence_json
 * gives the report back. NULL with err when it does not parse. */
json_t *csv_evidence_to_json(const uint8_t *raw, size_t n, struct eaa_err *err);

/* Flat claims: measure (base64, as verdictd's csvData holds it), policy and
 * its fields, report_data, serial_number, ... (owned by the caller).
 * Nothing signs the serial number: it is vouched for only when the HSK/CEK
 * the report verified with were Hygon's answer for that serial (service or
 * its cache), and is otherwise named "serial_number_unverified". */
json_t *csv_claims(const struct csv_report *r, bool sn_verified);

/* HSK || CEK for a chip from Hygon's certificate service,
 *   GET <base>/hsk_cek?snumber=<serial>
 * kept in (and, offline, taken from) <cache_dir>/<serial>/hsk_cek.cert. */
#define CSV_KDS_DEFAULT "https://cert.hygon.cn"
struct csv_kds {
	const char *base;
	const char *cache_dir;   /* NULL: no cache */
};
bool csv_kds_hsk_cek(const struct csv_kds *k, const char *sn, uint8_t **out, size_t *n,
		     struct eaa_err *err);

#endif
