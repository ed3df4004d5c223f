/* kbs.c - the CoCo KBS protocol endpoint (see kbs.h, docs/kbs-protocol.md). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ccel.h"
#include "csv.h"
#include "codec.h"
#include "file.h"
#include "initdata.h"
#include "jcs.h"
#include "jose.h"
#include "json_util.h"
#include "kbs.h"
#include "log.h"
#include "snp_json.h"
#include "store_pg.h"
#include "metrics.h"
#include "nv_trust.h"
#include "tpm_quote.h"
#include "verify_raw.h"

#define KBS_VERSION "0.4.0"
#define ERR_TYPE "https://github.com/confidential-containers/kbs/errors/"
/* trustee's body limit (http_server.payload_request_size, 2 MiB) */
#define MAX_BODY (2u * 1024u * 1024u)
#define EAR_PROFILE "tag:github.com,2024:confidential-containers/Trustee"

/* ---- sessions ---- */

enum sess_state { FREE, AUTHED, ATTESTED };

struct session {
	enum sess_state state;
	char id[33];         /* 32 lower-case hex digits */
	time_t end;          /* fixed at /auth */
	char tee[16];        /* as named at /auth */
	char nonce[45];      /* base64 of 32 random bytes */
	/* when ATTESTED: the token, its claims, and the decision that let
	 * it be issued (a resource request asks only whether it still
	 * holds: decide.h) */
	char *token;
	json_t *claims;
	char *tee_claims;    /* the TEE's claims, JSON text (the record's) */
	struct vd_decision d;
	EVP_PKEY *tee_key;   /* the runtime data's tee-pubkey, read once */
};

/* The table: buckets of WAYS sessions, chosen by the id's first hex
 * digits (the id is random), at twice the bound's size, so a lookup or an
 * insertion reads one bucket. A full bucket refuses /auth like a full
 * table (the client asks again, with another id). */
#define WAYS 8
static const struct vd_kbs_conf *cf;
static pthread_mutex_t sess_lock = PTHREAD_MUTEX_INITIALIZER;
static struct session *sessions;
static size_t nbuckets, live;
static EVP_PKEY *token_key;
static json_t *token_jwk; /* its public JWK, in every token's header */

static void sess_free(struct session *s)
{
	if (s->state != FREE)
		live--;
	/* the token is a bearer credential */
	if (s->token)
		OPENSSL_cleanse(s->token, strlen(s->token));
	free(s->token);
	json_decref(s->claims);
	free(s->tee_claims);
	EVP_PKEY_free(s->tee_key);
	memset(s, 0, sizeof(*s));
}

static struct session *bucket_of(const char *id)
{
	unsigned long h = strtoul((char[9]){ id[0], id[1], id[2], id[3], id[4], id[5], id[6],
					     id[7], 0 }, NULL, 16);

	return &sessions[(h & (nbuckets - 1)) * WAYS];
}

/* A free slot for a new session with this id (an ended session's counts
 * as free); NULL when the bound is reached or the bucket is full. Under
 * sess_lock. */
static struct session *slot_for_new(const char *id, time_t now)
{
	struct session *b = bucket_of(id), *free_slot = NULL;
	int i;

	for (i = 0; i < WAYS; i++) {
		if (b[i].state != FREE && b[i].end <= now)
			sess_free(&b[i]);
		if (b[i].state == FREE && !free_slot)
			free_slot = &b[i];
	}
	if (!free_slot || live >= cf->max_sessions)
		return NULL;
	live++;
	return free_slot;
}

/* The live session with this id; NULL when none (an ended one is freed).
 * Under sess_lock. */
static struct session *find(const char *id, time_t now)
{
	struct session *b;
	int i;

	if (!id || strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32)
		return NULL;
	b = bucket_of(id);
	for (i = 0; i < WAYS; i++) {
		if (b[i].state == FREE || CRYPTO_memcmp(b[i].id, id, 32) != 0)
			continue;
		if (b[i].end <= now) {
			sess_free(&b[i]);
			return NULL;
		}
		return &b[i];
	}
	return NULL;
}

/* ---- sessions in a shared store ----
 *
 * With several replicas on one PostgreSQL store a session is a row there
 * (store_pg.h), so a cookie works on any replica: {"tee", "nonce"} from
 * /auth, the nonce emptied by the one /attest it is good for (under the
 * row's lock: two replicas cannot both use it), then the token that
 * /attest issued. A resource request with the cookie is served as one
 * with that token as its bearer: decided now, on any replica. */

static struct vd_pg *shared(void)
{
	return vd_store_pg(cf->store);
}

/* vd_pg_session_edit's callback for /attest: take the nonce */
struct take {
	char tee[16], nonce[45];
	int64_t end; /* as /auth fixed it */
};

static char *take_nonce(const char *json, void *arg)
{
	struct take *t = arg;
	json_t *o = json_loads(json, 0, NULL);
	const char *tee = NULL, *nonce = NULL;
	char *out = NULL;

	if (o && json_unpack(o, "{s:s, s:s, s:I}", "tee", &tee, "nonce", &nonce, "end",
			     &t->end) == 0 && *nonce) {
		snprintf(t->tee, sizeof(t->tee), "%s", tee);
		snprintf(t->nonce, sizeof(t->nonce), "%s", nonce);
		json_object_set_new(o, "nonce", json_string(""));
		out = json_dumps(o, JSON_COMPACT);
	}
	json_decref(o);
	return out;
}

static char *set_token(const char *json, void *arg)
{
	json_t *o = json_loads(json, 0, NULL);
	char *out = NULL;

	if (o && json_object_set_new(o, "token", json_string(arg)) == 0)
		out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return out;
}

/* The token /attest issued in this shared session (malloc'd), or NULL;
 * *end: the session's end, as /auth fixed it. */
static char *shared_token(const char *id, time_t now, int64_t *end)
{
	char *json = NULL, *tok = NULL;
	struct eaa_err err = { 0 };
	bool missing;
	json_t *o;

	if (!id || strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32 ||
	    !vd_pg_session_get(shared(), id, (int64_t)now, &json, &missing, &err)) {
		if (id && !missing && err.code)
			LOG_WARN("kbs: session: %s", err.msg);
		return NULL;
	}
	if ((o = json_loads(json, 0, NULL)) && json_is_string(json_object_get(o, "token")) &&
	    json_is_integer(json_object_get(o, "end"))) {
		tok = strdup(json_string_value(json_object_get(o, "token")));
		*end = json_integer_value(json_object_get(o, "end"));
	}
	json_decref(o);
	OPENSSL_cleanse(json, strlen(json));
	free(json);
	return tok;
}

/* ---- answers ---- */

#define answer vd_kbs_answer

/* trustee's problem body: {"type": <prefix><variant>, "detail": ...}. */
static void problem(struct answer *a, unsigned status, const char *variant, const char *fmt, ...)
	EAA_PRINTF(4, 5);
static void problem(struct answer *a, unsigned status, const char *variant, const char *fmt, ...)
{
	char detail[600], type[160];
	json_t *o;
	va_list ap;

	char *p;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* details quote what the peer sent (a path, a version): printable
	 * ASCII only, so the body is always valid JSON text */
	for (p = detail; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	snprintf(type, sizeof(type), ERR_TYPE "%s", variant);
	o = json_pack("{s:s, s:s}", "type", type, "detail", detail);
	a->status = status;
	a->body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	a->type = "application/json";
	json_decref(o);
}

static void cookie_for(struct answer *a, const struct session *s)
{
	char when[64];
	struct tm tm;

	gmtime_r(&s->end, &tm);
	strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(a->cookie, sizeof(a->cookie),
		 "kbs-session-id=%s; Expires=%s; Path=/kbs/v0; HttpOnly; SameSite=Strict%s", s->id,
		 when, cf->insecure_http ? "" : "; Secure");
}

static void ok_json(struct answer *a, json_t *o)
{
	a->status = MHD_HTTP_OK;
	a->body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	a->type = "application/json";
	json_decref(o);
}

/* ---- /auth ---- */

static bool version_ok(const char *v)
{
	/* exactly 0.4.0, build metadata allowed (SemVer "=0.4.0") */
	size_t n = strlen(KBS_VERSION);

	return strncmp(v, KBS_VERSION, n) == 0 && (v[n] == '\0' || (v[n] == '+' && v[n + 1]));
}

/* The TEEs of kbs-types this endpoint knows, the verifier of each, and
 * the name its policy is decided by (vd_tee_of_verifier). A device (a
 * GPU, vd_tee_is_device) comes only as additional evidence. */
static const struct {
	const char *tee, *verifier, *policy;
	enum vd_tee t;
} tees[] = {
	{ "sample", "sample", "sample", VD_TEE_SAMPLE },
	{ "tdx", "tdx_ecdsa", "tdx_ecdsa", VD_TEE_TDX },
	{ "sgx", "sgx_ecdsa", "sgx_ecdsa", VD_TEE_SGX },
	{ "snp", "sev_snp", "sev_snp", VD_TEE_SNP },
	{ "tpm", "tpm", "tpm", VD_TEE_TPM },
	{ "csv", "csv", "csv", VD_TEE_CSV },
	{ "az-snp-vtpm", "az_snp_vtpm", "az_snp_vtpm", VD_TEE_AZ_SNP_VTPM },
	{ "az-tdx-vtpm", "az_tdx_vtpm", "az_tdx_vtpm", VD_TEE_AZ_TDX_VTPM },
	{ "sampledevice", "sample", "sampledevice", VD_TEE_SAMPLEDEVICE },
	{ "nvidia", "nvidia", "nvidia", VD_TEE_NVIDIA },
};

/* At most this many devices in one composite attestation (an HGX board
 * has 8 GPUs). */
#define MAX_DEVICES 16

static int tee_index(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(tees) / sizeof(tees[0]); i++)
		if (strcmp(tees[i].tee, name) == 0)
			return (int)i;
	return -1;
}

