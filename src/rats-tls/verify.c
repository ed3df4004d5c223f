/* verify.c - the whole check of a peer's certificate, in order:
 *   1. (not the self-signature: see rats_verify_cert)
 *   2. find and parse the evidence extension (format errors are named);
 *   3. pick the verifier: the named one must handle the evidence type; with
 *      none named, one whose trust is configured (never nullverifier);
 *   4. the verifier checks the evidence signature and trust;
 *   5. report_data = SHA-256(claims-buffer) || zeros (or, for legacy
 *      extensions, SHA-256 of the public key);
 *   6. the claims-buffer's pubkey-hash = hash of this certificate's key;
 *   7. the nonce, when one is expected or present.
 * Only then are the claims handed to the application. */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include "codec.h"
#include "json_util.h"
#include "internal.h"
#include "log.h"
#include "oids.h"

static bool pick_verifier(const struct rats_verify_ctx *vc,
			  const struct rats_evidence *ev,
			  const struct rats_verifier **v, void **state,
			  struct eaa_err *err)
{
	uint64_t tag = ev->tag;

	if (vc->named) {
		if (!rats_verifier_handles(vc->named, tag))
			return eaa_fail(err, EAA_E_TEE_MISMATCH,
					"peer evidence is a %s (tag 0x%llx), "
					"which verifier \"%s\" does not handle",
					rats_tag_name(tag),
					(unsigned long long)tag,
					vc->named->name);
		*v = vc->named;
		*state = vc->named_state;
		return true;
	}
	for (size_t i = 0; i < vc->ninferred; i++) {
		if (rats_verifier_handles(vc->inferred[i], ev->tag) &&
		    (!vc->inferred[i]->accepts || vc->inferred[i]->accepts(ev))) {
			*v = vc->inferred[i];
			*state = vc->inferred_state[i];
			return true;
		}
	}
	return eaa_fail(err, EAA_E_TEE_MISMATCH,
			"peer evidence is a %s (tag 0x%llx), and no verifier "
			"with configured trust handles it (name one with -v)",
			rats_tag_name(tag), (unsigned long long)tag);
}

static bool check_user_data(const struct rats_evidence *ev, X509 *cert,
			    const struct rats_verified *vd,
			    struct eaa_err *err)
{
	uint8_t want[RATS_USER_DATA_LEN] = { 0 };
	size_t len;

	if (vd->user_data_len < 32)
		return eaa_fail(err, EAA_E_BINDING,
				"evidence has no report_data field to bind");
	if (ev->legacy_oid) {
		if (!cert_spki_hash(X509_get0_pubkey(cert), EVP_sha256(), want,
				    &len, err))
			return false;
		if (CRYPTO_memcmp(want, vd->user_data, 32) != 0)
			return eaa_fail(err, EAA_E_BINDING,
					"legacy evidence (%s): report_data "
					"does not hold SHA-256 of the "
					"certificate's public key",
					ev->legacy_oid);
		return true;
	}
	if (EVP_Digest(ev->claims_buffer.p, ev->claims_buffer.n, want, NULL,
		       EVP_sha256(), NULL) != 1)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "hash claims-buffer");
	if (CRYPTO_memcmp(want, vd->user_data, vd->user_data_len) != 0)
		return eaa_fail(err, EAA_E_BINDING,
				"report_data does not hold SHA-256 of the "
				"claims-buffer (claims-buffer altered, or "
				"evidence from elsewhere)");
	return true;
}

static bool check_key_and_nonce(const struct rats_verify_ctx *vc,
				const struct rats_evidence *ev,
				const struct rats_claims_buffer *cbp, X509 *cert,
				struct eaa_err *err)
{
	const struct rats_claims_buffer cb = *cbp;
	uint8_t hash[EVP_MAX_MD_SIZE];
	size_t hash_len;

