/* sig_gpg.c - simple signing with gpgme: the requirement's keys go into a
 * throw-away GnuPG home, so a signature verifies only with them; the
 * signature must be good and made by one of those keys. */
#include <ftw.h>
#include <gpgme.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "file.h"
#include "sig.h"

#define MAX_KEYRING (16u * 1024u * 1024u)
#define MAX_PAYLOAD (4u * 1024u * 1024u)

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
	gpgme_check_version(NULL);
}

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	return remove(p);
}

static bool import(gpgme_ctx_t ctx, const uint8_t *p, size_t n, const char *what,
		   struct eaa_err *err)
{
	gpgme_data_t d;
	gpgme_import_result_t res;
	bool ok;

	if (gpgme_data_new_from_mem(&d, (const char *)p, n, 0) != 0)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = gpgme_op_import(ctx, d) == 0 && (res = gpgme_op_import_result(ctx)) != NULL &&
	     res->imported + res->unchanged > 0;
	gpgme_data_release(d);
	return ok || eaa_fail(err, EAA_E_CONFIG, "%s holds no GPG public key", what);
}

/* The requirement's keys into the home of ctx. */
static bool load_keys(gpgme_ctx_t ctx, const struct img_req *r, struct eaa_err *err)
{
	uint8_t *raw;
	size_t n;
	bool ok;

	if (r->key_data)
		return import(ctx, r->key_data, r->key_data_len, "keyData", err);
	for (size_t i = 0; i < r->nkey_paths; i++) {
		if (!file_read(r->key_paths[i], MAX_KEYRING, &raw, &n, err))
			return eaa_err_prefix(err, "keyPath");
		ok = import(ctx, raw, n, r->key_paths[i], err);
		free(raw);
		if (!ok)
			return false;
	}
	return true;
}

/* Verify; the signed payload into *payload (malloc'd). */
static bool verify(gpgme_ctx_t ctx, const uint8_t *sig, size_t n, char **payload,
		   size_t *pn, struct eaa_err *err)
{
	gpgme_data_t in, out;
	gpgme_verify_result_t res;
	gpgme_signature_t s;
	gpgme_key_t key = NULL;
	gpgme_error_t e;
	char *buf;
	bool ok = false;

	*payload = NULL;
	if (gpgme_data_new_from_mem(&in, (const char *)sig, n, 0) != 0 ||
	    gpgme_data_new(&out) != 0)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	e = gpgme_op_verify(ctx, in, NULL, out);
	res = e ? NULL : gpgme_op_verify_result(ctx);
	s = res ? res->signatures : NULL;
	if (!s) {
		eaa_fail(err, EAA_E_FORMAT, "not a GPG signature%s%s", e ? ": " : "",
			 e ? gpgme_strerror(e) : "");
	} else if (s->next) {
		eaa_fail(err, EAA_E_FORMAT, "the signature holds more than one signer");
	} else if (gpg_err_code(s->status) != GPG_ERR_NO_ERROR) {
		eaa_fail(err, gpg_err_code(s->status) == GPG_ERR_NO_PUBKEY ? EAA_E_UNTRUSTED :
			 EAA_E_SIGNATURE, "signature by key %s: %s", s->fpr ? s->fpr : "?",
			 gpg_err_code(s->status) == GPG_ERR_NO_PUBKEY ?
			 "not one of the policy's keys" : gpgme_strerror(s->status));
	} else if (!s->fpr || gpgme_get_key(ctx, s->fpr, &key, 0) != 0 || !key) {
		eaa_fail(err, EAA_E_UNTRUSTED, "signature by key %s: not one of the policy's "
			 "keys", s->fpr ? s->fpr : "?");
	} else if (key->revoked || key->expired || key->disabled || key->invalid) {
		eaa_fail(err, EAA_E_UNTRUSTED, "signature by key %s: the key is revoked, "
			 "expired or unusable", s->fpr);
	} else {
		ok = true;
	}
	gpgme_key_unref(key);
	gpgme_data_release(in);
	buf = gpgme_data_release_and_get_mem(out, pn);
	if (ok && (!buf || *pn > MAX_PAYLOAD || !(*payload = malloc(*pn + 1))))
		ok = eaa_fail(err, EAA_E_FORMAT, "the signed payload is empty or too large");
	if (ok)
		memcpy(*payload, buf, *pn);
	gpgme_free(buf);
	return ok;
}

bool img_sig_gpg_check(const struct img_req *r, const struct img_candidate *c,
		       const uint8_t *sig, size_t n, struct eaa_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char homebuf[4096], *payload = NULL;
	gpgme_ctx_t ctx = NULL;
	size_t pn;
	bool ok = false;

	pthread_once(&once, init);
	snprintf(homebuf, sizeof(homebuf), "%s/eaa-gpg-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(homebuf))
		return eaa_fail(err, EAA_E_IO, "cannot create a GnuPG home in %s", homebuf);
	if (gpgme_new(&ctx) != 0 ||
	    gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, homebuf) != 0) {
		eaa_fail(err, EAA_E_CONFIG, "gpgme: cannot use a GnuPG home");
	} else if (load_keys(ctx, r, err) && verify(ctx, sig, n, &payload, &pn, err)) {
		ok = img_payload_check((uint8_t *)payload, pn, "atomic container signature",
				       r, c, err);
	}
	gpgme_release(ctx);
	free(payload);
	nftw(homebuf, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return ok;
}
