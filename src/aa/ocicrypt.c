/* ocicrypt.c - JWE key packets and the AES_256_CTR_HMAC_SHA256 layer
 * cipher (see ocicrypt.h). */
#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <zlib.h>
#include <unistd.h>
#include "aead.h"
#include "codec.h"
#include "ecdsa.h"
#include "fanout.h"
#include "ocicrypt.h"

#define MAX_PACKET (1u << 20)

/* base64url (unpadded) member of a JSON object. */
static bool b64url_member(json_t *o, const char *name, uint8_t **out, size_t *n,
			  struct eaa_err *err)
{
	const char *s = json_string_value(json_object_get(o, name));

	if (!s || !base64_decode(s, true, out, n))
		return eaa_fail(err, EAA_E_FORMAT, "JWE: \"%s\" is missing or not base64url",
				name);
	return true;
}

static bool rsa_unwrap(EVP_PKEY *key, const char *alg, const uint8_t *ek,
		       size_t ekn, uint8_t *cek, size_t *cekn)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	const EVP_MD *md = strcmp(alg, "RSA-OAEP-256") == 0 ? EVP_sha256() : EVP_sha1();
	bool ok;

	ok = ctx && EVP_PKEY_decrypt_init(ctx) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
	     EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1 &&
	     EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1 &&
	     EVP_PKEY_decrypt(ctx, cek, cekn, ek, ekn) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/* ECDH-ES+AxxxKW (RFC 7518 4.6): Z from our key and the sender's
 * ephemeral key, the Concat KDF over it, then AES key unwrap of the
 * encrypted key. hdr is where epk, apu and apv are (the recipient's
 * header, or the protected one). */
static const char *str_of(json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s ? s : "";
}

