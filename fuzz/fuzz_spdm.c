/* fuzz_spdm - NVIDIA's attestation report (SPDM GET_MEASUREMENTS request ||
 * MEASUREMENTS response): the parser, the claims' opaque-data decoders, and
 * the whole per-device check against trustee's Hopper chain
 * (tests/data/nvidia/hopper_cert_chain_case1.txt). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "file.h"
#include "nv_evidence.h"
#include "spdm.h"

static uint8_t *pem;
static size_t pem_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("EAA_FUZZ_NVIDIA");
	char path[512];

	snprintf(path, sizeof(path), "%s/hopper_cert_chain_case1.txt",
		 dir ? dir : "tests/data/nvidia");
	if (!file_read(path, 1 << 16, &pem, &pem_len, NULL))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spdm_report r;
	struct eaa_err err;
	uint8_t nonce[SPDM_NONCE_LEN];
	json_t *dev;

	if (spdm_report_parse(data, size, NV_HOPPER_SIG_LEN, &r, &err)) {
		dev = json_object();
		if (dev)
			nv_report_claims(&r, dev, &err);
		json_decref(dev);
	}
	dev = NULL;
	if (nv_report_verify(data, size, pem, pem_len, NULL, NULL, &dev, nonce, &err))
		json_decref(dev);
	return 0;
}