static void do_auth(const char *body, size_t len, struct answer *a)
{
	static const char *const all[] = { "az-snp-vtpm", "az-tdx-vtpm", "nvidia", "nvidia-dpu",
					   "sgx", "snp", "tdx", "cca", "csv", "se", "hygondcu",
					   "tpm", "sample", "sampledevice", NULL };
	json_error_t je;
	json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	const char *version = NULL, *tee = NULL;
	uint8_t nonce[32], id[16];
	struct session *s;
	time_t now = time(NULL);
	char *hex, *b64;
	int i, known = 0;

	if (!req || json_unpack(req, "{s:s, s:s}", "version", &version, "tee", &tee) != 0 ||
	    !json_object_get(req, "extra-params")) {
		json_decref(req);
		problem(a, 401, "AttestationError",
			"Attestation error: RCAR handshake Auth failed: deserialize Request");
		return;
	}
	if (!version_ok(version)) {
		problem(a, 401, "AttestationError",
			"Attestation error: RCAR handshake Auth failed: KBS Client Protocol Version "
			"Mismatch: expect =" KBS_VERSION " while the request is %.40s", version);
		json_decref(req);
		return;
	}
	for (i = 0; all[i]; i++)
		known |= strcmp(all[i], tee) == 0;
	if (!known) {
		problem(a, 401, "AttestationError",
			"Attestation error: RCAR handshake Auth failed: deserialize Request");
		json_decref(req);
		return;
	}
	if ((i = tee_index(tee)) >= 0 && vd_tee_is_device(tees[i].t)) {
		problem(a, 401, "AttestationError",
			"Attestation error: RCAR handshake Auth failed: %.40s is a device: its "
			"evidence comes as a CPU's additional evidence, never alone", tee);
		LOG_WARN("kbs: /auth refused: %.40s is a device, not a primary TEE", tee);
		json_decref(req);
		return;
	}
	if ((i = tee_index(tee)) < 0 || !cf->enabled[tees[i].t]) {
		problem(a, 401, "AttestationError",
			"Attestation error: RCAR handshake Auth failed: %.40s evidence is not "
			"accepted here (verdictd --verifier names the TEEs it accepts)", tee);
		LOG_WARN("kbs: /auth refused: %.40s is not a TEE this verdictd accepts", tee);
		json_decref(req);
		return;
	}
	if (RAND_bytes(nonce, sizeof(nonce)) != 1 || RAND_bytes(id, sizeof(id)) != 1 ||
	    !(hex = hex_encode(id, sizeof(id)))) {
		problem(a, 401, "AttestationError",
			"Attestation error: RCAR handshake Auth failed: Attestation Service generate "
			"challenge failed");
		json_decref(req);
		return;
	}
	b64 = base64_encode(nonce, sizeof(nonce), false);
	if (shared()) {
		struct session one = { .end = now + (time_t)cf->session_ttl };
		struct eaa_err err = { 0 };
		char *json = NULL;
		json_t *o = b64 ? json_pack("{s:s, s:s, s:I}", "tee", tee, "nonce", b64, "end",
					    (json_int_t)one.end) : NULL;

		if (o && (json = json_dumps(o, JSON_COMPACT)) &&
		    vd_pg_session_new(shared(), hex, one.end, now, cf->max_sessions, json, &err)) {
			snprintf(one.id, sizeof(one.id), "%s", hex);
			cookie_for(a, &one);
			ok_json(a, json_pack("{s:s, s:s}", "nonce", b64, "extra-params", ""));
		} else {
			LOG_WARN("kbs: /auth refused: %s", err.code ? err.msg : "out of memory");
			problem(a, 401, "AttestationError", "Attestation error: RCAR handshake Auth "
				"failed: %s", err.code == EAA_E_REJECTED ? "too many sessions; try "
				"again later" : "the session store failed");
		}
		free(json);
		json_decref(o);
		free(hex);
		free(b64);
		json_decref(req);
		return;
	}
	pthread_mutex_lock(&sess_lock);
	s = b64 ? slot_for_new(hex, now) : NULL;
	if (s) {
		s->state = AUTHED;
		snprintf(s->id, sizeof(s->id), "%s", hex);
		s->end = now + (time_t)cf->session_ttl;
		snprintf(s->tee, sizeof(s->tee), "%s", tee);
		snprintf(s->nonce, sizeof(s->nonce), "%s", b64);
		cookie_for(a, s);
	}
	pthread_mutex_unlock(&sess_lock);
	if (!s) {
		LOG_WARN("kbs: /auth refused: %u sessions are open (--kbs-max-sessions)",
			 cf->max_sessions);
		problem(a, 401, "AttestationError",
			"Attestation error: RCAR handshake Auth failed: too many sessions; try again "
			"later");
	} else {
		ok_json(a, json_pack("{s:s, s:s}", "nonce", b64, "extra-params", ""));
	}
	free(hex);
	free(b64);
	json_decref(req);
}

/* ---- /attest ---- */

/* An attested session in this replica's memory: its token, the claims
 * that were signed, the TEE's claims (the decision record borrows them)
 * and key; *claims, *ctext and *pk are the session's now. */
static void keep_attested(struct session *s, const char *token, json_t **claims, char **ctext,
			  const struct vd_decision *d, const char *verifier, EVP_PKEY **pk)
{
	s->state = ATTESTED;
	s->token = strdup(token);
	s->claims = *claims;
	*claims = NULL;
	s->tee_claims = *ctext;
	s->d = *d;
	s->d.claims = *ctext;
	s->d.verifier = verifier;
	s->tee_key = *pk;
	*pk = NULL;
	*ctext = NULL;
}

static pthread_mutex_t verifier_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rats_raw_verifier *verifiers[sizeof(tees) / sizeof(tees[0])];

static struct rats_raw_verifier *verifier_of(int i, struct eaa_err *err)
{
	struct rats_raw_verifier *v;

	pthread_mutex_lock(&verifier_lock);
	if (!verifiers[i])
		verifiers[i] = rats_raw_verifier_new(tees[i].verifier, cf->options, err);
	v = verifiers[i];
	pthread_mutex_unlock(&verifier_lock);
	return v;
}

/* The evidence's bytes from primary_evidence's member name (base64). */
static uint8_t *evidence_bytes(const json_t *ev, const char *name, size_t *n, struct eaa_err *err)
{
	const char *s = json_string_value(json_object_get(ev, name));
	uint8_t *b = NULL;

	if (!s) {
		eaa_fail(err, EAA_E_FORMAT, "primary_evidence has no \"%s\" string", name);
		return NULL;
	}
	if (!base64_decode(s, false, &b, n)) {
		eaa_fail(err, EAA_E_FORMAT, "primary_evidence.%s is not base64", name);
		return NULL;
	}
	return b;
}

/* trustee's sample evidence {"svn": string, "report_data": base64}, taken
 * only when the owner said so: its report_data must be the digest, and
 * the claims are trustee's sample verifier's (docs/kbs-protocol.md 13),
 * marked unsigned so a policy can tell. */
static json_t *unsigned_sample(const json_t *ev, const uint8_t digest[48], struct eaa_err *err)
{
	const char *svn = json_string_value(json_object_get(ev, "svn"));
	const char *rd = json_string_value(json_object_get(ev, "report_data"));
	uint8_t *b = NULL;
	size_t n = 0;
	char *end;
	long v;

	if (!svn || !rd) {
		eaa_fail(err, EAA_E_FORMAT, "unsigned sample evidence: want {\"svn\": string, "
			 "\"report_data\": base64}");
		return NULL;
	}
	v = strtol(svn, &end, 10);
	if (!*svn || *end || v < 0) {
		eaa_fail(err, EAA_E_FORMAT, "unsigned sample evidence: svn \"%.40s\" is not a "
			 "number", svn);
		return NULL;
	}
	if (!base64_decode(rd, false, &b, &n) || n != 48 || CRYPTO_memcmp(b, digest, 48) != 0) {
		free(b);
		eaa_fail(err, EAA_E_BINDING, "unsigned sample evidence: its report_data is not "
			 "the hash of this request's runtime data");
		return NULL;
	}
	free(b);
	return json_pack("{s:I, s:s, s:s, s:{s:i, s:i}, s:b, s:b}", "svn", (json_int_t)v,
			 "report_data", rd, "launch_digest", "abcde", "platform_version", "major", 1,
			 "minor", 4, "debug", 0, "unsigned", 1);
}

/* A TDX quote's CC event log (`cc_eventlog`, base64; absent, null or ""
 * when there is none): it must replay to the quote's RTMRs (the claims
 * rtmr0..rtmr3, just verified), and its verified events become the claim
 * `ccel` (src/intel/ccel.h). */
static bool tdx_event_log(const json_t *ev, json_t *claims, struct eaa_err *err)
{
	const char *b64 = json_string_value(json_object_get(ev, "cc_eventlog"));
	uint8_t rtmr[4][48], *log = NULL;
	json_t *events = NULL;
	size_t n = 0;
	int r;

	if (!b64 || !*b64)
		return true;
	for (r = 0; r < 4; r++) {
		char name[8];

		snprintf(name, sizeof(name), "rtmr%d", r);
		if (!hex_decode_fixed(json_string_value(json_object_get(claims, name)) ?
				      json_string_value(json_object_get(claims, name)) : "",
				      rtmr[r], 48))
			return eaa_fail(err, EAA_E_FORMAT, "tdx claims have no %s", name);
	}
	if (!base64_decode(b64, false, &log, &n))
		return eaa_fail(err, EAA_E_FORMAT, "primary_evidence.cc_eventlog is not base64");
	if (!ccel_check(log, n, (const uint8_t (*)[48])rtmr, &events, err)) {
		free(log);
		return false;
	}
	free(log);
	json_object_set_new(claims, "ccel", events);
	return true;
}

/* SEV-SNP evidence in trustee's JSON form (src/amd/snp_json.h): the report
 * written back into its bytes, the VCEK from its chain (or, without one,
 * from AMD's KDS when sev_snp.kds is configured), then the same verifier
 * as the listener's. */
static json_t *snp_evidence(int i, const json_t *ev, const uint8_t digest[48],
			    struct eaa_err *err)
{
	uint8_t raw[SNP_REPORT_SIZE], *der = NULL;
	const json_t *chain = json_object_get(ev, "cert_chain");
	struct rats_raw_verifier *v;
	json_t *claims = NULL;
	size_t n = 0;

	if (!snp_report_from_json(json_object_get(ev, "attestation_report"), raw, err) ||
	    (json_is_array(chain) && json_array_size(chain) &&
	     !snp_vcek_from_json(chain, &der, &n, err)))
		return NULL;
	if ((v = verifier_of(i, err)))
		rats_raw_verify(v, raw, sizeof(raw), der, n, digest, 48, &claims, err);
	free(der);
	return claims;
}