static bool ecdh_unwrap(EVP_PKEY *key, const char *alg, json_t *hdr,
			const uint8_t *ek, size_t ekn, uint8_t *cek, size_t *cekn)
{
	json_t *epk = json_object_get(hdr, "epk");
	const char *crv = json_string_value(json_object_get(epk, "crv"));
	size_t kbits = strstr(alg, "A128KW") ? 128 : strstr(alg, "A192KW") ? 192 : 256;
	const EVP_CIPHER *wrap = kbits == 128 ? EVP_aes_128_wrap() :
				 kbits == 192 ? EVP_aes_192_wrap() : EVP_aes_256_wrap();
	uint8_t *x = NULL, *y = NULL, *apu = NULL, *apv = NULL, xy[132], z[66], md[32];
	size_t xn = 0, yn = 0, apun = 0, apvn = 0, zn = sizeof(z), coord;
	EVP_PKEY *peer = NULL;
	EVP_PKEY_CTX *dctx = NULL;
	EVP_CIPHER_CTX *wctx = NULL;
	EVP_MD_CTX *h = NULL;
	uint8_t be[4];
	int len = 0, fin = 0;
	bool ok = false;

	if (!crv || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return false;
	coord = strcmp(crv, "P-256") == 0 ? 32 : strcmp(crv, "P-384") == 0 ? 48 : 0;
	if (!coord || !base64_decode(str_of(epk, "x"), true, &x, &xn) ||
	    !base64_decode(str_of(epk, "y"), true, &y, &yn) || xn != coord || yn != coord)
		goto out;
	if (json_object_get(hdr, "apu") && !base64_decode(str_of(hdr, "apu"), true, &apu, &apun))
		goto out;
	if (json_object_get(hdr, "apv") && !base64_decode(str_of(hdr, "apv"), true, &apv, &apvn))
		goto out;
	memcpy(xy, x, coord);
	memcpy(xy + coord, y, coord);
	if (!(peer = ecdsa_pubkey_xy(crv, xy, coord)) ||
	    !(dctx = EVP_PKEY_CTX_new(key, NULL)) || EVP_PKEY_derive_init(dctx) != 1 ||
	    EVP_PKEY_derive_set_peer(dctx, peer) != 1 ||
	    EVP_PKEY_derive(dctx, z, &zn) != 1)
		goto out;
	/* Concat KDF, one round: SHA-256(1 || Z || AlgID || PartyU || PartyV
	 * || keydatalen), each variable part prefixed by its 32-bit length */
	h = EVP_MD_CTX_new();
#define BE32(v) (be[0] = (uint8_t)((v) >> 24), be[1] = (uint8_t)((v) >> 16), \
		 be[2] = (uint8_t)((v) >> 8), be[3] = (uint8_t)(v), be)
	if (!h || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(h, BE32(1u), 4) != 1 || EVP_DigestUpdate(h, z, zn) != 1 ||
	    EVP_DigestUpdate(h, BE32((uint32_t)strlen(alg)), 4) != 1 ||
	    EVP_DigestUpdate(h, alg, strlen(alg)) != 1 ||
	    EVP_DigestUpdate(h, BE32((uint32_t)apun), 4) != 1 ||
	    (apun && EVP_DigestUpdate(h, apu, apun) != 1) ||
	    EVP_DigestUpdate(h, BE32((uint32_t)apvn), 4) != 1 ||
	    (apvn && EVP_DigestUpdate(h, apv, apvn) != 1) ||
	    EVP_DigestUpdate(h, BE32((uint32_t)kbits), 4) != 1 ||
	    EVP_DigestFinal_ex(h, md, NULL) != 1)
		goto out;
#undef BE32
	/* AES key unwrap (RFC 3394) of the content key */
	wctx = EVP_CIPHER_CTX_new();
	if (!wctx || ekn < 16 || ekn > *cekn)
		goto out;
	EVP_CIPHER_CTX_set_flags(wctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = EVP_DecryptInit_ex(wctx, wrap, NULL, md, NULL) == 1 &&
	     EVP_DecryptUpdate(wctx, cek, &len, ek, (int)ekn) == 1 &&
	     EVP_DecryptFinal_ex(wctx, cek + len, &fin) == 1;
	if (ok)
		*cekn = (size_t)(len + fin);
out:
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_cleanse(md, sizeof(md));
	EVP_CIPHER_CTX_free(wctx);
	EVP_MD_CTX_free(h);
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(peer);
	free(x);
	free(y);
	free(apu);
	free(apv);
	return ok;
}

bool aa_jwe_decrypt(const char *jwe, size_t n, EVP_PKEY *key, uint8_t **out,
		    size_t *outn, struct eaa_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(jwe, n, 0, &je), *hdr = NULL, *recips, *r, *single[1];
	const char *protected_b64, *enc, *aad_b64;
	uint8_t *prot = NULL, *iv = NULL, *ct = NULL, *tag = NULL, *ek = NULL, *pt = NULL;
	size_t protn, ivn, ctn, tagn, ekn, i, nrecips, aadn = 0;
	uint8_t cek[1024]; /* RSA decryption wants room for a whole block */
	size_t cekn = 0;
	char *aad = NULL;
	bool ok = false;

	*out = NULL;
	if (!json_is_object(j)) {
		eaa_fail(err, EAA_E_FORMAT, "JWE: not a JSON object: %s", j ? "another value" : je.text);
		goto out;
	}
	protected_b64 = json_string_value(json_object_get(j, "protected"));
	if (!protected_b64 || !b64url_member(j, "protected", &prot, &protn, err))
		goto out;
	hdr = json_loadb((char *)prot, protn, 0, &je);
	enc = json_string_value(json_object_get(hdr, "enc"));
	if (!enc || (strcmp(enc, "A256GCM") != 0 && strcmp(enc, "A128GCM") != 0)) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "JWE: content encryption \"%s\" is not supported "
			 "(A256GCM, A128GCM)", enc ? enc : "(none)");
		goto out;
	}
	if (!b64url_member(j, "iv", &iv, &ivn, err) ||
	    !b64url_member(j, "ciphertext", &ct, &ctn, err) ||
	    !b64url_member(j, "tag", &tag, &tagn, err))
		goto out;
	/* AAD: the protected header as sent, then "." and aad if present */
	aad_b64 = json_string_value(json_object_get(j, "aad"));
	if (asprintf(&aad, "%s%s%s", protected_b64, aad_b64 ? "." : "",
		     aad_b64 ? aad_b64 : "") < 0) {
		aad = NULL;
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	aadn = strlen(aad);
	recips = json_object_get(j, "recipients");
	if (!recips) { /* flattened: the one recipient is the object itself */
		single[0] = j;
		nrecips = 1;
	} else if (json_is_array(recips)) {
		nrecips = json_array_size(recips);
	} else {
		eaa_fail(err, EAA_E_FORMAT, "JWE: recipients is not an array");
		goto out;
	}
	for (i = 0; i < nrecips && !cekn; i++) {
		const char *alg;

		r = recips ? json_array_get(recips, i) : single[0];
		alg = json_string_value(json_object_get(json_object_get(r, "header"), "alg"));
		if (!alg)
			alg = json_string_value(json_object_get(hdr, "alg"));
		if (!alg)
			continue;
		if (strcmp(alg, "RSA-OAEP") != 0 && strcmp(alg, "RSA-OAEP-256") != 0 &&
		    strncmp(alg, "ECDH-ES+A", 9) != 0)
			continue; /* another recipient's scheme */
		free(ek);
		ek = NULL;
		if (!b64url_member(r, "encrypted_key", &ek, &ekn, err))
			goto out;
		cekn = sizeof(cek);
		if (alg[0] == 'E') {
			json_t *rh = json_object_get(r, "header");

			if (!ecdh_unwrap(key, alg, json_object_get(rh, "epk") ? rh : hdr, ek,
					 ekn, cek, &cekn))
				cekn = 0;
		} else if (!rsa_unwrap(key, alg, ek, ekn, cek, &cekn)) {
			cekn = 0; /* not ours: try the next */
		}
	}
	if (!cekn) {
		eaa_fail(err, EAA_E_UNTRUSTED, "JWE: none of its %zu recipient(s) opens with "
			 "this key", nrecips);
		goto out;
	}
	if (cekn != (strcmp(enc, "A256GCM") == 0 ? 32u : 16u)) {
		eaa_fail(err, EAA_E_FORMAT, "JWE: the content key is %zu bytes, not the "
			 "size %s takes", cekn, enc);
		goto out;
	}
	pt = malloc(ctn + 1);
	if (!pt || tagn != AES_GCM_TAG_LEN ||
	    !aes_gcm_open(cek, cekn, iv, ivn, (const uint8_t *)aad, aadn, ct, ctn, tag, pt)) {
		eaa_fail(err, EAA_E_SIGNATURE, "JWE: the content does not authenticate");
		goto out;
	}
	*out = pt;
	*outn = ctn;
	pt = NULL;
	ok = true;
out:
	OPENSSL_cleanse(cek, sizeof(cek));
	free(pt);
	free(prot);
	free(iv);
	free(ct);
	free(tag);
	free(ek);
	free(aad);
	json_decref(hdr);
	json_decref(j);
	return ok;
}

