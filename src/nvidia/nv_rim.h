/* nv_rim.h - NVIDIA's reference integrity manifests (RIMs): SWID tags (ISO
 * 19770-2:2015 XML) signed with XML-DSig (enveloped, ECDSA P-384/SHA-384,
 * the signer's chain in KeyInfo), one for the driver and one for the VBIOS.
 * Each <Resource type="Measurement" index="i" active=... alternatives="n"
 * size=... Hash0..Hash{n-1}=hex> gives the golden values of the report's
 * measurement block i + 1 (nvtrust numbers them from 0, SPDM from 1). */
#ifndef EAA_NV_RIM_H
#define EAA_NV_RIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include <openssl/x509.h>
#include "err.h"
#include "spdm.h"

struct nv_trust;

#define NV_RIM_MAX_RES 256
#define NV_RIM_MAX_ALT 8
#define NV_RIM_MAX_VALUE 64
#define NV_RIM_MAX_SIZE (4 << 20)

struct nv_rim_res {
	unsigned index;              /* RIM's, from 0 */
	bool active;
	size_t size;                 /* bytes of each value */
	size_t nalt;
	uint8_t alt[NV_RIM_MAX_ALT][NV_RIM_MAX_VALUE];
};

struct nv_rim {
	char version[64];            /* Meta colloquialVersion, lower case */
	char tag_id[192];
	size_t nres;
	struct nv_rim_res res[NV_RIM_MAX_RES];
	bool signature_checked;
};

/* The embedded RIM root (new reference) and its pin. */
X509 *nv_rim_root(void);
bool nv_key_is_pinned_rim_root(EVP_PKEY *key);

/* Read a RIM's XML: the SWID tag, its Meta and its measurement resources.
 * No signature check (the fuzz target's entry point); *rim is filled. */
bool nv_rim_parse(const char *xml, size_t n, struct nv_rim *rim,
		  struct eaa_err *err);

/* Read and verify a RIM: exactly one enveloped XML-DSig signature over the
 * whole document (Reference URI "", ECDSA-SHA384 only), made by the first
 * certificate of its KeyInfo chain, which must end at the pinned RIM root
 * (or test_root) and be valid at `at`. EAA_E_SIGNATURE, EAA_E_UNTRUSTED,
 * EAA_E_EXPIRED, EAA_E_FORMAT. */
bool nv_rim_load(const char *xml, size_t n, X509 *test_root, time_t at,
		 struct nv_rim *rim, struct eaa_err *err);

/* Compare r with the RIMs of trust (if any) and set dev["rim"]:
 * {"checked": false} when none were given, else {"checked": true,
 *  "complete": both a driver and a VBIOS RIM matched,
 *  "driver": {"tag_id", "version", "matched": N} or null, "vbios": same,
 *  "skipped": [SPDM indexes not compared]}.
 * A RIM whose version is neither the report's driver_version nor its
 * vbios_version, two RIMs for the same, or a measurement matching none of
 * its alternatives is refused (EAA_E_REJECTED, naming the SPDM index). */
bool nv_rim_check(const struct spdm_report *r, const struct nv_trust *trust,
		  time_t at, json_t *dev, struct eaa_err *err);

#endif