/* The trusted TPM attestation keys: verdictd's -o tpm.ak=FILE, the same
 * list its EAA listener's tpm verifier reads; loaded once. */
static pthread_mutex_t tpm_lock = PTHREAD_MUTEX_INITIALIZER;
static EVP_PKEY **tpm_aks;
static size_t tpm_naks;

static bool tpm_trust(struct eaa_err *err)
{
	const char *file = NULL;
	bool ok;

	for (const char *const *o = cf->options; o && *o; o++)
		if (strncmp(*o, "tpm.ak=", 7) == 0)
			file = *o + 7;
	pthread_mutex_lock(&tpm_lock);
	ok = tpm_naks || (file && tpm_load_aks(file, &tpm_aks, &tpm_naks, err));
	pthread_mutex_unlock(&tpm_lock);
	if (!ok && !file)
		eaa_fail(err, EAA_E_CONFIG, "TPM evidence: verdictd trusts no attestation key "
			 "(-o tpm.ak=FILE, from eaa-tpm ak)");
	return ok;
}

/* trustee's TPM evidence (tpm_quote.h): a quote by one of the trusted
 * AKs whose qualifyingData is the first 32 bytes of the digest (trustee's
 * attester cuts report_data to 32 bytes). */
static json_t *tpm_evidence(const json_t *ev, const uint8_t digest[48], struct eaa_err *err)
{
	struct tpm_quote *q = malloc(sizeof(*q));
	struct tpm_verify_opts o = { .nonce = digest, .nonce_len = 32 };
	EVP_PKEY *ak = NULL;
	json_t *claims = NULL;

	if (!q) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (tpm_trust(err) && tpm_trustee_parse(ev, q, &ak, err)) {
		o.aks = tpm_aks;
		o.naks = tpm_naks;
		if (tpm_trustee_verify(q, ak, &o, err) && !(claims = tpm_claims(q)))
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
		if (claims)
			json_object_set(claims, "ak_public", json_object_get(ev, "ak_public"));
	}
	EVP_PKEY_free(ak);
	free(q);
	return claims;
}

/* trustee's CSV evidence (csv_evidence_json: the report, its PEK and
 * serial number as csv-rs writes them) through the csv verifier, whose
 * HSK/CEK come from Hygon's service, its cache or csv.hsk_cek (the JSON's
 * own hsk_cek and cc_eventlog are not read). */
static json_t *csv_evidence(int i, const json_t *ev, const uint8_t digest[48],
			    struct eaa_err *err)
{
	char *text = json_dumps(ev, JSON_COMPACT);
	struct rats_raw_verifier *v;
	json_t *claims = NULL;
	uint8_t *raw = NULL;
	size_t n = 0;

	if (!text)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	else if (csv_evidence_json(text, strlen(text), &raw, &n, err) && (v = verifier_of(i, err)))
		rats_raw_verify(v, raw, n, NULL, 0, digest, 48, &claims, err);
	free(text);
	free(raw);
	return claims;
}

/* NVIDIA GPUs: the owner's RIMs, CRLs and OCSP responses (-o nvidia.*,
 * nv_trust.h), read once. */
static pthread_mutex_t nv_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nv_trust_files nv_files;
static bool nv_loaded;

static json_t *nvidia_evidence(const json_t *ev, const uint8_t digest[48], struct eaa_err *err)
{
	char *text = json_dumps(ev, JSON_COMPACT);
	json_t *claims = NULL;
	bool ok;

	pthread_mutex_lock(&nv_lock);
	ok = nv_loaded || (nv_loaded = nv_trust_load(&nv_files, (const char *const *)cf->options,
						     err));
	pthread_mutex_unlock(&nv_lock);
	if (!text)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	else if (ok)
		nv_evidence_verify((const uint8_t *)text, strlen(text), digest, 48, &nv_files.t,
				   &claims, err);
	free(text);
	return claims;
}

/* Azure vTPM evidence in trustee's JSON form (src/azure) through the
 * az_snp_vtpm / az_tdx_vtpm verifier: the digest is the TPM quote's
 * qualifyingData, whole (guest-components' Azure attesters pass the
 * report data to the vTPM as the quote's nonce). */
static json_t *azure_evidence(int i, const json_t *ev, const uint8_t digest[48],
			      struct eaa_err *err)
{
	char *text = json_dumps(ev, JSON_COMPACT);
	struct rats_raw_verifier *v;
	json_t *claims = NULL;

	if (!text)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	else if ((v = verifier_of(i, err)))
		rats_raw_verify(v, (const uint8_t *)text, strlen(text), NULL, 0, digest, 48,
				&claims, err);
	free(text);
	return claims;
}

/* Verify the primary evidence of TEE i bound to digest (48 bytes). */
static json_t *verify_evidence(int i, const json_t *ev, const uint8_t digest[48],
			       struct eaa_err *err)
{
	struct rats_raw_verifier *v;
	json_t *claims = NULL;
	uint8_t *b;
	size_t n;

	if (!json_is_object(ev)) {
		eaa_fail(err, EAA_E_FORMAT, "primary_evidence is not an object");
		return NULL;
	}
	if (tees[i].t == VD_TEE_SAMPLE && !json_object_get(ev, "report")) {
		/* trustee's sample evidence: unsigned JSON anyone can write */
		if (!cf->unsigned_sample) {
			eaa_fail(err, EAA_E_NO_EVIDENCE, "sample evidence without a signed "
				 "\"report\" (trustee's unsigned sample evidence proves nothing and "
				 "is refused; --kbs-accept-unsigned-sample-that-proves-nothing takes "
				 "it, for tests)");
			return NULL;
		}
		return unsigned_sample(ev, digest, err);
	}
	if (tees[i].t == VD_TEE_SNP)
		return snp_evidence(i, ev, digest, err);
	if (tees[i].t == VD_TEE_TPM)
		return tpm_evidence(ev, digest, err);
	if (tees[i].t == VD_TEE_CSV)
		return csv_evidence(i, ev, digest, err);
	if (tees[i].t == VD_TEE_AZ_SNP_VTPM || tees[i].t == VD_TEE_AZ_TDX_VTPM)
		return azure_evidence(i, ev, digest, err);
	if (tees[i].t == VD_TEE_NVIDIA)
		return nvidia_evidence(ev, digest, err);
	if (!(b = evidence_bytes(ev, tees[i].t == VD_TEE_SAMPLE ||
				     tees[i].t == VD_TEE_SAMPLEDEVICE ? "report" : "quote", &n, err)))
		return NULL;
	if ((v = verifier_of(i, err)))
		rats_raw_verify(v, b, n, NULL, 0, digest, 48, &claims, err);
	free(b);
	if (claims && tees[i].t == VD_TEE_TDX && !tdx_event_log(ev, claims, err)) {
		json_decref(claims);
		return NULL;
	}
	return claims;
}

/* init-data (docs/kbs-protocol.md 7.4): TOML only, read as trustee's
 * Initdata (initdata.h); its digest, by the document's own algorithm over
 * the text as sent, must be what the TEE measured as its configuration
 * (TDX MRCONFIGID, SNP HOST_DATA, SGX CONFIGID: padded or truncated to
 * the field; a TPM's PCR 8); the sample TEE has no such field, so the
 * digest only goes into the claims. The digest's hex goes to hex (129
 * bytes) and into the claims as init_data, the document's claims to
 * *init_claims (for the token). Absent or null: nothing to bind. */
static bool init_data_bind(int i, const json_t *init, json_t *claims, char hex[129],
			   json_t **init_claims, struct eaa_err *err)
{
	const char *format, *body, *field = NULL, *have;
	uint8_t md[64], want[64] = { 0 };
	unsigned mdlen = 0;
	size_t flen = 0, k;
	const EVP_MD *alg;
	char *h;

	if (!init || json_is_null(init))
		return true;
	if (json_unpack((json_t *)init, "{s:s, s:s}", "format", &format, "body", &body) != 0)
		return eaa_fail(err, EAA_E_FORMAT, "init-data: want {\"format\", \"body\"}");
	if (strcmp(format, "toml") != 0)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "init-data: format \"%.20s\": only toml",
				format);
	if (!vd_initdata_read(body, strlen(body), &alg, init_claims, err))
		return false;
	if (EVP_Digest(body, strlen(body), md, &mdlen, alg, NULL) != 1)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "init-data: its digest");
	switch (tees[i].t) {
	case VD_TEE_TDX: field = "mr_config_id", flen = 48; break;
	case VD_TEE_SNP: field = "host_data", flen = 32; break;
	case VD_TEE_SGX: field = "config_id", flen = 64; break;
	case VD_TEE_TPM: field = "pcr8", flen = 32; break;
	/* Azure: the vTPM's PCR 8, which the claims name init_data as
	 * trustee's do */
	case VD_TEE_AZ_SNP_VTPM:
	case VD_TEE_AZ_TDX_VTPM: field = "init_data", flen = 32; break;
	default: break;
	}
	if (field && flen == 32 && (tees[i].t == VD_TEE_TPM || tees[i].t == VD_TEE_AZ_SNP_VTPM ||
				    tees[i].t == VD_TEE_AZ_TDX_VTPM)) {
		/* trustee's TPM attester extends PCR 8 once from zero with
		 * the SHA-256 digest: PCR 8 = SHA-256(32 zero bytes || digest) */
		uint8_t ext[64] = { 0 };

		if (mdlen != 32)
			return eaa_fail(err, EAA_E_UNSUPPORTED, "init-data: a TPM binds a "
					"sha256 digest (PCR 8), not %s", EVP_MD_get0_name(alg));
		memcpy(ext + 32, md, 32);
		SHA256(ext, sizeof(ext), want);
	} else if (field) {
		memcpy(want, md, mdlen < flen ? mdlen : flen);
	}
	if (field) {
		if (!(have = json_string_value(json_object_get(claims, field))) ||
		    strlen(have) != 2 * flen)
			return eaa_fail(err, EAA_E_BINDING, "init-data: the evidence has no %s", field);
		if (!(h = hex_encode(want, flen)))
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		for (k = 0; h[k] && tolower((unsigned char)have[k]) == h[k]; k++)
			;
		free(h);
		if (k != 2 * flen)
			return eaa_fail(err, EAA_E_BINDING, "init-data: its %s digest is not the "
					"evidence's %s%s", EVP_MD_get0_name(alg), field,
					tees[i].t == VD_TEE_TPM || tees[i].t == VD_TEE_AZ_SNP_VTPM ||
					tees[i].t == VD_TEE_AZ_TDX_VTPM ? " (extended once from zero)" : "");
	}
	if (!(h = hex_encode(md, mdlen)))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (tees[i].t == VD_TEE_CSV) {
		/* no field of a CSV report binds it (trustee skips it with a
		 * warning): never claimed as init_data, which says "bound",
		 * and its contents stay out of the token (trustee's token
		 * leaves them out too: its CSV verifier reports no init_data) */
		json_object_set_new(claims, "init_data_unbound", json_string(h));
		json_decref(*init_claims);
		*init_claims = NULL;
		free(h);
		return true;
	}
	snprintf(hex, 129, "%s", h);
	free(h);
	json_object_set_new(claims, "init_data", json_string(hex));
	return true;
}

