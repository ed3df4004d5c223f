/* claims.c - the claims-buffer: a definite CBOR map of text keys to byte
 * strings, whose SHA-256 is what the TEE signs as report_data.
 *
 *     { "pubkey-hash": bstr(CBOR [hash-alg-id, bstr hash]),
 *       ? "nonce": bstr, * tstr => bstr }
 *
 * hash-alg-id is an IANA Named Information id; the hash is over the DER
 * SubjectPublicKeyInfo of the certificate's key. */
#include <string.h>
#include "cbor_io.h"
#include "internal.h"

#define MAX_KEY_LEN 128

const EVP_MD *hash_id_md(int hash_id)
{
	switch (hash_id) {
	case HASH_ID_SHA256: return EVP_sha256();
	case HASH_ID_SHA384: return EVP_sha384();
	case HASH_ID_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

bool claims_buffer_encode(int hash_id, const uint8_t *hash, size_t hash_len,
			  const uint8_t *nonce, size_t nonce_len,
			  struct wr *out)
{
	struct wr inner;
	bool ok;

	wr_init(&inner);
	ok = cbor_put_array(&inner, 2) && cbor_put_uint(&inner, (uint64_t)hash_id) &&
	     cbor_put_bstr(&inner, hash, hash_len);
	/* Keys in canonical order (shorter encoding first). */
	ok = ok && cbor_put_map(out, nonce_len ? 2 : 1);
	if (ok && nonce_len)
		ok = cbor_put_tstr(out, "nonce") && cbor_put_bstr(out, nonce, nonce_len);
	ok = ok && cbor_put_tstr(out, "pubkey-hash") &&
	     cbor_put_bstr(out, inner.buf, inner.len);
	wr_free(&inner);
	return ok && !out->failed;
}

static bool rd_eq(struct rd a, const char *s)
{
	size_t n = strlen(s);

	return a.n == n && memcmp(a.p, s, n) == 0;
}

static bool parse_pubkey_hash(struct rd v, struct rats_claims_buffer *cb,
			      struct eaa_err *err)
{
	struct cbor_item it;
	const EVP_MD *md;

	if (!cbor_expect(&v, CBOR_K_ARRAY, &it) || it.val != 2)
		return eaa_fail(err, EAA_E_FORMAT,
				"claims-buffer: pubkey-hash is not a CBOR array "
				"of 2 elements [hash-alg-id, hash]");
	if (!cbor_expect(&v, CBOR_K_UINT, &it) || it.val > 255)
		return eaa_fail(err, EAA_E_FORMAT,
				"claims-buffer: pubkey-hash[0] is not a hash "
				"algorithm id");
	cb->hash_id = (int)it.val;
	if (!(md = hash_id_md(cb->hash_id)))
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"claims-buffer: pubkey-hash algorithm id %d is "
				"not one of 1 (sha-256), 7 (sha-384), 8 (sha-512)",
				cb->hash_id);
	if (!cbor_expect(&v, CBOR_K_BSTR, &it))
		return eaa_fail(err, EAA_E_FORMAT,
				"claims-buffer: pubkey-hash[1] is not a byte "
				"string");
	if (it.data.n != (size_t)EVP_MD_get_size(md))
		return eaa_fail(err, EAA_E_FORMAT,
				"claims-buffer: pubkey-hash is %zu bytes, "
				"algorithm %d needs %d", it.data.n, cb->hash_id,
				EVP_MD_get_size(md));
	cb->pubkey_hash = it.data;
	if (!rd_done(&v))
		return eaa_fail(err, EAA_E_FORMAT,
				"claims-buffer: trailing bytes after pubkey-hash");
	return true;
}

bool claims_buffer_decode(struct rd in, struct rats_claims_buffer *cb,
			  struct eaa_err *err)
{
	struct rd keys[RATS_MAX_CLAIMS];
	struct cbor_item it;
	bool have_hash = false;

	memset(cb, 0, sizeof(*cb));
	if (!cbor_expect(&in, CBOR_K_MAP, &it))
		return eaa_fail(err, EAA_E_FORMAT,
				"claims-buffer: not a definite-length CBOR map");
	if (it.val > RATS_MAX_CLAIMS)
		return eaa_fail(err, EAA_E_FORMAT,
				"claims-buffer: %llu claims exceeds the limit "
				"of %d", (unsigned long long)it.val, RATS_MAX_CLAIMS);
	for (size_t i = 0; i < it.val; i++) {
		struct cbor_item key, val;

		if (!cbor_expect(&in, CBOR_K_TSTR, &key) ||
		    key.data.n > MAX_KEY_LEN)
			return eaa_fail(err, EAA_E_FORMAT,
					"claims-buffer: claim %zu: key is not a "
					"text string of at most %d bytes", i,
					MAX_KEY_LEN);
		for (size_t j = 0; j < key.data.n; j++)
			if (key.data.p[j] < 0x20 || key.data.p[j] > 0x7e)
				return eaa_fail(err, EAA_E_FORMAT,
						"claims-buffer: claim %zu: name is "
						"not printable ASCII", i);
		for (size_t j = 0; j < i; j++)
			if (keys[j].n == key.data.n &&
			    memcmp(keys[j].p, key.data.p, key.data.n) == 0)
				return eaa_fail(err, EAA_E_FORMAT,
						"claims-buffer: duplicate claim "
						"\"%.*s\"", (int)key.data.n,
						(const char *)key.data.p);
		keys[i] = key.data;
		if (!cbor_expect(&in, CBOR_K_BSTR, &val))
			return eaa_fail(err, EAA_E_FORMAT,
					"claims-buffer: claim \"%.*s\": value "
					"is not a byte string", (int)key.data.n,
					(const char *)key.data.p);
		if (rd_eq(key.data, "pubkey-hash")) {
			if (!parse_pubkey_hash(val.data, cb, err))
				return false;
			have_hash = true;
		} else if (rd_eq(key.data, "nonce")) {
			if (val.data.n == 0 || val.data.n > RATS_MAX_NONCE)
				return eaa_fail(err, EAA_E_FORMAT,
						"claims-buffer: nonce is %zu "
						"bytes, expected 1 to %d",
						val.data.n, RATS_MAX_NONCE);
			cb->nonce = val.data;
			cb->has_nonce = true;
		} else {
			cb->custom_name[cb->ncustom] = key.data;
			cb->custom_value[cb->ncustom] = val.data;
			cb->ncustom++;
		}
	}
	if (!rd_done(&in))
		return eaa_fail(err, EAA_E_FORMAT,
				"claims-buffer: %zu trailing bytes after the map",
				rd_left(&in));
	if (!have_hash)
		return eaa_fail(err, EAA_E_FORMAT,
				"claims-buffer: no \"pubkey-hash\" claim");
	return true;
}