bool aa_jwe_annotation_unwrap(const char *annotation, EVP_PKEY *key,
			      uint8_t **opts, size_t *optsn,
			      struct eaa_err *err)
{
	const char *p = annotation;
	struct eaa_err last;
	int packets = 0;

	eaa_fail(&last, EAA_E_FORMAT, "%s: no key packet", AA_ANN_JWE);
	while (*p) {
		size_t len = strcspn(p, ",");
		char *one = strndup(p, len);
		uint8_t *jwe = NULL;
		size_t jn;
		bool ok;

		packets++;
		ok = one && base64_decode(one, false, &jwe, &jn) && jn <= MAX_PACKET;
		free(one);
		if (!ok)
			eaa_fail(&last, EAA_E_FORMAT, "%s: packet %d is not base64", AA_ANN_JWE,
				 packets);
		else if (aa_jwe_decrypt((char *)jwe, jn, key, opts, optsn, &last)) {
			free(jwe);
			return true;
		}
		free(jwe);
		p += len;
		if (*p == ',')
			p++;
	}
	if (err)
		*err = last;
	return false;
}

/* ---- the layer cipher ---- */

static bool opts_bytes(json_t *o, const char *name, uint8_t **out, size_t *n)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s && base64_decode(s, false, out, n);
}

/*
 * containers/image compresses an uncompressed layer before it encrypts it
 * and gives ocicrypt the source blob's digest: the options then name the
 * digest of the tar, while the decrypted blob is its gzip stream (found
 * with the real skopeo, bench/decrypt-vs-skopeo.sh). The blob written to
 * fd is accepted when its decompressed content has the digest the options
 * name. The HMAC has already authenticated every byte under the layer key.
 */