/* One device of a composite attestation: verified, and allowed by its
 * own policy. */
struct device {
	int i;                   /* its row in tees[] */
	json_t *claims;
	char *ctext;
	struct vd_decision d;
};

static void devices_free(struct device *dev, int n)
{
	int k;

	for (k = 0; k < n; k++) {
		json_decref(dev[k].claims);
		free(dev[k].ctext);
	}
}

/* An EAR appraisal (docs/kbs-protocol.md 9.4): the trust vector the
 * owner's policy gave d, and what it was given. NULL with err set when the
 * policy gave none. Takes annotated. */
static json_t *appraisal(const struct vd_decision *d, json_t *annotated, struct eaa_err *err)
{
	int vec[VD_TRUST_CLAIMS];
	const char *status = "none";
	char why[400];
	json_t *a;

	/* the owner's policy said allow; its trust_claims make the
	 * appraisal: no token without one */
	if (!vd_trust_vector(cf->decider, d, vec, &status, why, sizeof(why))) {
		json_decref(annotated);
		eaa_fail(err, EAA_E_CONFIG, "%s", why);
		return NULL;
	}
	a = json_pack("{s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:s, s:o}",
		      "ear.status", status,
		      "ear.trustworthiness-vector", vd_trust_names[0], vec[0], vd_trust_names[1],
		      vec[1], vd_trust_names[2], vec[2], vd_trust_names[3], vec[3],
		      vd_trust_names[4], vec[4], vd_trust_names[5], vec[5], vd_trust_names[6],
		      vec[6], vd_trust_names[7], vec[7], "ear.appraisal-policy-id", d->policy,
		      "ear.veraison.annotated-evidence", annotated);
	if (!a)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	return a;
}

/* The runtime data a device's evidence binds, as trustee gives it to
 * every additional evidence: the session's TEE key and nonce, without the
 * additional evidence itself; and its SHA-384 over RFC 8785 JSON. */
static json_t *device_runtime_data(const json_t *key, const char *nonce, uint8_t digest[48],
				   struct eaa_err *err)
{
	json_t *rd = json_pack("{s:O, s:s}", "tee-pubkey", key, "nonce", nonce);
	unsigned int dlen = 0;
	char *canon = NULL;
	size_t n;

	if (!rd || !(canon = jcs_serialize(rd, &n, err)) ||
	    EVP_Digest(canon, n, digest, &dlen, EVP_sha384(), NULL) != 1) {
		if (err->code == EAA_OK)
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
		json_decref(rd);
		rd = NULL;
	}
	free(canon);
	return rd;
}

/* The additional evidence (docs/kbs-protocol.md 7.5): a JSON object
 * {TEE: evidence} sent as a string, as trustee reads it. Each must be a
 * device TEE this verdictd enabled, its evidence bound to
 * device_runtime_data, and allowed by its own policy. Returns how many
 * (dev[] filled), or -1 with err set; *why names a policy's refusal. */
static int attest_devices(const char *add, const json_t *key, const char *nonce,
			  struct device *dev, char *why, size_t cap, struct eaa_err *err)
{
	json_t *all = json_loads(add, JSON_REJECT_DUPLICATES, NULL), *ev, *rd, *claims;
	const char *name;
	uint8_t digest[48];
	char gname[24];
	json_int_t count, g;
	int n = 0, j;

	why[0] = '\0';
	if (!json_is_object(all) || json_object_size(all) == 0) {
		json_decref(all);
		eaa_fail(err, EAA_E_FORMAT, "additional_evidence is not a JSON object of TEE: "
			 "evidence");
		return -1;
	}
	if (json_object_size(all) > MAX_DEVICES) {
		json_decref(all);
		eaa_fail(err, EAA_E_FORMAT, "additional_evidence names %zu devices, at most %d",
			 json_object_size(all), MAX_DEVICES);
		return -1;
	}
	json_object_foreach(all, name, ev) {
		if ((j = tee_index(name)) < 0 || !vd_tee_is_device(tees[j].t)) {
			eaa_fail(err, EAA_E_UNSUPPORTED, "additional_evidence: %.40s is not a device "
				 "TEE verdictd knows (sampledevice)", name);
			goto fail;
		}
		if (!cf->enabled[tees[j].t]) {
			eaa_fail(err, EAA_E_UNSUPPORTED, "additional_evidence: %.40s evidence is not "
				 "accepted here (verdictd --verifier names the TEEs it accepts)", name);
			goto fail;
		}
		if (!(rd = device_runtime_data(key, nonce, digest, err)))
			goto fail;
		if (!(claims = verify_evidence(j, ev, digest, err))) {
			json_decref(rd);
			eaa_err_prefix(err, "additional_evidence %s", name);
			goto fail;
		}
		/* one entry, one device; but NVIDIA's lists every GPU of the
		 * guest ({"gpu_count": N, "gpu0": ...}): one device each, as
		 * trustee gives each its appraisal */
		count = tees[j].t == VD_TEE_NVIDIA ?
			json_integer_value(json_object_get(claims, "gpu_count")) : 1;
		for (g = 0; g < count; g++) {
			json_t *c;

			if (n == MAX_DEVICES) {
				json_decref(claims);
				json_decref(rd);
				eaa_fail(err, EAA_E_FORMAT, "additional_evidence: more than %d devices",
					 MAX_DEVICES);
				goto fail;
			}
			if (tees[j].t == VD_TEE_NVIDIA) {
				snprintf(gname, sizeof(gname), "gpu%lld", (long long)g);
				c = json_deep_copy(json_object_get(claims, gname));
			} else {
				c = json_incref(claims);
			}
			if (!json_is_object(c)) {
				json_decref(c);
				json_decref(claims);
				json_decref(rd);
				eaa_fail(err, EAA_E_FORMAT, "additional_evidence %s: no claims for "
					 "its device %lld", name, (long long)g);
				goto fail;
			}
			/* what the token shows it was given, as for the CPU */
			json_object_set(c, "runtime_data_claims", rd);
			dev[n] = (struct device){ .i = j, .claims = c };
			n++;
			if (!(dev[n - 1].ctext = json_dumps(c, JSON_COMPACT))) {
				json_decref(claims);
				json_decref(rd);
				eaa_fail(err, EAA_E_NOMEM, "out of memory");
				goto fail;
			}
			vd_decide(cf->decider, tees[j].policy, dev[n - 1].ctext, &dev[n - 1].d);
			if (!dev[n - 1].d.allow) {
				snprintf(why, cap, "device %s (gpu%d): %s%s%s", name, n - 1,
					 dev[n - 1].d.why, dev[n - 1].d.explain[0] ? ": " : "",
					 dev[n - 1].d.explain);
				json_decref(claims);
				json_decref(rd);
				eaa_fail(err, EAA_E_REJECTED, "%s", why);
				goto fail;
			}
		}
		json_decref(claims);
		json_decref(rd);
		if (count < 1) {
			eaa_fail(err, EAA_E_FORMAT, "additional_evidence %s: no device", name);
			goto fail;
		}
	}
	json_decref(all);
	return n;
fail:
	json_decref(all);
	devices_free(dev, n);
	return -1;
}

/* Every device a token names (submods gpuN) still allowed by its policy,
 * as the CPU's is at each release: a revocation reaches the GPUs too. A
 * submod this verdictd cannot read refuses. */
static bool devices_hold(const json_t *claims, char *why, size_t cap)
{
	const json_t *submods = json_object_get(claims, "submods"), *sub, *ae, *c;
	struct vd_decision d;
	const char *name, *k;
	char *ctext;
	int j;

	json_object_foreach((json_t *)submods, name, sub) {
		if (strcmp(name, "cpu0") == 0)
			continue;
		ae = json_object_get(sub, "ear.veraison.annotated-evidence");
		j = -1;
		c = NULL;
		json_object_foreach((json_t *)ae, k, c)
			if ((j = tee_index(k)) >= 0 && vd_tee_is_device(tees[j].t))
				break;
		if (j < 0 || !vd_tee_is_device(tees[j].t) || !json_is_object(c) ||
		    !(ctext = json_dumps(c, JSON_COMPACT))) {
			snprintf(why, cap, "the token's %s is no device verdictd knows", name);
			return false;
		}
		vd_decide(cf->decider, tees[j].policy, ctext, &d);
		free(ctext);
		if (!d.allow) {
			snprintf(why, cap, "device %s (%s): %s", k, name, d.why);
			return false;
		}
	}
	return true;
}

/* The EAR token for an allowed peer and its allowed devices
 * (docs/kbs-protocol.md 9). */
