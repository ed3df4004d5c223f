/* kbc_cc.c - cc_kbc: the Confidential Containers KBS protocol (trustee's
 * /kbs/v0, version 0.4.0; docs/kbs-protocol.md), as guest-components'
 * client speaks it: aa_kbc_params=cc_kbc::https://HOST:PORT.
 *
 * Several URLs (cc_kbc::https://h1:p1,https://h2:p2, up to 8) are replicas
 * of one KBS. A call starts at the one that last answered; only when it
 * cannot be reached (no answer at all, failure_code) does the call go on
 * to the next, once each, attesting there from scratch: its own
 * connection and cookie jar, a new /auth and /attest. An answer (a 401
 * after attesting, a 403, a 404, a certificate the pins refuse) ends the
 * call: another URL is never asked, so a KBS cannot send the guest
 * elsewhere by refusing it.
 *
 * A resource is asked for with the session's cookie; with no session, or
 * on a 401, the client attests (RCAR): /auth, a fresh P-256 TEE key, the
 * TEE's evidence whose report data is SHA-384 of the RFC 8785 runtime
 * data, /attest; then asks again, once. The answer is a JWE to the TEE
 * key, opened here. A layer key (UnwrapKey) is the resource its kid names
 * (kbs:///repo/type/tag), the KEK the packet is opened with locally.
 *
 * The KBS is authenticated as eaa_kbc's verdictd is: HTTPS with a pinned
 * CA (--broker-ca) or public key (--broker-pubkey); http:// only with
 * --insecure-broker (warned): the resources stay encrypted to the TEE key,
 * but a KBS nobody checked could serve any image policy.
 *
 * The sample attester's evidence is our signed report ({"report"}, what
 * verdictd checks). With --kbs-sample-form trustee it is trustee's
 * unsigned {"svn": "1", "report_data": base64 of the 48-byte digest}
 * instead, as guest-components' sample attester writes it: JSON anyone
 * can write, for a KBS that takes only that (trustee's own). The TPM's
 * quote (over the digest's first 32 bytes; tpm.pcrs=0-23), the SEV-SNP
 * report and the CSV report go in trustee's JSON forms (tpm_trustee_form,
 * snp_report_to_json, csv_evidence_to_json; the reports without their
 * certificate chains). */
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "jcs.h"
#include "csv.h"
#include "snp_json.h"
#include "tpm_quote.h"
#include "jose.h"
#include "kbc.h"
#include "log.h"
#include "verify_raw.h"

#define MAX_ANSWER (64u * 1024u * 1024u)
/* KBS replicas one aa_kbc_params may list, as eaa_kbc's verdictd ones */
#define MAX_KBS 8

struct kbs {
	char base[512];          /* https://HOST:PORT */
	/* its connection and cookie jar: curl matches a cookie to the host,
	 * not the port, so one jar would send one KBS's session to another */
	CURL *h;
};

struct cc {
	struct kbs kbs[MAX_KBS];
	unsigned nkbs;
	unsigned next;           /* the KBS that last answered: calls start there */
	unsigned at;             /* the KBS of the session below */
	struct rats_raw_attester *att;
	const char *tee;         /* the KBS's name for our TEE */
	EVP_PKEY *tee_key;       /* the attested session's */
	bool attested;
	/* the last request reached no KBS (failure_code's EAA_E_IO), not
	 * the attester's own EAA_E_IO (a device it could not read) */
	bool unreached;
	bool unsigned_sample;    /* --kbs-sample-form trustee */
	long timeout;
};

/* Our attesters by the KBS protocol's TEE names, and how the evidence is
 * carried (docs/kbs-protocol.md 13; sample: verdictd's signed form). */
static const struct {
	const char *attester, *tee, *member;
} tees[] = {
	{ "sample", "sample", "report" },
	{ "tdx_ecdsa", "tdx", "quote" },
	{ "tpm", "tpm", NULL },     /* trustee's JSON form, tpm_trustee_form */
	{ "sev_snp", "snp", NULL }, /* trustee's JSON form, snp_report_to_json */
	{ "csv", "csv", NULL },     /* trustee's JSON form, csv_evidence_to_json */
};

struct buf {
	char *p;
	size_t n;
	bool too_big, no_memory;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *np;