static bool gunzipped_digest_is(int fd, const char *want)
{
	char path[64], *hex = NULL;
	uint8_t buf[65536], md[32];
	unsigned mdn = 0;
	EVP_MD_CTX *sha = EVP_MD_CTX_new();
	gzFile gz = NULL;
	bool ok = false, gzip;
	int rfd, got;

	/* fd may be write-only: read what was written through /proc */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rfd = open(path, O_RDONLY | O_CLOEXEC);
	gzip = rfd >= 0 && pread(rfd, buf, 2, 0) == 2 && buf[0] == 0x1f && buf[1] == 0x8b;
	if (!gzip || !sha || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1 ||
	    !(gz = gzdopen(rfd, "rb")))
		goto out;
	rfd = -1; /* gzclose closes it */
	while ((got = gzread(gz, buf, sizeof(buf))) > 0)
		if (EVP_DigestUpdate(sha, buf, (size_t)got) != 1)
			goto out;
	if (got < 0 || EVP_DigestFinal_ex(sha, md, &mdn) != 1 || mdn != 32 ||
	    !(hex = hex_encode(md, mdn)))
		goto out;
	ok = strncmp(want, "sha256:", 7) == 0 && strcmp(want + 7, hex) == 0;
out:
	free(hex);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (gz)
		gzclose(gz);
	if (rfd >= 0)
		close(rfd);
	EVP_MD_CTX_free(sha);
	return ok;
}

/* The caller's share of the layer pass: decrypt a chunk, hash the
 * plaintext, write it to staging. */
struct plain_sink {
	EVP_CIPHER_CTX *ctx;
	EVP_MD_CTX *sha;
	int fd;
	uint64_t size;
	uint8_t out[256 * 1024];
};

static bool decrypt_chunk(void *arg, const uint8_t *p, size_t n, struct eaa_err *err)
{
	struct plain_sink *ps = arg;

	while (n) {
		size_t take = n < sizeof(ps->out) ? n : sizeof(ps->out), off = 0;
		int len = 0;

		if (EVP_DecryptUpdate(ps->ctx, ps->out, &len, p, (int)take) != 1 ||
		    EVP_DigestUpdate(ps->sha, ps->out, (size_t)len) != 1)
			return eaa_fail_ssl(err, EAA_E_CRYPTO, "layer cipher");
		while (off < (size_t)len) {
			ssize_t put = write(ps->fd, ps->out + off, (size_t)len - off);

			if (put < 0 && errno == EINTR)
				continue;
			if (put <= 0)
				return eaa_fail(err, EAA_E_IO, "writing the staged layer: %s",
						strerror(errno));
			off += (size_t)put;
		}
		ps->size += (uint64_t)len;
		p += take;
		n -= take;
	}
	return true;
}