static char *make_token(int i, const struct vd_decision *d, json_t *claims,
			json_t *runtime_data, const uint8_t digest[48], const char *init_data,
			json_t *init_claims, const struct device *dev, int ndev,
			json_t **signed_claims, struct eaa_err *err)
{
	time_t now = time(NULL);
	char *hex, *tok = NULL, name[16];
	json_t *annotated, *body = NULL, *hdr, *cpu, *submods, *gpu;
	int k;

	if (!(hex = hex_encode(digest, 48))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	annotated = json_pack("{s:s, s:o, s:s, s:O, s:O}", "init_data", init_data, "init_data_claims",
			      init_claims ? json_incref(init_claims) : json_null(), "report_data", hex,
			      "runtime_data_claims", runtime_data, tees[i].tee, claims);
	free(hex);
	if (!(cpu = appraisal(d, annotated, err)))
		return NULL;
	submods = json_pack("{s:o}", "cpu0", cpu);
	/* each device: its claims under its TEE's name, as trustee's gpuN */
	for (k = 0; submods && k < ndev; k++) {
		snprintf(name, sizeof(name), "gpu%d", k);
		gpu = appraisal(&dev[k].d, json_pack("{s:O}", tees[dev[k].i].tee, dev[k].claims),
				err);
		if (!gpu || json_object_set_new(submods, name, gpu) != 0) {
			json_decref(submods);
			return NULL;
		}
	}
	if (submods)
		body = json_pack("{s:s, s:I, s:{s:s, s:s}, s:o, s:I, s:s}",
				 "eat_profile", EAR_PROFILE, "iat", (json_int_t)now, "ear.verifier-id",
				 "developer", "https://github.com/inclavare-containers/eaa", "build",
				 "verdictd", "submods", submods, "exp",
				 (json_int_t)(now + (time_t)cf->token_ttl), "iss", "verdictd");
	hdr = json_pack("{s:O}", "jwk", token_jwk);
	if (body && hdr)
		tok = jws_sign(token_key, hdr, body, err);
	else
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	/* what was signed, for the session (no need to verify our own
	 * token to read it back) */
	if (tok)
		*signed_claims = json_incref(body);
	json_decref(body);
	json_decref(hdr);
	return tok;
}

static void do_attest(const char *id, const char *body, size_t len, struct answer *a)
{
	json_error_t je;
	json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je), *rd, *key, *ev, *claims = NULL;
	const char *nonce = NULL, *add = "";
	struct device dev[MAX_DEVICES];
	int ndev = 0;
	char why[600];
	char tee[16] = "", expect_nonce[45] = "", *canon = NULL, *ctext = NULL, *token = NULL;
	char init_hex[129] = "";
	struct vd_decision d;
	struct eaa_err err = { 0 };
	struct session *s;
	time_t now = time(NULL);
	uint8_t digest[48];
	unsigned dlen = 0;
	size_t n;
	int i;
	EVP_PKEY *tee_pk = NULL;
	json_t *signed_claims = NULL, *init_claims = NULL;
	bool have = false;
	struct take t = { "", "", 0 }; /* a shared session's, from the store */

	/* the nonce is good for one /attest, whatever comes of it */
	if (shared()) {
		bool missing = false;

		if (id && strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32 &&
		    vd_pg_session_edit(shared(), id, (int64_t)now, take_nonce, &t, &missing, &err)) {
			snprintf(tee, sizeof(tee), "%s", t.tee);
			snprintf(expect_nonce, sizeof(expect_nonce), "%s", t.nonce);
		}
		if (err.code && !missing) {
			LOG_WARN("kbs: /attest: %s", err.msg);
			goto refuse;
		}
		err = (struct eaa_err){ 0 };
		have = !missing && id;
	} else {
		pthread_mutex_lock(&sess_lock);
		if ((s = find(id, now)) && s->state == AUTHED) {
			snprintf(tee, sizeof(tee), "%s", s->tee);
			snprintf(expect_nonce, sizeof(expect_nonce), "%s", s->nonce);
			s->nonce[0] = '\0';
		}
		have = s != NULL;
		pthread_mutex_unlock(&sess_lock);
	}
	if (!have || !expect_nonce[0]) {
		eaa_fail(&err, EAA_E_NONCE, "%s", !id ? "no kbs-session-id cookie" :
			 !have ? "no such session (or it ended)" :
			 "this session's nonce was used (one /attest per /auth)");
		goto refuse;
	}
	rd = json_object_get(req, "runtime-data");
	key = json_object_get(rd, "tee-pubkey");
	ev = json_object_get(json_object_get(req, "tee-evidence"), "primary_evidence");
	if (!req || json_unpack(rd, "{s:s}", "nonce", &nonce) != 0 || !json_is_object(key) || !ev) {
		eaa_fail(&err, EAA_E_FORMAT, "the request is not an Attestation (runtime-data "
			 "{nonce, tee-pubkey}, tee-evidence {primary_evidence})");
		goto refuse;
	}
	if (strcmp(nonce, expect_nonce) != 0) {
		eaa_fail(&err, EAA_E_NONCE, "runtime-data.nonce is not this session's nonce");
		goto refuse;
	}
	if (json_is_string(json_object_get(json_object_get(req, "tee-evidence"),
					   "additional_evidence")))
		add = json_string_value(json_object_get(json_object_get(req, "tee-evidence"),
							"additional_evidence"));
	{
		/* the key is checked now, not at the first resource: one
		 * verdictd cannot encrypt to is refused here */
		const char *alg = json_string_value(json_object_get(key, "alg"));

		if (!(tee_pk = jwk_to_public(key, &err)))
			goto refuse;
		if (!alg || (strcmp(alg, "ECDH-ES+A256KW") != 0 && strcmp(alg, "RSA-OAEP-256") != 0)) {
			eaa_fail(&err, EAA_E_UNSUPPORTED, "tee-pubkey.alg must be ECDH-ES+A256KW or "
				 "RSA-OAEP-256");
			goto refuse;
		}
		/* as every answer will read it: kept in the session */
		EVP_PKEY_free(tee_pk);
		if (!(tee_pk = jwe_tee_key(key, &err)))
			goto refuse;
	}
	/* what trustee binds (7.2 step 6): the key as parsed, the session's
	 * nonce and the additional evidence as received */
	rd = json_pack("{s:O, s:s, s:s}", "tee-pubkey", key, "nonce", expect_nonce,
		       "additional-evidence", add);
	if (!rd || !(canon = jcs_serialize(rd, &n, &err)) ||
	    EVP_Digest(canon, n, digest, &dlen, EVP_sha384(), NULL) != 1) {
		json_decref(rd);
		if (!err.code)
			eaa_fail(&err, EAA_E_NOMEM, "out of memory");
		goto refuse;
	}
	i = tee_index(tee);
	if (!(claims = verify_evidence(i, ev, digest, &err))) {
		json_decref(rd);
		goto refuse;
	}
	if (!init_data_bind(i, json_object_get(req, "init-data"), claims, init_hex, &init_claims,
			    &err)) {
		json_decref(rd);
		goto refuse;
	}
	ctext = json_dumps(claims, JSON_COMPACT);
	vd_decide(cf->decider, tees[i].verifier, ctext ? ctext : "", &d);
	if (!d.allow) {
		LOG_WARN("kbs: refused %s peer: %s%s%s", tee, d.why, d.explain[0] ? ": " : "",
			 d.explain);
		json_decref(rd);
		problem(a, 401, "AttestationError", "Attestation error: RCAR handshake Attest "
			"failed: %s", d.why);
		goto out;
	}
	/* the devices after the CPU: no GPU evidence is read for a peer
	 * its CPU's policy refused */
	if (*add && (ndev = attest_devices(add, key, expect_nonce, dev, why, sizeof(why),
					   &err)) < 0) {
		json_decref(rd);
		if (why[0]) {
			LOG_WARN("kbs: refused %s peer: %s", tee, why);
			problem(a, 401, "AttestationError", "Attestation error: RCAR handshake Attest "
				"failed: %s", why);
			goto out;
		}
		goto refuse;
	}
	if (!(token = make_token(i, &d, claims, rd, digest, init_hex, init_claims, dev, ndev,
				 &signed_claims, &err))) {
		json_decref(rd);
		goto refuse;
	}
	json_decref(rd);
	LOG_INFO("kbs: allowed %s peer: %s", tee, d.why);
	if (shared()) {
		struct session one = { .end = now + (time_t)cf->session_ttl };
		bool missing;

		/* the cookie's session now holds the token (its end is the
		 * one /auth fixed: the row's; the cookie says no later) */
		if (vd_pg_session_edit(shared(), id, (int64_t)now, set_token, token, &missing,
				       &err)) {
			one.end = (time_t)t.end;
			snprintf(one.id, sizeof(one.id), "%s", id);
			cookie_for(a, &one);
			/* and in this replica's memory, until the same end: its
			 * resources need neither the store's session nor the
			 * token's signature checked again (another replica's do) */
			pthread_mutex_lock(&sess_lock);
			if ((s = slot_for_new(id, now))) {
				snprintf(s->id, sizeof(s->id), "%s", id);
				s->end = (time_t)t.end;
				snprintf(s->tee, sizeof(s->tee), "%s", tee);
				keep_attested(s, token, &signed_claims, &ctext, &d, tees[i].verifier,
					      &tee_pk);
			}
			pthread_mutex_unlock(&sess_lock);
		} else if (err.code) {
			LOG_WARN("kbs: /attest: the session keeps no token: %s", err.msg);
		}
		ok_json(a, json_pack("{s:s}", "token", token));
		goto out;
	}
	pthread_mutex_lock(&sess_lock);
	if ((s = find(id, now)) && s->state == AUTHED) {
		keep_attested(s, token, &signed_claims, &ctext, &d, tees[i].verifier, &tee_pk);
		cookie_for(a, s);
	}
	pthread_mutex_unlock(&sess_lock);
	ok_json(a, json_pack("{s:s}", "token", token));
	goto out;
refuse:
	LOG_WARN("kbs: /attest refused (%s): %s", tee[0] ? tee : "no session", err.msg);
	problem(a, 401, "AttestationError", "Attestation error: RCAR handshake Attest failed: %s",
		err.msg);
out:
	devices_free(dev, ndev > 0 ? ndev : 0);
	free(canon);
	free(ctext);
	if (token)
		OPENSSL_cleanse(token, strlen(token));
	free(token);
	EVP_PKEY_free(tee_pk);
	json_decref(signed_claims);
	json_decref(init_claims);
	json_decref(claims);
	json_decref(req);
}

/* ---- /resource ---- */

/* A session another replica attested, once its token verified and a
 * release was decided here: kept in this replica's memory until the end
 * /auth fixed, so its next requests here are served as the attesting
 * replica serves them (no store, no signature). Best effort: a full
 * table keeps nothing. */
static void remember(const char *id, time_t now, int64_t end, const char *token,
		     json_t *claims, const char *ctext, const struct vd_decision *d,
		     const char *verifier, const json_t *teekey)
{
	struct eaa_err err = { 0 };
	EVP_PKEY *k = jwe_tee_key(teekey, &err);
	json_t *c = json_incref(claims);
	char *ct = ctext ? strdup(ctext) : NULL;
	struct session *s;

	pthread_mutex_lock(&sess_lock);
	if (k && ct && end > now && !find(id, now) && (s = slot_for_new(id, now))) {
		snprintf(s->id, sizeof(s->id), "%s", id);
		s->end = (time_t)end;
		snprintf(s->tee, sizeof(s->tee), "%s", d->tee < VD_TEE_COUNT ?
			 vd_tee_name(d->tee) : "");
		keep_attested(s, token, &c, &ct, d, verifier, &k);
	}
	pthread_mutex_unlock(&sess_lock);
	json_decref(c);
	free(ct);
	EVP_PKEY_free(k);
}

