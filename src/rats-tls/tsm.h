/* tsm.h - TEE reports through the kernel's configfs-tsm interface
 * (Documentation/ABI/testing/configfs-tsm): one report entry, inblob in,
 * outblob out, generation to detect another writer. Used by the TDX
 * attester (provider "tdx_guest") and the SEV-SNP attester ("sev_guest"). */
#ifndef EAA_TSM_H
#define EAA_TSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bytes.h"
#include "err.h"

#define TSM_DEFAULT_ROOT "/sys/kernel/config/tsm/report"

/* Get a report for inblob (at most 64 bytes) from `path`: either the
 * configfs report directory (a fresh entry is made and removed), or an
 * existing entry (a directory holding inblob), which is reused. The
 * provider must be `provider`. Evidence larger than max is refused.
 * With aux, the entry's auxblob (the provider's supporting data, e.g. the
 * SEV-SNP certificate table) is read too, up to aux_max bytes, and left
 * empty when the entry has none. */
bool tsm_report(const char *path, const char *provider, const uint8_t *inblob,
		size_t inlen, size_t max, struct wr *out, struct wr *aux, size_t aux_max,
		struct eaa_err *err);

#endif
