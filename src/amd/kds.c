/* kds.c - a chip's VCEK from AMD's Key Distribution Service (see kds.h):
 *   GET <base>/vcek/v1/<product>/<hwid hex>?blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=..
 * (Turin: fmcSPL too, and the hwID's first 8 bytes). The answer is DER and
 * is trusted for nothing: the caller verifies it against the pinned ARK like
 * any other. A cache directory keeps each certificate under the same
 * coordinates, written atomically. */
#include <errno.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "bytes.h"
#include "codec.h"
#include "file.h"
#include "http_get.h"
#include "kds.h"

#define MAX_CERT (64u * 1024u)

static X509 *der_cert(const uint8_t *p, size_t n)
{
	const unsigned char *q = p;

	return d2i_X509(NULL, &q, (long)n);
}

X509 *snp_kds_vcek(const struct snp_kds *k, const char *product, const struct snp_report *r,
		   struct eaa_err *err)
{
	bool turin = strcmp(product, "Turin") == 0;
	uint8_t bl = (uint8_t)(r->reported_tcb >> (turin ? 8 : 0));
	uint8_t tee = (uint8_t)(r->reported_tcb >> (turin ? 16 : 8));
	uint8_t snp = (uint8_t)(r->reported_tcb >> (turin ? 24 : 48));
	uint8_t ucode = (uint8_t)(r->reported_tcb >> 56), fmc = turin ? (uint8_t)r->reported_tcb : 0;
	char *hwid = hex_encode(r->chip_id, turin ? 8 : 64);
	char url[1024], cached[4096], query[128];
	struct http_get g = { .what = "AMD KDS", .url = url, .max = MAX_CERT };
	struct wr body;
	uint8_t *raw;
	size_t n;
	X509 *x = NULL;

	if (!hwid) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (r->flags & SNP_FLAG_MASK_CHIP_KEY) {
		free(hwid);
		eaa_fail(err, EAA_E_NO_EVIDENCE, "the report masks its chip ID: the VCEK cannot "
			 "be fetched by it");
		return NULL;
	}
	if (turin)
		snprintf(query, sizeof(query), "fmcSPL=%u&blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u",
			 fmc, bl, tee, snp, ucode);
	else
		snprintf(query, sizeof(query), "blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u", bl,
			 tee, snp, ucode);
	if (k->cache_dir) {
		snprintf(cached, sizeof(cached), "%s/%s-%s-%u-%u-%u-%u-%u.der", k->cache_dir, product,
			 hwid, fmc, bl, tee, snp, ucode);
		if (file_read(cached, MAX_CERT, &raw, &n, NULL)) {
			x = der_cert(raw, n);
			free(raw);
			if (x) {
				free(hwid);
				return x;
			}
		}
	}
	snprintf(url, sizeof(url), "%s/vcek/v1/%s/%s?%s", k->base, product, hwid, query);
	free(hwid);
	if (http_get(&g, &body, err)) {
		if (!(x = der_cert(body.buf, body.len)))
			eaa_fail(err, EAA_E_FORMAT, "AMD KDS %s: the answer is not a DER "
				 "certificate", url);
		else if (k->cache_dir && (mkdir(k->cache_dir, 0755) == 0 || errno == EEXIST))
			file_write_atomic(cached, body.buf, body.len, 0644, NULL);
	}
	wr_free(&body);
	return x;
}

const char *snp_product_of(const struct snp_report *r, const char *configured)
{
	if (configured)
		return configured;
	if (r->version < 3)
		return NULL;
	/* CPUID family and model, as AMD's KDS names the lines */
	if (r->cpuid_fam_id == 0x19 && r->cpuid_mod_id < 0x10)
		return "Milan";
	if (r->cpuid_fam_id == 0x19 && r->cpuid_mod_id >= 0x10 && r->cpuid_mod_id < 0x20)
		return "Genoa";
	if (r->cpuid_fam_id == 0x1a && r->cpuid_mod_id < 0x20)
		return "Turin";
	return NULL;
}