static bool segment_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || s[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", s[i]))
			return false;
	return true;
}

/* "repo/type/tag": three segments of [A-Za-z0-9_-][A-Za-z0-9_.-]*. */
static bool path_ok(const char *p)
{
	const char *a = strchr(p, '/'), *b = a ? strchr(a + 1, '/') : NULL;

	return a && b && !strchr(b + 1, '/') && segment_ok(p, (size_t)(a - p)) &&
	       segment_ok(a + 1, (size_t)(b - a - 1)) && segment_ok(b + 1, strlen(b + 1));
}

static const char *bearer(const char *authorization)
{
	const char *h = authorization;

	return h && strncmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
}

static void do_resource(const char *authorization, const char *id, const char *path,
			struct answer *a)
{
	json_t *claims = NULL, *ae, *tee_claims = NULL, *teekey;
	const char *tok = NULL, *tee = NULL, *k;
	char *ctext = NULL, *jwe = NULL, why[600];
	struct vd_decision d;
	struct eaa_err err = { 0 };
	struct session *s;
	time_t now = time(NULL);
	uint8_t *data = NULL, key[VD_KEY_LEN];
	size_t n = 0;
	int i;
	bool is_key, from_session = false, allowed;
	int redecided = 0;
	EVP_PKEY *pk = NULL; /* the session's TEE key, read at /attest */

	char *stok = NULL; /* a shared session's token */
	int64_t store_end = 0;

	/* a session's token was made here and kept in memory: its claims and
	 * the decision that let it be issued are in the session */
	pthread_mutex_lock(&sess_lock);
	if ((s = find(id, now)) && s->state == ATTESTED && s->claims && s->tee_claims) {
		claims = json_deep_copy(s->claims);
		ctext = strdup(s->tee_claims);
		d = s->d;
		from_session = true;
		if (s->tee_key && EVP_PKEY_up_ref(s->tee_key) == 1)
			pk = s->tee_key;
	}
	pthread_mutex_unlock(&sess_lock);
	/* a session another replica attested: its token, from the store */
	if (!from_session && shared() && id && !bearer(authorization) &&
	    (stok = shared_token(id, now, &store_end)))
		tok = stok;
	if (!from_session) {
		if (!tok && !(tok = bearer(authorization))) {
			problem(a, 401, "TokenNotFound", "Attestation Token not found");
			goto out;
		}
		claims = jws_verify(tok, strlen(tok), token_key, NULL, &err);
	}
	if (!claims || !json_is_integer(json_object_get(claims, "exp")) ||
	    json_integer_value(json_object_get(claims, "exp")) <= (json_int_t)now) {
		LOG_WARN("kbs: resource %s refused: %s", path,
			 claims ? "the token has expired" : err.msg);
		problem(a, 401, "TokenVerifierError", "Token Verifier error");
		goto out;
	}
	ae = json_object_get(json_object_get(json_object_get(claims, "submods"), "cpu0"),
			     "ear.veraison.annotated-evidence");
	teekey = json_object_get(json_object_get(ae, "runtime_data_claims"), "tee-pubkey");
	json_object_foreach(ae, k, tee_claims) {
		if (tee_index(k) >= 0) {
			tee = k;
			break;
		}
	}
	if (!tee || !teekey || !json_is_object(tee_claims)) {
		problem(a, 401, "TokenVerifierError", "Token Verifier error");
		goto out;
	}
	/* decided again when the store or the policy changed since /attest
	 * (a session's record), or now (a bearer token): a revocation
	 * reaches tokens already issued, as it reaches open channels */
	i = tee_index(tee);
	if (!from_session)
		ctext = json_dumps(tee_claims, JSON_COMPACT);
decide:
	if (from_session) {
		bool again;

		d.claims = ctext;
		allowed = vd_decision_holds(cf->decider, &d, &again);
	} else {
		vd_decide(cf->decider, tees[i].verifier, ctext ? ctext : "", &d);
		allowed = d.allow;
	}
	if (!allowed) {
		LOG_WARN("kbs: resource %s refused to a %s peer: %s", path, tee, d.why);
		problem(a, 403, "PolicyDeny", "Access denied by policy");
		goto out;
	}
	if (!devices_hold(claims, why, sizeof(why))) {
		LOG_WARN("kbs: resource %s refused to a %s peer: %s", path, tee, why);
		problem(a, 403, "PolicyDeny", "Access denied by policy");
		goto out;
	}
	if (!path_ok(path)) {
		problem(a, 404, "PluginInternalError", "resource path %.200s is not repo/type/tag",
			path);
		goto out;
	}
	/* read first (one read of the store, not a look and a read), released
	 * only if the resource policy allows it */
	err = (struct eaa_err){ 0 };
	if (vd_key_get(cf->store, path, key, &err) && (data = malloc(VD_KEY_LEN))) {
		memcpy(data, key, VD_KEY_LEN);
		n = VD_KEY_LEN;
	}
	OPENSSL_cleanse(key, sizeof(key));
	is_key = data || err.code != EAA_E_INVALID;
	if (!is_key) {
		err = (struct eaa_err){ 0 };
		if (!vd_named_get(cf->store, path, &data, &n, &err) && err.code == EAA_E_INVALID)
			eaa_fail(&err, EAA_E_IO, "no such key or resource");
	}
	{
		struct vd_rp_request q = { .tee = vd_tee_name(tees[i].t), .claims = ctext,
					   .command = "KBS resource",
					   .kid = is_key ? path : NULL,
					   .resource = is_key ? NULL : path, .ear = claims };
		char rel[4200];

		snprintf(rel, sizeof(rel), "%s/%s", is_key ? "keys" : "resources", path);
		q.path = rel;
		if (!vd_rpolicy_allow(cf->rpolicy, &q, why, sizeof(why))) {
			problem(a, 403, "PolicyDeny", "Access denied by policy");
			goto out;
		}
	}
	if (!data) {
		if (err.code != EAA_E_IO)
			LOG_WARN("kbs: resource %s: %s", path, err.msg);
		problem(a, 404, "PluginInternalError", "resource %.200s: %s", path, err.msg);
		goto out;
	}
	/* a write (here, or another replica's, seen by the read) landed
	 * between the decision and the read: decide again on the store as it
	 * is now, so nothing is sent under a policy already replaced */
	if (vd_store_generation(cf->store) != d.generation) {
		OPENSSL_cleanse(data, n);
		free(data);
		data = NULL;
		n = 0;
		if (++redecided < 8)
			goto decide;
		problem(a, 503, "PluginInternalError", "the store kept changing; try again");
		goto out;
	}
	if (!(jwe = pk ? jwe_seal_key(pk, data, n, &err) : jwe_seal(teekey, data, n, &err))) {
		problem(a, 401, "JweError", "JWE failed: %s", err.msg);
		goto out;
	}
	LOG_INFO("kbs: released %s to a %s peer", path, tee);
	if (stok)
		remember(id, now, store_end, stok, claims, ctext, &d, tees[i].verifier, teekey);
	a->status = MHD_HTTP_OK;
	a->body = jwe;
	a->type = "application/json";
	jwe = NULL;
out:
	if (data)
		OPENSSL_cleanse(data, n);
	free(data);
	free(ctext);
	free(jwe);
	if (stok)
		OPENSSL_cleanse(stok, strlen(stok));
	free(stok);
	EVP_PKEY_free(pk);
	json_decref(claims);
}

/* ---- admin (trustee's admin API, the parts verdictd serves) ---- */

#define MAX_ADMIN_KEYS 8
static EVP_PKEY *admin_keys[MAX_ADMIN_KEYS];
static size_t nadmin;

/* The owner's public keys that may sign admin tokens (--kbs-admin-key):
 * EC P-256, P-384 or Ed25519, PEM, several per file. */
static bool load_admin_keys(const char *path, struct eaa_err *err)
{
	FILE *f;
	EVP_PKEY *k;

	if (!path)
		return true;
	if (!(f = fopen(path, "r")))
		return eaa_fail(err, EAA_E_IO, "--kbs-admin-key %s: %s", path, strerror(errno));
	while (nadmin < MAX_ADMIN_KEYS && (k = PEM_read_PUBKEY(f, NULL, NULL, NULL)))
		admin_keys[nadmin++] = k;
	fclose(f);
	if (!nadmin)
		return eaa_fail(err, EAA_E_CONFIG, "--kbs-admin-key %s: no PEM public key", path);
	return true;
}

/* An admin request's bearer token: signed by one of the owner's keys
 * (its alg the key's), with an exp not over 60 s past (trustee's rule).
 * No key configured: every admin request is refused. */
static bool admin_ok(const char *authorization, struct answer *a, const char *variant)
{
	const char *tok = bearer(authorization);
	time_t now = time(NULL);
	struct eaa_err err = { 0 };
	size_t i;

	if (!nadmin) {
		problem(a, 401, variant, "admin access denied: verdictd has no --kbs-admin-key");
		return false;
	}
	if (!tok) {
		problem(a, 401, variant, "admin access denied: no Authorization: Bearer token");
		return false;
	}
	for (i = 0; i < nadmin; i++) {
		json_t *claims = jws_verify(tok, strlen(tok), admin_keys[i], NULL, &err);
		json_t *exp = json_object_get(claims, "exp");
		bool ok = json_is_integer(exp) && json_integer_value(exp) + 60 > (json_int_t)now;

		json_decref(claims);
		if (ok)
			return true;
		if (claims)
			eaa_fail(&err, EAA_E_EXPIRED, "the token has no exp or has expired");
	}
	LOG_WARN("kbs: admin request refused: %s", err.msg);
	problem(a, 401, variant, "admin access denied: %s", err.msg);
	return false;
}

/* An admin request's JSON body, once its token passed: NULL (answered)
 * when the token does not; a body that is not JSON gives a NULL-safe
 * json_unpack failure to the caller (req NULL, *authed true). */
static json_t *admin_json(const char *authorization, const char *body, size_t len,
			  struct answer *a, bool *authed)
{
	json_error_t je;

