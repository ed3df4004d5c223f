/* tcg_forge.h - TCG crypto-agile event logs written for tests, the TPM's
 * and the TDX CC event log's (the format is src/core/tcg_eventlog.h's). */
#ifndef EAA_TEST_TCG_FORGE_H
#define EAA_TEST_TCG_FORGE_H

#include <stddef.h>
#include <stdint.h>
#include "bytes.h"

/* The Spec ID header: register index, the 16-byte signature sig (NUL
 * padded; "Spec ID Event03" for a good one), spec version 2.0, nalg
 * { algs[i], sizes[i] }, no vendor information. */
void tcg_forge_header(struct wr *w, uint32_t index, const char *sig, uint32_t nalg,
		      const uint16_t *algs, const uint16_t *sizes);

/* A TCG_PCR_EVENT2 record with one digest (size bytes of alg) and data. */
void tcg_forge_record(struct wr *w, uint32_t index, uint32_t type, uint16_t alg,
		      const uint8_t *digest, size_t size, const void *data, size_t len);

#endif