	if (ev->legacy_oid) {
		if (vc->expect_nonce || vc->require_nonce)
			return eaa_fail(err, EAA_E_NONCE,
					"legacy evidence (%s) cannot carry the "
					"required nonce", ev->legacy_oid);
		return true;
	}
	if (!cert_spki_hash(X509_get0_pubkey(cert), hash_id_md(cb.hash_id),
			    hash, &hash_len, err))
		return false;
	if (hash_len != cb.pubkey_hash.n ||
	    CRYPTO_memcmp(hash, cb.pubkey_hash.p, hash_len) != 0)
		return eaa_fail(err, EAA_E_BINDING,
				"evidence is bound to a different key: the "
				"claims-buffer's pubkey-hash does not match the "
				"certificate's public key");
	if (vc->expect_nonce) {
		if (!cb.has_nonce)
			return eaa_fail(err, EAA_E_NONCE,
					"peer evidence carries no nonce, one "
					"was required");
		if (cb.nonce.n != vc->expect_nonce_len ||
		    CRYPTO_memcmp(cb.nonce.p, vc->expect_nonce,
				  cb.nonce.n) != 0)
			return eaa_fail(err, EAA_E_NONCE,
					"peer evidence carries a different "
					"nonce than the one expected");
	} else if (cb.has_nonce) {
		if (cb.nonce.n != vc->own_random_len ||
		    CRYPTO_memcmp(cb.nonce.p, vc->own_random, cb.nonce.n) != 0)
			return eaa_fail(err, EAA_E_NONCE,
					"peer evidence carries a nonce that is "
					"not this connection's hello random "
					"(replayed evidence?)");
	} else if (vc->require_nonce) {
		return eaa_fail(err, EAA_E_NONCE,
				"peer evidence carries no nonce, one was "
				"required");
	}
	return true;
}

/* The claims-buffer's nonce and custom claims (hex, "custom.<name>"), so the
 * application can decide on them as rats-tls lets it. Verified by now. */
static bool add_buffer_claims(json_t *claims, const struct rats_claims_buffer *cb,
			      struct eaa_err *err)
{
	bool ok = !cb->has_nonce ||
		  json_set_hex(claims, "nonce", cb->nonce.p, cb->nonce.n);

	for (size_t i = 0; ok && i < cb->ncustom; i++) {
		char name[160];

		snprintf(name, sizeof(name), "custom.%.*s",
			 (int)cb->custom_name[i].n,
			 (const char *)cb->custom_name[i].p);
		ok = json_set_hex(claims, name, cb->custom_value[i].p,
				  cb->custom_value[i].n);
	}
	return ok || eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

bool rats_verify_cert(const struct rats_verify_ctx *vc, X509 *cert,
		      struct rats_peer *peer, struct eaa_err *err)
{
	struct rats_verified vd = { .user_data_len = 0 };
	struct rats_claims_buffer *cb = NULL;
	const struct rats_verifier *v = NULL;
	struct rats_evidence ev;
	void *state = NULL;
	bool found, ok = false;
	EVP_PKEY *pub = X509_get0_pubkey(cert);

	memset(peer, 0, sizeof(*peer));
	if (vc->named && vc->named->ntags == 0) {
		/* nullverifier, named explicitly: nothing is checked. */
		LOG_WARN("nullverifier: peer accepted without attestation");
		peer->tee = vc->named->name;
		peer->claims_json = strdup("{}");
		return peer->claims_json ||
		       eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	/* The self-signature is not checked: it proves nothing the handshake
	 * does not. TLS CertificateVerify proves possession of this key, and the
	 * evidence binds the key; no other field of the certificate is used. */
	if (!pub)
		return eaa_fail(err, EAA_E_FORMAT,
				"peer certificate: unreadable public key");
	if (!cert_find_evidence(cert, &ev, &found, err))
		return false;
	if (!found)
		return eaa_fail(err, EAA_E_NO_EVIDENCE,
				"peer certificate carries no attestation "
				"evidence (no extension %s nor a legacy rats-tls "
				"one)", OID_TAGGED_EVIDENCE);
	if (!pick_verifier(vc, &ev, &v, &state, err))
		return false;
	if (!ev.legacy_oid && rd_done(&ev.claims_buffer))
		return eaa_fail(err, EAA_E_FORMAT,
				"evidence extension: empty claims-buffer");
	if (!(cb = calloc(1, sizeof(*cb))))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (!v->verify(state, &ev, &vd, err)) {
		eaa_err_prefix(err, "verifier %s", v->name);
		goto out;
	}
	if (!check_user_data(&ev, cert, &vd, err))
		goto out;
	if (!ev.legacy_oid && !claims_buffer_decode(ev.claims_buffer, cb, err))
		goto out;
	if (!check_key_and_nonce(vc, &ev, cb, cert, err) ||
	    (!ev.legacy_oid && !add_buffer_claims(vd.claims, cb, err)))
		goto out;
	peer->tee = v->name;
	peer->claims_json = json_dumps(vd.claims, JSON_COMPACT | JSON_SORT_KEYS);
	ok = peer->claims_json || eaa_fail(err, EAA_E_NOMEM, "out of memory");
out:
	free(cb);
	json_decref(vd.claims);
	return ok;
}