	if (!(*authed = admin_ok(authorization, a, "AdminAuthAccess")))
		return NULL;
	return json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
}

static void do_admin_resource(const char *authorization, const char *path, const char *body,
			      size_t len, struct answer *a)
{
	struct eaa_err err = { 0 };

	if (!admin_ok(authorization, a, "AdminAuthInitialization"))
		return;
	if (!path_ok(path)) {
		problem(a, 401, "PluginInternalError", "resource path %.200s is not repo/type/tag",
			path);
		return;
	}
	if (!vd_named_set(cf->store, path, (const uint8_t *)body, len, &err)) {
		problem(a, 401, "PluginInternalError", "resource %.200s: %s", path, err.msg);
		return;
	}
	LOG_INFO("kbs: admin stored resource %s (%zu bytes)", path, len);
	a->status = MHD_HTTP_OK;
	a->body = strdup("");
	a->type = "text/xml";
}

static void do_admin_delete(const char *authorization, const char *path, struct answer *a)
{
	struct eaa_err err = { 0 };

	if (!admin_ok(authorization, a, "AdminAuthInitialization"))
		return;
	if (!path_ok(path) || !vd_named_delete(cf->store, path, &err)) {
		problem(a, 401, "PluginInternalError", "resource %.200s: %s", path,
			err.code ? err.msg : "not repo/type/tag");
		return;
	}
	LOG_INFO("kbs: admin deleted resource %s", path);
	a->status = MHD_HTTP_OK;
	a->body = strdup("");
	a->type = "text/xml";
}

static void do_admin_resource_policy(const char *authorization, const char *body, size_t len,
				     struct answer *a)
{
	json_t *req;
	const char *b64 = NULL;
	uint8_t *text = NULL;
	size_t n = 0;
	struct eaa_err err = { 0 };
	bool authed;

	req = admin_json(authorization, body, len, a, &authed);
	if (!authed)
		return;
	if (json_unpack(req, "{s:s}", "policy", &b64) != 0 ||
	    !(text = b64url_decode(b64, strlen(b64), &n))) {
		problem(a, 401, "ParsePolicyError", "Failed to parse policy: want {\"policy\": "
			"base64url of the Rego text, unpadded}");
	} else if (!vd_opa_set(cf->store, VD_OPA_RESOURCE, false, (const char *)text, n, &err)) {
		problem(a, 401, "PolicyEngineError", "Policy engine error: %s", err.msg);
	} else {
		LOG_INFO("kbs: admin set the resource policy");
		a->status = MHD_HTTP_OK;
		a->body = strdup("");
	}
	free(text);
	json_decref(req);
}

/* The store's name of a TEE policy ("sgx" ... "sample"; with resource,
 * also "resource"), or -1. */
static int opa_of(const char *name, size_t n, bool resource)
{
	int t;

	for (t = 0; t <= (resource ? VD_OPA_RESOURCE : VD_TEE_COUNT - 1); t++)
		if (strlen(vd_opa_name((enum vd_tee)t)) == n &&
		    strncmp(name, vd_opa_name((enum vd_tee)t), n) == 0)
			return t;
	return -1;
}

#define RV_NAMES "sgx, tdx, snp, csv, tpm, sample or resource"

/* A reference value's name, "<tee>.<field>": the TEE (or the resource
 * policy) whose reference document holds it, and the member's name
 * (letters, digits, '_', at most 64), as the policies read data.<field>. */
static int rv_name(const char *name, const char **field, struct eaa_err *err)
{
	const char *dot = strchr(name, '.');
	int t = dot ? opa_of(name, (size_t)(dot - name), true) : -1;
	size_t i;

	if (t < 0)
		return eaa_fail(err, EAA_E_INVALID, "reference value \"%.64s\": verdictd names "
				"one as <tee>.<field>, <tee> one of " RV_NAMES
				" (the field of opa/<tee>Data)", name), -1;
	*field = dot + 1;
	for (i = 0; (*field)[i]; i++)
		if (i == 64 || !((*field)[i] == '_' || ((*field)[i] >= '0' && (*field)[i] <= '9') ||
				 ((*field)[i] >= 'a' && (*field)[i] <= 'z') ||
				 ((*field)[i] >= 'A' && (*field)[i] <= 'Z')))
			return eaa_fail(err, EAA_E_INVALID, "reference value \"%.64s\": its field "
					"must be 1 to 64 letters, digits or '_'", name), -1;
	if (!i)
		return eaa_fail(err, EAA_E_INVALID, "reference value \"%.64s\": no field after "
				"the TEE", name), -1;
	return t;
}

/* POST /reference-value: an RVPS message of the sample extractor
 * ({"version": "0.1.0", "type": "sample", "payload": base64 of
 * {name: value, ...}}, what kbs-client set-sample-reference-value sends).
 * Every name is checked before anything is stored; then each TEE's
 * document is updated in one step, validated against its policy. */
static void do_admin_reference_set(const char *authorization, const char *body, size_t len,
				   struct answer *a)
{
	json_t *req, *rvs = NULL, *by_tee[VD_OPA_RESOURCE + 1] = { 0 }, *v;
	const char *version, *type, *payload, *name, *field;
	uint8_t *raw = NULL;
	size_t n = 0, stored = 0;
	struct eaa_err err = { 0 };
	json_error_t je;
	bool authed;
	int t;

	req = admin_json(authorization, body, len, a, &authed);
	if (!authed)
		return;
	if (json_unpack(req, "{s:s, s:s, s:s}", "version", &version, "type", &type, "payload",
			&payload) != 0) {
		problem(a, 401, "RvpsError", "RVPS configuration failed: want {\"version\": "
			"\"0.1.0\", \"type\": \"sample\", \"payload\": base64}");
		goto out;
	}
	if (strcmp(version, "0.1.0") != 0 || strcmp(type, "sample") != 0) {
		problem(a, 401, "RvpsError", "RVPS configuration failed: verdictd reads version "
			"0.1.0 messages of type \"sample\" (name: value pairs), not %.16s %.32s",
			version, type);
		goto out;
	}
	if (!base64_decode(payload, false, &raw, &n) ||
	    !(rvs = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, &je)) ||
	    !json_is_object(rvs) || !json_object_size(rvs)) {
		problem(a, 401, "RvpsError", "RVPS configuration failed: the payload is not "
			"base64 of a non-empty JSON object of name: value");
		goto out;
	}
	json_object_foreach(rvs, name, v) {
		if ((t = rv_name(name, &field, &err)) < 0) {
			problem(a, 401, "RvpsError", "RVPS configuration failed: %s", err.msg);
			goto out;
		}
		if (!by_tee[t] && !(by_tee[t] = json_object())) {
			problem(a, 500, "RvpsError", "out of memory");
			goto out;
		}
		json_object_set(by_tee[t], field, v);
	}
	for (t = 0; t <= VD_OPA_RESOURCE; t++) {
		if (!by_tee[t])
			continue;
		if (!vd_opa_set_fields(cf->store, (enum vd_tee)t, by_tee[t], &err)) {
			problem(a, 401, "RvpsError", "RVPS configuration failed: %s%s", err.msg,
				stored ? " (the other TEEs' values named before it were stored)" : "");
			goto out;
		}
		stored++;
		LOG_INFO("kbs: admin set %zu %s reference value(s)", json_object_size(by_tee[t]),
			 vd_opa_name((enum vd_tee)t));
	}
	a->status = MHD_HTTP_OK;
	a->body = strdup("");
	a->type = "application/json";
out:
	for (t = 0; t <= VD_OPA_RESOURCE; t++)
		json_decref(by_tee[t]);
	json_decref(rvs);
	json_decref(req);
	free(raw);
}

/* GET /reference-value/<tee>.<field>: the value as JSON. */
static void do_admin_reference_get(const char *authorization, const char *id,
				   struct answer *a)
{
	struct eaa_err err = { 0 };
	const char *field;
	char *text = NULL;
	size_t n = 0;
	json_t *doc = NULL, *v;
	int t;

	if (!admin_ok(authorization, a, "AdminAuthAccess"))
		return;
	if ((t = rv_name(id, &field, &err)) < 0) {
		problem(a, 404, "RvpsError", "RVPS configuration failed: %s", err.msg);
		return;
	}
	if (vd_opa_get(cf->store, (enum vd_tee)t, true, &text, &n, &err))
		doc = json_loadb(text, n, 0, NULL);
	if (!(v = json_object_get(doc, field)))
		problem(a, 404, "RvpsError", "RVPS configuration failed: No reference value "
			"found for the given id: %.80s", id);
	else if (!(a->body = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)))
		problem(a, 500, "RvpsError", "out of memory");
	else {
		a->status = MHD_HTTP_OK;
		a->type = "application/json";
	}
	json_decref(doc);
	free(text);
}

/* POST /attestation-policy {"type": "rego", "policy_id", "policy":
 * base64url}: verdictd's policy of one TEE, named by policy_id; it must
 * compile with that TEE's reference values or it is not stored. */
static void do_admin_attestation_policy(const char *authorization, const char *body,
					size_t len, struct answer *a)
{
	json_t *req;
	const char *type = "rego", *id, *b64;
	uint8_t *text = NULL;
	size_t n = 0;
	struct eaa_err err = { 0 };
	bool authed;
	int t;

	req = admin_json(authorization, body, len, a, &authed);
	if (!authed)
		return;
	if (json_unpack(req, "{s?s, s:s, s:s}", "type", &type, "policy_id", &id, "policy",
			&b64) != 0 || !(text = b64url_decode(b64, strlen(b64), &n))) {
		problem(a, 401, "AttestationError", "Attestation error: Set Attestation Policy "
			"failed: want {\"type\": \"rego\", \"policy_id\", \"policy\": base64url "
			"of the Rego text, unpadded}");
	} else if (strcmp(type, "rego") != 0) {
		problem(a, 401, "AttestationError", "Attestation error: Set Attestation Policy "
			"failed: policy type \"%.32s\": verdictd's policies are \"rego\"", type);
	} else if ((t = opa_of(id, strlen(id), false)) < 0) {
		problem(a, 401, "AttestationError", "Attestation error: Set Attestation Policy "
			"failed: policy_id \"%.64s\": verdictd keeps one policy per TEE, in its own "
			"form (input: the TEE's claims, data: its reference values, rule: allow; "
			"docs/verdictd.md); policy_id is the TEE: sgx, tdx, snp, csv, tpm or sample",
			id);
	} else if (!vd_opa_set(cf->store, (enum vd_tee)t, false, (const char *)text, n, &err)) {
		problem(a, 401, "PolicyEngineError", "Policy engine error: %s", err.msg);
	} else {
		LOG_INFO("kbs: admin set the %s policy", vd_opa_name((enum vd_tee)t));
		a->status = MHD_HTTP_OK;
		a->body = strdup("");
	}
	free(text);
	json_decref(req);
}

