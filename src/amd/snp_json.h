/* snp_json.h - SEV-SNP evidence in trustee's JSON form (the KBS protocol's
 * `snp` primary evidence, docs/kbs-protocol.md 13): the report as the
 * `sev` crate serialises it (scalars as numbers, byte fields as arrays of
 * numbers, TCB versions as {fmc, bootloader, tee, snp, microcode},
 * firmware versions as {major, minor, build}, the signature as {r, s} of
 * 72 little-endian bytes each) and the certificate chain as
 * [{"cert_type": "VCEK" | "VLEK" | "ASK" | "ARK" ..., "data": [bytes]}].
 *
 * The report is written back into its 1184 bytes (ATTESTATION_REPORT,
 * versions 2 to 5, reserved bytes zero), so the signature the hardware
 * made is checked over exactly the bytes it signed: a field that does not
 * round-trip fails the signature, never passes unchecked. */
#ifndef EAA_AMD_SNP_JSON_H
#define EAA_AMD_SNP_JSON_H

#include <jansson.h>
#include <stdint.h>
#include "err.h"
#include "snp.h"

/* The report object into out; err names the member that is wrong. */
bool snp_report_from_json(const json_t *report, uint8_t out[SNP_REPORT_SIZE],
			  struct eaa_err *err);

/* The other way: a report's bytes (versions 2 to 5) as the sev crate
 * writes them, for a client that sends trustee's form (our agent's
 * cc_kbc). snp_report_from_json gives the same bytes back, reserved bytes
 * zero. NULL with err for another version. */
json_t *snp_report_to_json(const uint8_t in[SNP_REPORT_SIZE], struct eaa_err *err);

/* The VCEK's (or VLEK's) DER from the chain (malloc'd); false when the
 * chain has none (the caller may fetch it from AMD's KDS). */
bool snp_vcek_from_json(const json_t *chain, uint8_t **der, size_t *n, struct eaa_err *err);

#endif