	if (b->n + size * n > MAX_ANSWER) {
		b->too_big = true;
		return 0;
	}
	if (!(np = realloc(b->p, b->n + size * n + 1))) {
		b->no_memory = true;
		return 0;
	}
	memcpy(np + b->n, p, size * n);
	b->n += size * n;
	np[b->n] = '\0';
	b->p = np;
	return size * n;
}

static void drop(struct buf *b)
{
	if (b->p)
		OPENSSL_cleanse(b->p, b->n);
	free(b->p);
	*b = (struct buf){ 0 };
}

/* What a failed transfer means. EAA_E_IO only when no KBS answered: the
 * name did not resolve, the connection was refused, reset or timed out
 * before a status line came back. A TLS peer the pins refuse is not the
 * KBS this agent expects; a handshake the peer ended, and an answer that
 * began and then broke, are what that KBS said. */
static enum eaa_code failure_code(CURLcode rc, long status, const struct buf *b)
{
	if (b->no_memory)
		return EAA_E_NOMEM;
	if (b->too_big || status)
		return EAA_E_FORMAT;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return EAA_E_IO;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return EAA_E_UNTRUSTED;
	default:
		return EAA_E_TLS;
	}
}

/* One request; its status (0 with err filled when there was no answer;
 * EAA_E_IO then only if no KBS was reached, failure_code). */
static long call(struct cc *c, const char *path, const char *body, struct buf *out,
		 struct eaa_err *err)
{
	CURL *h = c->kbs[c->at].h;
	char url[700];
	long status = 0;
	CURLcode rc;

