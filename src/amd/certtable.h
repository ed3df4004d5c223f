/* certtable.h - the certificate table an SEV-SNP extended report carries
 * (GUID-tagged VCEK, VLEK, ASK, ARK): finding the chip's certificate in it. */
#ifndef EAA_AMD_CERTTABLE_H
#define EAA_AMD_CERTTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

/* The VCEK's (or VLEK's) DER in table p: a pointer into p. */
bool snp_cert_table_find(const uint8_t *p, size_t n, bool vlek, const uint8_t **cert,
			 size_t *len, struct eaa_err *err);

/* Check the table in the first n bytes of p (a host-filled buffer, zero
 * padded) and set *used to the bytes it takes: its entries and the
 * certificates they point to; 0 when its first entry ends it (the host
 * sent no certificates). */
bool snp_cert_table_used(const uint8_t *p, size_t n, size_t *used, struct eaa_err *err);

#endif
