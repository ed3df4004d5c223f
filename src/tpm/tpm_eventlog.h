/* tpm_eventlog.h - replaying a TCG event log against quoted PCR values:
 * the crypto-agile format of the TCG PC Client Platform Firmware Profile
 * (what Linux exposes as /sys/kernel/security/tpm0/binary_bios_measurements).
 *
 * Layout (little-endian, unlike the TPM's own structures):
 *   header, in the SHA-1 format TCG_PCR_EVENT: pcrIndex, eventType
 *     (EV_NO_ACTION), 20 zero bytes, eventSize, then TCG_EfiSpecIdEvent:
 *     "Spec ID Event03\0", platformClass, versions, uintnSize,
 *     numberOfAlgorithms, { algorithmId, digestSize } each, vendorInfo
 *   then TCG_PCR_EVENT2 until the end: pcrIndex, eventType,
 *     TPML_DIGEST_VALUES (count, then { hashAlg, digest } each, sized by the
 *     header's table), eventSize, event
 *
 * Every event but EV_NO_ACTION extends its PCR in each bank it has a digest
 * for: PCR = H(PCR || digest), from zero (PCR 0 from the locality an
 * EV_NO_ACTION "StartupLocality" event names). */
#ifndef EAA_TPM_EVENTLOG_H
#define EAA_TPM_EVENTLOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>
#include "err.h"

#define TPM_EVENTLOG_MAX (4u << 20)

/* Replay log and compare with the quoted values: vals[] are the PCRs of
 * sel in selection order. Every quoted PCR, in each bank the log has, must
 * equal its replay, those it never extends included (their reset value):
 * a log cut short or missing a PCR's events is refused, so the events it
 * reports are all there were. Quote only the PCRs the log covers (0-7 for
 * firmware, 8-9 with a measuring boot loader). With events, *events is set to the
 * events so verified: an array of { "pcr", "digest" (the quoted bank's,
 * SHA-256 preferred), "type" (as the log says: not bound), "data" (hex,
 * only when the digest is its hash, which binds it) }. */
bool tpm_eventlog_check(const uint8_t *log, size_t n, const TPML_PCR_SELECTION *sel,
			const TPM2B_DIGEST *vals, size_t nvals, json_t **events,
			struct eaa_err *err);

#endif