	drop(out);
	snprintf(url, sizeof(url), "%s/kbs/v0/%s", c->kbs[c->at].base, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	else
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	if ((rc = curl_easy_perform(h)) != CURLE_OK) {
		/* a status line that came before the failure: the KBS answered */
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		eaa_fail(err, failure_code(rc, status, out), "cc_kbc: %s: %s", url,
			 out->too_big ? "answer over 64 MiB" :
			 out->no_memory ? "out of memory" : curl_easy_strerror(rc));
		c->unreached = err->code == EAA_E_IO;
		return 0;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* A refusal's problem detail, for the error. */
static const char *detail(const struct buf *b, char *out, size_t cap)
{
	json_t *p = b->p ? json_loads(b->p, 0, NULL) : NULL;
	const char *d = json_string_value(json_object_get(p, "detail"));

	snprintf(out, cap, "%.400s", d ? d : "no problem detail");
	json_decref(p);
	return out;
}

/* The sev_snp attester's report in trustee's form. */
static json_t *snp_evidence_form(const uint8_t *ev, size_t n, struct eaa_err *err)
{
	json_t *r;

	if (n != SNP_REPORT_SIZE) {
		eaa_fail(err, EAA_E_FORMAT, "cc_kbc: an SEV-SNP report of %zu bytes", n);
		return NULL;
	}
	if (!(r = snp_report_to_json(ev, err)))
		return NULL;
	return json_pack("{s:o, s:n}", "attestation_report", r, "cert_chain");
}

/* RCAR: a new session, a new TEE key, evidence bound to both. */
static bool attest(struct cc *c, struct eaa_err *err)
{
	char req[200], why[450], *canon = NULL, *ev64 = NULL, *text = NULL;
	uint8_t digest[48], report_data[64] = { 0 }, *ev = NULL;
	struct buf b = { 0 };
	json_t *ch = NULL, *jwk = NULL, *rd = NULL, *body = NULL;
	const char *nonce, *member = NULL;
	unsigned dlen = 0;
	size_t i, n, evn = 0;
	long st;
	bool ok = false;

	c->attested = false;
	EVP_PKEY_free(c->tee_key);
	c->tee_key = NULL;
	/* a new session from scratch: no cookie of an earlier one goes with
	 * /auth */
	curl_easy_setopt(c->kbs[c->at].h, CURLOPT_COOKIELIST, "ALL");
	for (i = 0; i < sizeof(tees) / sizeof(tees[0]); i++)
		if (strcmp(tees[i].attester, rats_raw_attester_name(c->att)) == 0)
			member = tees[i].member;
	snprintf(req, sizeof(req), "{\"version\":\"0.4.0\",\"tee\":\"%s\",\"extra-params\":\"\"}",
		 c->tee);
	if ((st = call(c, "auth", req, &b, err)) != 200) {
		if (st)
			eaa_fail(err, EAA_E_REJECTED, "cc_kbc: /auth: %ld: %s", st,
				 detail(&b, why, sizeof(why)));
		goto out;
	}
	if (!(ch = json_loads(b.p, 0, NULL)) ||
	    !(nonce = json_string_value(json_object_get(ch, "nonce")))) {
		eaa_fail(err, EAA_E_FORMAT, "cc_kbc: /auth: the challenge has no nonce");
		goto out;
	}
	if (!(c->tee_key = EVP_EC_gen("P-256")) ||
	    !(jwk = jwk_from_key(c->tee_key, "ECDH-ES+A256KW", err)))
		goto out;
	/* what the KBS binds (7.2 step 6), hashed as 7.3 says */
	rd = json_pack("{s:O, s:s, s:s}", "tee-pubkey", jwk, "nonce", nonce,
		       "additional-evidence", "");
	if (!rd || !(canon = jcs_serialize(rd, &n, err)) ||
	    EVP_Digest(canon, n, digest, &dlen, EVP_sha384(), NULL) != 1)
		goto out;
	if (c->unsigned_sample) {
		/* trustee's sample evidence: the digest itself, unsigned */
		ev64 = base64_encode(digest, sizeof(digest), false);
		body = json_pack("{s:{s:s, s:O}, s:{s:{s:s, s:s}, s:s}}", "runtime-data",
				 "nonce", nonce, "tee-pubkey", jwk, "tee-evidence",
				 "primary_evidence", "svn", "1", "report_data", ev64 ? ev64 : "",
				 "additional_evidence", "");
	} else {
		memcpy(report_data, digest, sizeof(digest));
		if (!rats_raw_collect(c->att, report_data, &ev, &evn, err))
			goto out;
		if (!member) {
			/* trustee's JSON forms: the TPM's quote over the
			 * digest's first 32 bytes (what trustee's attester
			 * sends); the SEV-SNP report as the sev crate writes it,
			 * no certificate chain (the KBS takes the VCEK from AMD);
			 * the CSV report as csv-rs writes it, no HSK/CEK (the
			 * KBS takes them from Hygon by serial number) */
			json_t *form = strcmp(c->tee, "tpm") == 0 ? tpm_trustee_form(ev, evn, err) :
				       strcmp(c->tee, "csv") == 0 ? csv_evidence_to_json(ev, evn, err)
								  : snp_evidence_form(ev, evn, err);

			if (!form)
				goto out;
			ev64 = strdup("");
			body = json_pack("{s:{s:s, s:O}, s:{s:o, s:s}}", "runtime-data", "nonce",
					 nonce, "tee-pubkey", jwk, "tee-evidence",
					 "primary_evidence", form, "additional_evidence", "");
		} else {
			ev64 = base64_encode(ev, evn, false);
			body = json_pack("{s:{s:s, s:O}, s:{s:{s:s}, s:s}}", "runtime-data",
					 "nonce", nonce, "tee-pubkey", jwk, "tee-evidence",
					 "primary_evidence", member, ev64 ? ev64 : "",
					 "additional_evidence", "");
		}
	}
	if (!ev64 || !body || !(text = json_dumps(body, JSON_COMPACT))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	if ((st = call(c, "attest", text, &b, err)) != 200) {
		if (st)
			eaa_fail(err, EAA_E_REJECTED, "cc_kbc: /attest: %ld: %s", st,
				 detail(&b, why, sizeof(why)));
		goto out;
	}
	LOG_INFO("cc_kbc: attested to %s as %s", c->kbs[c->at].base, c->tee);
	c->attested = ok = true;
out:
	drop(&b);
	free(canon);
	free(ev);
	free(ev64);
	free(text);
	json_decref(ch);
	json_decref(jwk);
	json_decref(rd);
	json_decref(body);
	return ok;
}

/* A resource from the session's KBS, attesting first (or again, once, on
 * a 401). */
static bool get_at(struct cc *c, const char *path, uint8_t **out, size_t *n,
		   struct eaa_err *err)
{
	char rel[300], why[450];
	struct buf b = { 0 };
	long st = 0;
	int round;
	bool ok = false;

	snprintf(rel, sizeof(rel), "resource/%s", path);
	for (round = 0; round < 2 && !ok; round++) {
		if (!c->attested && !attest(c, err))
			break;
		st = call(c, rel, NULL, &b, err);
		if (st == 401 && round == 0) {
			/* the session or token ended: attest again */
			c->attested = false;
			continue;
		}
		if (st == 200)
			ok = jwe_open(b.p, b.n, c->tee_key, out, n, err);
		else if (st)
			eaa_fail(err, st == 404 ? EAA_E_INVALID : EAA_E_REJECTED,
				 "cc_kbc: resource %s: %ld: %s", path, st,
				 detail(&b, why, sizeof(why)));
		break;
	}
	drop(&b);
	return ok;
}

/* A resource from the KBS that last answered, and when it cannot be
 * reached from each next one in turn, attesting there anew. Any answer
 * ends the call with that answer (see the top of this file). */
static bool get(struct cc *c, const char *path, uint8_t **out, size_t *n, struct eaa_err *err)
{
	bool ok;

	for (unsigned i = 0; i < c->nkbs; i++) {
		unsigned at = (c->next + i) % c->nkbs;

		if (at != c->at) {
			/* the session was another KBS's */
			c->attested = false;
			EVP_PKEY_free(c->tee_key);
			c->tee_key = NULL;
			c->at = at;
		}
		c->unreached = false;
		ok = get_at(c, path, out, n, err);
		if (!ok && c->unreached) {
			if (c->nkbs > 1)
				LOG_WARN("%s%s", err->msg,
					 i + 1 < c->nkbs ? ": trying the next KBS" : "");
			continue;
		}
		/* served or refused, this KBS is up: the next call starts
		 * here, on its session */
		if (at != c->next)
			LOG_WARN("cc_kbc: the KBS at %s answered in place of %s",
				 c->kbs[at].base, c->kbs[c->next].base);
		c->next = at;
		return ok;
	}
	return false;
}

static void cc_close(void *kbc)
{
	struct cc *c = kbc;

	if (!c)
		return;
	for (unsigned i = 0; i < c->nkbs; i++)
		if (c->kbs[i].h)
			curl_easy_cleanup(c->kbs[i].h);
	rats_raw_attester_free(c->att);
	EVP_PKEY_free(c->tee_key);
	free(c);
}

/* URL i (from 1) of list, p its n bytes, checked (as one URL has always
 * been) into k->base; the error names which one is wrong. */
static bool url_take(struct kbs *k, const char *list, unsigned i, const char *p, size_t n,
		     const struct aa_kbc_conf *conf, struct eaa_err *err)
{
	bool https = n >= 8 && strncmp(p, "https://", 8) == 0;
	bool http = n >= 7 && strncmp(p, "http://", 7) == 0;
	size_t scheme = https ? 8 : 7;
	char which[400];

	if (strchr(list, ','))
		snprintf(which, sizeof(which), "URL %u (\"%.*s\") of \"%.200s\"", i,
			 (int)(n < 80 ? n : 80), p, list);
	else
		snprintf(which, sizeof(which), "\"%.200s\"", list);
	if (n == 0)
		return eaa_fail(err, EAA_E_CONFIG, "cc_kbc: URL %u of \"%.200s\" is empty: want "
				"https://HOST:PORT, or several separated by commas", i, list);
	if ((!https && !http) || n >= sizeof(k->base) || n == scheme ||
	    memchr(p + scheme, '/', n - scheme))
		return eaa_fail(err, EAA_E_CONFIG, "cc_kbc: want https://HOST:PORT (or http://), "
				"not %s", which);
	memcpy(k->base, p, n);
	k->base[n] = '\0';
	if (!https && !conf->insecure_broker)
		return eaa_fail(err, EAA_E_CONFIG, "cc_kbc: %s is plain HTTP: nothing "
				"authenticates the KBS; use https:// with --broker-ca or "
				"--broker-pubkey, or say --insecure-broker", k->base);
	if (https && !conf->broker_ca && !conf->broker_pubkey && !conf->insecure_broker)
		return eaa_fail(err, EAA_E_CONFIG, "cc_kbc: %s: pin the KBS with --broker-ca or "
				"--broker-pubkey (or say --insecure-broker)", k->base);
	return true;
}

/* "URL[,URL...]" into c->kbs, each checked; at most MAX_KBS. */
static bool urls_take(struct cc *c, const char *list, const struct aa_kbc_conf *conf,
		      struct eaa_err *err)
{
	const char *p = list;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (c->nkbs == MAX_KBS)
			return eaa_fail(err, EAA_E_CONFIG, "cc_kbc: URL %d of \"%.200s\": at most "
					"%d KBS URLs", MAX_KBS + 1, list, MAX_KBS);
		if (!url_take(&c->kbs[c->nkbs], list, c->nkbs + 1, p, n, conf, err))
			return false;
		c->nkbs++;
		if (!comma)
			return true;
		p = comma + 1;
	}
}

/* A URL's connection: pinned as configured, only its own scheme. */
static CURL *handle_new(const char *base, const struct aa_kbc_conf *conf, long timeout)
{
	bool https = strncmp(base, "https://", 8) == 0;
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_COOKIEFILE, ""); /* the session cookie */
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, https ? "https" : "http");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (conf->broker_ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, conf->broker_ca);
	if (conf->broker_pubkey)
		curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, conf->broker_pubkey);
	if (https && conf->broker_pubkey && !conf->broker_ca) {
		/* the pinned key is the authentication: no CA to chain to */
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return h;
}

static void *cc_open(const char *uri, const struct aa_kbc_conf *conf, struct eaa_err *err)
{
	struct cc *c = calloc(1, sizeof(*c));
	size_t i;

	if (!c) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (!urls_take(c, uri, conf, err))
		goto fail;
	if (conf->attester && strcmp(conf->attester, "sample") == 0 && !conf->allow_sample) {
		eaa_fail(err, EAA_E_CONFIG, "cc_kbc: the sample attester proves nothing: it "
			 "needs --allow-sample");
		goto fail;
	}
	if (conf->kbs_sample_trustee && (!conf->attester || strcmp(conf->attester, "sample") != 0)) {
		eaa_fail(err, EAA_E_CONFIG, "cc_kbc: --kbs-sample-form trustee needs the sample "
			 "attester (--attester sample)");
		goto fail;
	}
	if (!(c->att = rats_raw_attester_new(conf->attester, conf->options, err)))
		goto fail;
	for (i = 0; i < sizeof(tees) / sizeof(tees[0]); i++)
		if (strcmp(tees[i].attester, rats_raw_attester_name(c->att)) == 0)
			c->tee = tees[i].tee;
	if (!c->tee) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "cc_kbc: the %s attester's evidence is not "
			 "carried in the KBS protocol yet", rats_raw_attester_name(c->att));
		goto fail;
	}
	c->timeout = conf->broker_timeout > 0 ? conf->broker_timeout : 60;
	for (i = 0; i < c->nkbs; i++)
		if (!(c->kbs[i].h = handle_new(c->kbs[i].base, conf, c->timeout))) {
			eaa_fail(err, EAA_E_NOMEM, "cc_kbc: cannot make an HTTP client");
			goto fail;
		}
	if (conf->insecure_broker)
		LOG_WARN("cc_kbc: --insecure-broker: %s is not authenticated", uri);
	if ((c->unsigned_sample = conf->kbs_sample_trustee))
		LOG_WARN("cc_kbc: --kbs-sample-form trustee: sending trustee's unsigned sample "
			 "evidence to %s: it proves nothing, anyone can write it", uri);
	return c;
fail:
	cc_close(c);
	return NULL;
}

static bool cc_unwrap(void *kbc, const struct kp_packet *pkt, uint8_t **out, size_t *n,
		      struct eaa_err *err)
{
	const char *path = aa_resource_path(pkt->kid, err);
	uint8_t *key = NULL;
	size_t keyn = 0;
	bool ok;

	if (!path || !get(kbc, path, &key, &keyn, err))
		return false;
	ok = aa_kbc_unwrap_with("cc_kbc", pkt, key, keyn, out, n, err);
	OPENSSL_cleanse(key, keyn);
	free(key);
	return ok;
}

static bool cc_resource(void *kbc, const char *path, uint8_t **out, size_t *n,
			struct eaa_err *err)
{
	return get(kbc, path, out, n, err);
}

const struct aa_kbc_ops aa_kbc_cc = {
	.name = "cc_kbc",
	.what = "Confidential Containers KBS protocol (trustee's /kbs/v0 0.4.0): "
		"cc_kbc::https://HOST:PORT[,https://HOST:PORT...]",
	.open = cc_open,
	.unwrap = cc_unwrap,
	.resource = cc_resource,
	.close = cc_close,
};