/* ---- HTTP ---- */

struct upload {
	char *p;
	size_t n;
	bool too_big;
};

/* An answer's body, freed by libmicrohttpd once sent: wiped first (tokens
 * and JWE answers are bearer credentials and secrets for the TEE). */
static void wipe_body(void *p)
{
	if (p)
		OPENSSL_cleanse(p, strlen(p));
	free(p);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct answer *a)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	size_t n = a->body ? strlen(a->body) : 0;

	if (!a->body && a->status != MHD_HTTP_OK)
		return MHD_NO;
	if (!a->body && !(a->body = strdup("")))
		return MHD_NO;
	r = MHD_create_response_from_buffer_with_free_callback(n, a->body, wipe_body);
	if (!r) {
		wipe_body(a->body);
		return MHD_NO;
	}
	if (a->type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
	if (a->cookie[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, a->cookie);
	ok = MHD_queue_response(c, a->status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **state)
{
	struct upload *u = *state;
	struct answer a = { 0 };
	const char *id = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "kbs-session-id");

	(void)cls;
	(void)version;
	if (!u) {
		if (!(u = calloc(1, sizeof(*u))))
			return MHD_NO;
		*state = u;
		return MHD_YES;
	}
	if (*size) {
		/* the body, bounded: what is over the bound is dropped */
		if (!u->too_big && u->n + *size <= MAX_BODY) {
			/* a bigger buffer by copy, the old one wiped, never
			 * realloc: an admin upload is a resource (a secret) */
			char *np = malloc(u->n + *size + 1);

			if (!np)
				return MHD_NO;
			if (u->p) {
				memcpy(np, u->p, u->n);
				OPENSSL_cleanse(u->p, u->n);
				free(u->p);
			}
			u->p = np;
			memcpy(u->p + u->n, data, *size);
			u->n += *size;
			u->p[u->n] = '\0';
		} else {
			u->too_big = true;
		}
		*size = 0;
		return MHD_YES;
	}
	if (u->too_big)
		problem(&a, 413, "PayloadTooLarge", "request body over %u bytes", MAX_BODY);
	else
		vd_kbs_handle(method, url, id,
			      MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
			      u->p ? u->p : "", u->n, &a);
	return send_answer(c, &a);
}

void vd_kbs_handle(const char *method, const char *url, const char *cookie_id,
		   const char *authorization, const char *body, size_t len,
		   struct vd_kbs_answer *a)
{
	bool post = strcmp(method, "POST") == 0;

	memset(a, 0, sizeof(*a));
	if (post && strcmp(url, "/kbs/v0/auth") == 0)
		do_auth(body, len, a);
	else if (post && strcmp(url, "/kbs/v0/attest") == 0)
		do_attest(cookie_id, body, len, a);
	else if (strcmp(method, "GET") == 0 && strncmp(url, "/kbs/v0/resource/", 17) == 0)
		do_resource(authorization, cookie_id, url + 17, a);
	else if (post && strncmp(url, "/kbs/v0/resource/", 17) == 0)
		do_admin_resource(authorization, url + 17, body, len, a);
	else if (post && strcmp(url, "/kbs/v0/resource-policy") == 0)
		do_admin_resource_policy(authorization, body, len, a);
	else if (strcmp(method, "DELETE") == 0 && strncmp(url, "/kbs/v0/resource/", 17) == 0)
		do_admin_delete(authorization, url + 17, a);
	else if (strcmp(method, "GET") == 0 && strcmp(url, "/kbs/v0/resource-policy") == 0) {
		/* trustee answers the stored policies' ids, not their text */
		if (admin_ok(authorization, a, "AdminAuthAccess"))
			ok_json(a, json_pack("[s]", "resource-policy"));
	}
	else if (post && strcmp(url, "/kbs/v0/attestation-policy") == 0)
		do_admin_attestation_policy(authorization, body, len, a);
	else if (post && strcmp(url, "/kbs/v0/reference-value") == 0)
		do_admin_reference_set(authorization, body, len, a);
	else if (strcmp(method, "GET") == 0 && strncmp(url, "/kbs/v0/reference-value/", 24) == 0)
		do_admin_reference_get(authorization, url + 24, a);
	else if (strncmp(url, "/kbs/v0/", 8) == 0) {
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(url + 8, "/"), url + 8);
		problem(a, 404, "PluginNotFound", "Plugin %s not found", name);
	} else {
		problem(a, 404, "InvalidRequestPath", "Request path %.200s is invalid", url);
	}
}

static void done(void *cls, struct MHD_Connection *c, void **state,
		 enum MHD_RequestTerminationCode why)
{
	struct upload *u = *state;

	(void)cls;
	(void)c;
	(void)why;
	if (!u)
		return;
	if (u->p)
		OPENSSL_cleanse(u->p, u->n);
	free(u->p);
	free(u);
	*state = NULL;
}

/* A shared store's token key: every replica signs with it, so a token
 * one issued is good at the others. The first replica to start makes it. */
static bool shared_token_key(struct eaa_err *err)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	BIO *b = BIO_new(BIO_s_mem());
	char *pem = NULL;
	uint8_t *got = NULL;
	long n = 0;
	size_t gn = 0;
	bool existed, missing, ok;

	ok = k && b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) &&
	     (n = BIO_get_mem_data(b, &pem)) > 0;
	if (!ok)
		eaa_fail(err, EAA_E_CRYPTO, "cannot make the token key");
	ok = ok && vd_store_object_create(cf->store, "kbs/token.key", pem, (size_t)n, &existed,
					  err) &&
	     vd_store_object_get(cf->store, "kbs/token.key", 1u << 16, &got, &gn, &missing, err);
	if (pem && n > 0)
		OPENSSL_cleanse(pem, (size_t)n);
	BIO_free(b);
	EVP_PKEY_free(k);
	k = NULL;
	if (ok) {
		BIO *in = BIO_new_mem_buf(got, (int)gn);

		k = in ? PEM_read_bio_PrivateKey(in, NULL, NULL, NULL) : NULL;
		BIO_free(in);
		ok = k || eaa_fail(err, EAA_E_FORMAT, "the store's kbs/token.key is not a PEM "
				   "private key");
	}
	if (got)
		OPENSSL_cleanse(got, gn);
	free(got);
	if (!ok)
		return false;
	token_key = k;
	return (token_jwk = jwk_from_key(k, "ES256", err)) != NULL;
}

/* The token signing key: <root>/kbs/token.key, made at the first start. */
static bool load_token_key(struct eaa_err *err)
{
	if (vd_store_is_shared(cf->store))
		return shared_token_key(err);
	char dir[4200], path[4300];
	EVP_PKEY *k = NULL;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/kbs", vd_store_root(cf->store));
	snprintf(path, sizeof(path), "%s/token.key", dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return eaa_fail(err, EAA_E_IO, "%s: %s", dir, strerror(errno));
	if ((f = fopen(path, "r"))) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (!k)
			return eaa_fail(err, EAA_E_FORMAT, "%s: not a PEM private key", path);
	} else {
		int fd;

		if (!(k = EVP_EC_gen("P-256")))
			return eaa_fail(err, EAA_E_CRYPTO, "cannot make the token key");
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || !(f = fdopen(fd, "w")) ||
		    !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) || fclose(f) != 0) {
			EVP_PKEY_free(k);
			return eaa_fail(err, EAA_E_IO, "%s: cannot write it", path);
		}
	}
	token_key = k;
	return (token_jwk = jwk_from_key(k, "ES256", err)) != NULL;
}

bool vd_kbs_init(const struct vd_kbs_conf *conf, struct eaa_err *err)
{
	cf = conf;
	for (nbuckets = 1; nbuckets * WAYS < 2 * (size_t)conf->max_sessions; nbuckets *= 2)
		;
	if (!(sessions = calloc(nbuckets * WAYS, sizeof(*sessions))))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	return load_token_key(err) && load_admin_keys(conf->admin_keys, err);
}

bool vd_kbs_start(const struct vd_kbs_conf *conf, int lfd, struct eaa_err *err)
{
	static char *cert, *key; /* libmicrohttpd keeps pointers to them */
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int fl = fcntl(lfd, F_GETFL);

	if (!vd_kbs_init(conf, err))
		return false;
	if (!conf->insecure_http) {
		uint8_t *c = NULL, *k = NULL;
		size_t cn, kn;

		if (!conf->cert_file || !conf->key_file)
			return eaa_fail(err, EAA_E_CONFIG, "the KBS endpoint serves HTTPS: it needs "
					"--kbs-cert and --kbs-key (or --kbs-insecure-http)");
		if (!file_read(conf->cert_file, 1u << 20, &c, &cn, err) ||
		    !file_read(conf->key_file, 1u << 20, &k, &kn, err)) {
			free(c);
			return false;
		}
		cert = (char *)c;
		key = (char *)k;
		flags |= MHD_USE_TLS;
	}
	if (fl < 0 || fcntl(lfd, F_SETFL, fl | O_NONBLOCK) < 0)
		return eaa_fail(err, EAA_E_IO, "KBS endpoint: cannot make its socket non-blocking");
	/* a thread per CPU computes; on a shared store each request also
	 * waits on the database three times, so four per CPU */
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, vd_mhd_log, "kbs endpoint",
			     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)lfd,
			     MHD_OPTION_THREAD_POOL_SIZE,
			     (unsigned)(ncpu > 1 ? ncpu : 1) * (vd_store_is_shared(conf->store) ? 4 : 1),
			     MHD_OPTION_CONNECTION_LIMIT, conf->max_connections,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			     MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
			     conf->insecure_http ? MHD_OPTION_END : MHD_OPTION_HTTPS_MEM_KEY, key,
			     MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_END);
	if (!d)
		return eaa_fail(err, EAA_E_IO, "KBS endpoint: libmicrohttpd did not start%s",
				conf->insecure_http ? "" : " (check --kbs-cert and --kbs-key)");
	return true;
}
