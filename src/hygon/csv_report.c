/* csv_report.c - Hygon CSV attestation reports (see csv.h): parsing the
 * V1 report with its anonce masking and the V2/V3 extended reports, the
 * checks from the pinned HRK down to report_data, and the claims.
 *
 * V1 (2548 bytes): tee_info [0, 336) then the signer [336, 2548): PEK,
 * serial, reserved, HMAC-SM3. The firmware XORs every 32-bit word of
 * [0, 188) and of PEK and serial with anonce (at 188). The PEK signs the
 * still-masked bytes [0, 180). V2/V3 (3380 bytes) are unmasked and signed
 * over [0, 1024). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "bytes.h"
#include "csv.h"
#include "json_util.h"

#define V1_SIZE 2548
#define V1_PAGE 4096
#define V1_TBS 180
#define V1_MASKED 188
#define V1_SIGNER 336
#define V23_SIZE 3380
#define V23_TBS 1024
#define SIGNER_SIZE (CSV_CERT_SIZE + CSV_SN_SIZE + 32)   /* what the HMAC covers */
#define EXT_MAGIC "ATTESTATION_EXT"                       /* and a NUL: 16 bytes */

static void unmask(uint8_t *p, size_t n, uint32_t anonce)
{
	for (size_t i = 0; i < n; i++)
		p[i] ^= (uint8_t)(anonce >> (8 * (i % 4)));
}

/* The fields of [0, 180), common to every version. */
static bool rd_tee_info(struct rd *r, struct csv_report *c)
{
	return rd_bytes(r, c->user_pubkey_digest, 32) && rd_bytes(r, c->vm_id, 16) &&
	       rd_bytes(r, c->vm_version, 16) && rd_bytes(r, c->report_data, 64) &&
	       rd_bytes(r, c->mnonce, 16) && rd_bytes(r, c->measure, 32) &&
	       rd_u32le(r, &c->policy) && rd_u32le(r, &c->sig_usage) &&
	       rd_u32le(r, &c->sig_algo);
}

static bool rd_sig(struct rd *r, uint8_t out[32])
{
	uint8_t le[72];
	struct rd hi;

	if (!rd_bytes(r, le, sizeof(le)))
		return false;
	hi = rd_init(le + 32, 40);
	for (int i = 0; i < 32; i++)
		out[i] = le[31 - i];
	return rd_all_zero(&hi);
}

/* The signer part: PEK, serial, reserved, mac. Tells the firmware form
 * (PEK masked) from the form csv-rs passes on (unmasked) by which one is a
 * PEK. */
static bool rd_signer(struct rd *r, struct csv_report *c, struct eaa_err *err)
{
	uint8_t pek[CSV_CERT_SIZE], sn[CSV_SN_SIZE];
	struct csv_cert plain;
	struct rd s;

	if (!rd_sub(r, SIGNER_SIZE, &s) || !rd_bytes(r, c->mac, 32))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: truncated in its PEK");
	{
		struct rd whole = s;   /* the MACed bytes, as they are */

		rd_bytes(&whole, c->signer, SIGNER_SIZE);
	}
	if (!rd_bytes(&s, pek, sizeof(pek)) || !rd_bytes(&s, sn, sizeof(sn)))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: signer");
	if (c->anonce && csv_cert_parse(pek, sizeof(pek), &plain, NULL) &&
	    plain.usage == CSV_USAGE_PEK) {
		c->firmware_form = false;
	} else {
		c->firmware_form = c->anonce != 0;
		unmask(pek, sizeof(pek), c->anonce);
		unmask(sn, sizeof(sn), c->anonce);
	}
	if (!csv_cert_parse(pek, sizeof(pek), &c->pek, err))
		return eaa_err_prefix(err, "CSV report: PEK");
	memcpy(c->sn, sn, CSV_SN_SIZE);
	c->sn[CSV_SN_SIZE] = '\0';
	return true;
}

static bool parse_v1(struct rd r, struct csv_report *c, struct eaa_err *err)
{
	uint8_t masked[V1_MASKED];
	struct rd m, pad;

	if (!rd_bytes(&r, masked, sizeof(masked)) || !rd_u32le(&r, &c->anonce) ||
	    !rd_sig(&r, c->r) || !rd_sig(&r, c->s))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: truncated before its PEK, or a "
				"signature value with non-zero upper bytes");
	memcpy(c->tbs, masked, V1_TBS);
	c->tbs_len = V1_TBS;
	unmask(masked, sizeof(masked), c->anonce);
	m = rd_init(masked, sizeof(masked));
	rd_tee_info(&m, c);   /* exactly the 188 bytes it reads */
	if (!rd_signer(&r, c, err))
		return false;
	pad = r;
	if (!rd_all_zero(&pad))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: %zu bytes after the report are "
				"not zero padding", rd_left(&r));
	return true;
}