bool aa_layer_decrypt(int in_fd, int out_fd, const uint8_t *privopts,
		      size_t privn, const char *pubopts_b64, char plain_digest[72],
		      char blob_digest[72], uint64_t *plain_size, struct eaa_err *err)
{
	json_error_t je;
	json_t *priv = json_loadb((const char *)privopts, privn, 0, &je), *pub = NULL;
	uint8_t *key = NULL, *nonce = NULL, *hmac = NULL, *pubraw = NULL;
	size_t keyn = 0, noncen = 0, hmacn = 0, pubn = 0;
	const char *cipher, *want_digest;
	struct plain_sink *ps = NULL;
	EVP_MD_CTX *blob = NULL;
	EVP_MAC *hmac_alg = NULL;
	EVP_MAC_CTX *mac = NULL;
	struct fanout_sink sinks[2];
	OSSL_PARAM params[2];
	size_t macn = 0;
	uint8_t md[32], digest[32], bmd[32];
	unsigned dn = 0, bn = 0;
	char *hex = NULL;
	bool ok = false;

	*plain_size = 0;
	if (blob_digest)
		blob_digest[0] = '\0';
	if (!json_is_object(priv)) {
		eaa_fail(err, EAA_E_FORMAT, "private layer options: not a JSON object");
		goto out;
	}
	/* (json_is_object evaluates its argument twice: parse first) */
	if (pubopts_b64 && base64_decode(pubopts_b64, false, &pubraw, &pubn))
		pub = json_loadb((char *)pubraw, pubn, 0, &je);
	if (!json_is_object(pub)) {
		eaa_fail(err, EAA_E_FORMAT, "%s: missing, not base64 or not JSON", AA_ANN_PUBOPTS);
		goto out;
	}
	cipher = json_string_value(json_object_get(pub, "cipher"));
	if (!cipher || strcmp(cipher, "AES_256_CTR_HMAC_SHA256") != 0) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "layer cipher \"%s\" is not supported "
			 "(AES_256_CTR_HMAC_SHA256)", cipher ? cipher : "(none)");
		goto out;
	}
	if (!opts_bytes(priv, "symkey", &key, &keyn) || keyn != 32 ||
	    !opts_bytes(json_object_get(priv, "cipheroptions"), "nonce", &nonce, &noncen) ||
	    noncen != 16 || !opts_bytes(pub, "hmac", &hmac, &hmacn) || hmacn != 32) {
		eaa_fail(err, EAA_E_FORMAT, "layer options: need a 32-byte symkey, a 16-byte "
			 "nonce and a 32-byte hmac");
		goto out;
	}
	ps = calloc(1, sizeof(*ps));
	if (!ps) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	ps->fd = out_fd;
	ps->ctx = EVP_CIPHER_CTX_new();
	ps->sha = EVP_MD_CTX_new();
	hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	mac = hmac_alg ? EVP_MAC_CTX_new(hmac_alg) : NULL;
	blob = blob_digest ? EVP_MD_CTX_new() : NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!ps->ctx || !ps->sha || !mac || (blob_digest && !blob) ||
	    EVP_DecryptInit_ex(ps->ctx, EVP_aes_256_ctr(), NULL, key, nonce) != 1 ||
	    EVP_DigestInit_ex(ps->sha, EVP_sha256(), NULL) != 1 ||
	    (blob && EVP_DigestInit_ex(blob, EVP_sha256(), NULL) != 1) ||
	    EVP_MAC_init(mac, key, keyn, params) != 1) {
		eaa_fail_ssl(err, EAA_E_CRYPTO, "layer cipher");
		goto out;
	}
	/* one read of the ciphertext: its HMAC (and the blob's digest) on
	 * threads of their own, decryption on this one */
	sinks[0] = (struct fanout_sink){ .mac = mac };
	sinks[1] = (struct fanout_sink){ .md = blob };
	if (!fanout_run(in_fd, "the encrypted layer", sinks, blob ? 2 : 1, decrypt_chunk, ps,
			err))
		goto out;
	*plain_size = ps->size;
	if (blob && (EVP_DigestFinal_ex(blob, bmd, &bn) != 1 || bn != 32 ||
		     !(hex = hex_encode(bmd, bn)))) {
		eaa_fail(err, EAA_E_CRYPTO, "the encrypted layer's digest");
		goto out;
	}
	if (blob) {
		snprintf(blob_digest, 72, "sha256:%s", hex);
		free(hex);
		hex = NULL;
	}
	if (EVP_MAC_final(mac, md, &macn, sizeof(md)) != 1 ||
	    EVP_DigestFinal_ex(ps->sha, digest, &dn) != 1) {
		eaa_fail_ssl(err, EAA_E_CRYPTO, "layer cipher");
		goto out;
	}
	if (macn != 32 || CRYPTO_memcmp(md, hmac, 32) != 0) {
		eaa_fail(err, EAA_E_SIGNATURE, "the layer's HMAC does not match: the "
			 "ciphertext or its options were changed (nothing may be used)");
		goto out;
	}
	hex = hex_encode(digest, dn);
	if (!hex) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	snprintf(plain_digest, 72, "sha256:%s", hex);
	want_digest = json_string_value(json_object_get(priv, "digest"));
	if (want_digest && *want_digest && strcmp(want_digest, plain_digest) != 0 &&
	    !gunzipped_digest_is(out_fd, want_digest)) {
		eaa_fail(err, EAA_E_SIGNATURE, "the decrypted layer is %s, its options say %s",
			 plain_digest, want_digest);
		goto out;
	}
	ok = true;
out:
	if (key)
		OPENSSL_cleanse(key, keyn);
	if (ps) {
		OPENSSL_cleanse(ps->out, sizeof(ps->out));
		EVP_CIPHER_CTX_free(ps->ctx);
		EVP_MD_CTX_free(ps->sha);
		free(ps);
	}
	EVP_MD_CTX_free(blob);
	free(hex);
	free(key);
	free(nonce);
	free(hmac);
	free(pubraw);
	EVP_MAC_CTX_free(mac);
	EVP_MAC_free(hmac_alg);
	json_decref(pub);
	json_decref(priv);
	return ok;
}
