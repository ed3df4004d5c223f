/* ccel.h - the TDX CC event log (CCEL) and its replay into RTMR 0..3.
 *
 * A TD's firmware and boot loader log what they extend into the RTMRs in
 * a TCG "crypto agile" event log (UEFI 2.10 section 38.4, the ACPI CCEL
 * table's area, /sys/firmware/acpi/tables/data/CCEL in the guest). The
 * format and its reader are shared with the TPM's log (tcg_eventlog.h):
 * a SHA-1-format Spec ID event, then TCG_PCR_EVENT2 records whose register
 * is the CC measurement register index: 0 is MRTD, which the TDX module
 * measures itself and no event extends (those records are read, never
 * replayed nor reported), 1 to 4 are RTMR 0 to 3. Any other index is
 * refused.
 *
 * Where the log ends: at the end of the buffer, or where the next record
 * would begin with eight bytes all 0xff (EDK2's fill of the unused area)
 * or all 0x00 (other firmware's), as trustee reads it; see tcg_eventlog.h.
 *
 * Replay: each RTMR starts at 48 zero bytes and becomes
 * SHA-384(RTMR || digest) for every record of its index in log order, with
 * the record's SHA-384 digest. EV_NO_ACTION records are not extended: the
 * TCG PC Client Platform Firmware Profile defines them as information that
 * is not extended into any PCR (the TPM replay skips them too). trustee
 * extends them like any record (docs/kbs-protocol.md section 14); the two
 * differ only for a log with such a record at index 1 to 4.
 *
 * The header must list only algorithms this verifier knows (SHA-1, SHA-256,
 * SHA-384, SHA-512, SM3) and SHA-384 among them, and every record that is
 * extended must carry a SHA-384 digest. */
#ifndef EAA_INTEL_CCEL_H
#define EAA_INTEL_CCEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define CCEL_MAX (4u << 20)      /* bytes of log; a CCEL area is 64 KiB to 1 MiB */
#define CCEL_MAX_EVENTS 16384u   /* records; real logs have tens */
#define CCEL_TEXT_MAX 1024u      /* event data bytes reported as text, at most */

/* What the log replays to: rtmr[i] for CC MR index i + 1. Fails with
 * EAA_E_FORMAT naming the record (counted from 0 after the header) or the
 * header field that is malformed, EAA_E_UNSUPPORTED for an algorithm this
 * verifier does not know. */
bool ccel_replay(const uint8_t *log, size_t n, uint8_t rtmr[4][48], struct eaa_err *err);

/* Replay log and compare with a TDX quote's RTMRs (struct tdx_report's
 * rtmr): all four must equal their replay, those the log never extends
 * included (they must be zero), so a log cut short or missing a register's
 * events is refused. A mismatch fails with EAA_E_SIGNATURE naming the first
 * RTMR that differs and both values.
 *
 * With events, *events is set to a new array (the caller's) of the records
 * so verified, in log order, index 1 to 4 and not EV_NO_ACTION:
 *   { "index": CC MR index, "rtmr": 0..3, "type": "EV_EFI_ACTION" (or
 *     "0x%08x" for a type the spec does not name), "digest": SHA-384 hex,
 *     "digest_matches_data": whether the digest is SHA-384 of the data,
 *     "data": the data as text, only where it is text (printable ASCII or
 *     UTF-16LE of it, NULs at the end dropped, at most CCEL_TEXT_MAX bytes),
 *     "tag": the event ID, EV_EVENT_TAG only, whose text is then the tag's }
 * Only digests are extended: the text is bound by the RTMR where
 * digest_matches_data is true; elsewhere the digest is of something else
 * (an image, a variable's contents) and the text is the log's word, as the
 * type always is. */
bool ccel_check(const uint8_t *log, size_t n, const uint8_t rtmr[4][48], json_t **events,
		struct eaa_err *err);

#endif