static bool parse_v23(struct rd r, struct csv_report *c, struct eaa_err *err)
{
	struct rd body = r;

	if (!rd_bytes(&r, c->tbs, V23_TBS))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: truncated in its body");
	c->tbs_len = V23_TBS;
	if (!rd_tee_info(&body, c) || !rd_u32le(&body, &c->build) ||
	    !rd_u16le(&body, &c->rtmr_version) || !rd_skip(&body, 14))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: body");
	for (int i = 0; i < 5; i++)
		if (!rd_bytes(&body, c->rtmr[i], 32))
			return eaa_fail(err, EAA_E_FORMAT, "CSV report: RTMRs");
	if (c->version == 3 && (!rd_skip(&body, 592) || !rd_bytes(&body, c->host_data, 64)))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: host data");
	if (!rd_sig(&r, c->r) || !rd_sig(&r, c->s))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: signature (truncated, or a value "
				"with non-zero upper bytes)");
	if (!rd_signer(&r, c, err))
		return false;
	if (!rd_all_zero(&r))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: %zu bytes after the report are "
				"not zero padding", rd_left(&r));
	return true;
}

bool csv_report_parse(const uint8_t *p, size_t n, struct csv_report *c, struct eaa_err *err)
{
	struct rd r = rd_init(p, n);
	uint8_t magic[16];
	uint32_t flags;

	memset(c, 0, sizeof(*c));
	if (n >= 20 && memcmp(p, EXT_MAGIC, sizeof(EXT_MAGIC)) == 0) {
		rd_bytes(&r, magic, sizeof(magic));
		rd_u32le(&r, &flags);
		switch (flags) {
		case 0: c->version = 1; break;
		case 1: c->version = 2; break;
		case 3: c->version = 3; break;
		default:
			return eaa_fail(err, EAA_E_UNSUPPORTED, "CSV report: extended flags 0x%x "
					"(0, 1 and 3 are known)", flags);
		}
	} else {
		c->version = 1;
	}
	if (c->version == 1 && (rd_left(&r) < V1_SIZE || rd_left(&r) > V1_PAGE))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: %zu bytes, not %d (or its %d-byte "
				"page)", rd_left(&r), V1_SIZE, V1_PAGE);
	if (c->version > 1 && (rd_left(&r) < V23_SIZE || rd_left(&r) > V1_PAGE))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: %zu bytes, not %d (or its %d-byte "
				"page)", rd_left(&r), V23_SIZE, V1_PAGE);
	return c->version == 1 ? parse_v1(r, c, err) : parse_v23(r, c, err);
}

bool csv_report_hmac_holds(const struct csv_report *c)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	return HMAC(EVP_sm3(), c->mnonce, sizeof(c->mnonce), c->signer, SIGNER_SIZE, mac,
		    &len) && len == 32 && CRYPTO_memcmp(mac, c->mac, 32) == 0;
}

/* Chains already verified in this process, by the digest of root, HSK,
 * CEK and PEK: a chip's chain is checked once, its reports each time. */
#define CHAIN_CACHE 16
static uint8_t chain_seen[CHAIN_CACHE][SHA256_DIGEST_LENGTH];
static size_t chain_next;
static pthread_mutex_t chain_lock = PTHREAD_MUTEX_INITIALIZER;

static void chain_digest(const struct csv_ca_cert *root, const uint8_t *hsk_cek,
			 size_t n, const struct csv_cert *pek, uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	/* on failure, a digest no chain has */
	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, root->raw, sizeof(root->raw)) != 1 ||
	    EVP_DigestUpdate(c, hsk_cek, n) != 1 ||
	    EVP_DigestUpdate(c, pek->raw, sizeof(pek->raw)) != 1 ||
	    EVP_DigestFinal_ex(c, out, NULL) != 1)
		RAND_bytes(out, 32);
	EVP_MD_CTX_free(c);
}

static bool chain_known(const uint8_t d[32])
{
	bool known = false;

	pthread_mutex_lock(&chain_lock);
	for (size_t i = 0; i < CHAIN_CACHE && !known; i++)
		known = memcmp(chain_seen[i], d, 32) == 0;
	pthread_mutex_unlock(&chain_lock);
	return known;
}

static void chain_remember(const uint8_t d[32])
{
	pthread_mutex_lock(&chain_lock);
	memcpy(chain_seen[chain_next], d, 32);
	chain_next = (chain_next + 1) % CHAIN_CACHE;
	pthread_mutex_unlock(&chain_lock);
}

bool csv_report_verify(const struct csv_report *r, const uint8_t *hsk_cek, size_t hsk_cek_len,
		       const struct csv_verify_opts *o, struct eaa_err *err)
{
	const struct csv_ca_cert *root = o->hrk ? o->hrk : csv_hrk();
	struct csv_ca_cert hsk;
	struct csv_cert cek;
	uint8_t digest[32];

	if (!root)
		return eaa_fail(err, EAA_E_CRYPTO, "the built-in HRK does not verify (no SM2 "
				"in this OpenSSL?)");
	if (!hsk_cek)
		return eaa_fail(err, EAA_E_UNTRUSTED, "no HSK/CEK for chip %s: give them, or "
				"fetch them from Hygon by serial number", r->sn);
	chain_digest(root, hsk_cek, hsk_cek_len, &r->pek, digest);
	if (!chain_known(digest)) {
		if (!csv_hsk_cek_parse(hsk_cek, hsk_cek_len, root, &hsk, &cek, err) ||
		    !csv_pek_verify(&cek, &r->pek, err))
			return false;
		chain_remember(digest);
	}
	if (r->firmware_form && !csv_report_hmac_holds(r))
		return eaa_fail(err, EAA_E_SIGNATURE, "CSV report: the firmware's HMAC over PEK "
				"and serial number does not hold");
	if (!csv_sm2_verify(&r->pek.key, r->tbs, r->tbs_len, r->r, r->s))
		return eaa_fail(err, EAA_E_SIGNATURE, "CSV report: the PEK's signature does not "
				"verify");
	if (r->sig_usage != CSV_USAGE_PEK || r->sig_algo != CSV_ALGO_SM2_SA)
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: signed with usage 0x%x algorithm "
				"%u, not the PEK's SM2", r->sig_usage, r->sig_algo);
	if (!(r->policy & CSV_POLICY_NODBG) && !o->allow_debug)
		return eaa_fail(err, EAA_E_REJECTED, "CSV report: the guest policy allows "
				"debugging (NODBG is clear)");
	if (o->report_data && CRYPTO_memcmp(o->report_data, r->report_data, 64) != 0)
		return eaa_fail(err, EAA_E_BINDING, "CSV report: report_data is not the expected "
				"value");
	return true;
}

json_t *csv_claims(const struct csv_report *r, bool sn_verified)
{
	json_t *c = json_object();
	bool ok;

	if (!c)
		return NULL;
	ok = json_set_base64(c, "measure", r->measure, 32) &&
	     json_set_hex(c, "report_data", r->report_data, 64) &&
	     json_set_hex(c, "user_pubkey_digest", r->user_pubkey_digest, 32) &&
	     json_set_hex(c, "vm_id", r->vm_id, 16) &&
	     json_set_hex(c, "vm_version", r->vm_version, 16) &&
	     json_set_hex(c, "mnonce", r->mnonce, 16) &&
	     json_object_set_new(c, sn_verified ? "serial_number" : "serial_number_unverified",
				 json_string(r->sn)) == 0 &&
	     json_object_set_new(c, "version", json_integer(r->version)) == 0 &&
	     json_object_set_new(c, "policy", json_integer(r->policy)) == 0 &&
	     json_object_set_new(c, "policy_nodbg", json_boolean(r->policy & 1)) == 0 &&
	     json_object_set_new(c, "policy_noks", json_boolean(r->policy & 2)) == 0 &&
	     json_object_set_new(c, "policy_es", json_boolean(r->policy & 4)) == 0 &&
	     json_object_set_new(c, "policy_nosend", json_boolean(r->policy & 8)) == 0 &&
	     json_object_set_new(c, "policy_domain", json_boolean(r->policy & 16)) == 0 &&
	     json_object_set_new(c, "policy_csv", json_boolean(r->policy & 32)) == 0 &&
	     json_object_set_new(c, "policy_csv3", json_boolean(r->policy & 64)) == 0 &&
	     json_object_set_new(c, "policy_asid_reuse", json_boolean(r->policy & 128)) == 0 &&
	     json_object_set_new(c, "policy_hsk_version", json_integer((r->policy >> 8) & 15)) == 0 &&
	     json_object_set_new(c, "policy_cek_version", json_integer((r->policy >> 12) & 15)) == 0 &&
	     json_object_set_new(c, "policy_api_major", json_integer((r->policy >> 16) & 255)) == 0 &&
	     json_object_set_new(c, "policy_api_minor", json_integer(r->policy >> 24)) == 0 &&
	     json_object_set_new(c, "pek_api_major", json_integer(r->pek.api_major)) == 0 &&
	     json_object_set_new(c, "pek_api_minor", json_integer(r->pek.api_minor)) == 0;
	if (ok && r->version > 1) {
		char name[8];

		ok = json_object_set_new(c, "build", json_integer(r->build)) == 0 &&
		     json_object_set_new(c, "rtmr_version", json_integer(r->rtmr_version)) == 0;
		for (int i = 0; ok && i < 5; i++) {
			snprintf(name, sizeof(name), "rtmr%d", i);
			ok = json_set_hex(c, name, r->rtmr[i], 32);
		}
		if (ok && r->version == 3)
			ok = json_set_hex(c, "host_data", r->host_data, 64);
	}
	if (!ok) {
		json_decref(c);
		return NULL;
	}
	return c;
}
