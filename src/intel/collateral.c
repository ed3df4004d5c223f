/* collateral.c - load and check Intel TCB info, QE identity and CRLs (see
 * collateral.h). The JSON documents are parsed with jansson; their
 * signatures are checked over the exact bytes Intel signed (json_raw). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include "codec.h"
#include "collateral.h"
#include "ecdsa.h"
#include "file.h"
#include "json_raw.h"
#include "pck.h"
#include "timefmt.h"

#define MAX_DOC (1u << 20)
#define MAX_LEVELS 256

static const char *const status_names[] = {
	[TCB_UNKNOWN] = "Unknown",
	[TCB_UP_TO_DATE] = "UpToDate",
	[TCB_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
	[TCB_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
	[TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] =
		"ConfigurationAndSWHardeningNeeded",
	[TCB_OUT_OF_DATE] = "OutOfDate",
	[TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = "OutOfDateConfigurationNeeded",
	[TCB_REVOKED] = "Revoked",
};

const char *tcb_status_name(enum tcb_status s)
{
	return (unsigned)s <= TCB_REVOKED ? status_names[s] : "Unknown";
}

/* ---- typed field readers: each names the field that is wrong ---- */

static bool field_hex(json_t *o, const char *key, uint8_t *out, size_t n,
		      const char *where, struct eaa_err *err)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s || strlen(s) != 2 * n || !hex_decode_fixed(s, out, n))
		return eaa_fail(err, EAA_E_FORMAT, "%s: \"%s\" is not %zu "
				"hex-encoded bytes", where, key, n);
	return true;
}

static bool field_int(json_t *o, const char *key, long long max,
		      long long *out, const char *where, struct eaa_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return eaa_fail(err, EAA_E_FORMAT, "%s: \"%s\" is not an "
				"integer in 0..%lld", where, key, max);
	*out = json_integer_value(v);
	return true;
}

static bool field_time(json_t *o, const char *key, time_t *out,
		       const char *where, struct eaa_err *err)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s || !time_parse_utc(s, out))
		return eaa_fail(err, EAA_E_FORMAT, "%s: \"%s\" is not an "
				"RFC 3339 UTC time", where, key);
	return true;
}

static bool status_parse(const char *s, enum tcb_status *out)
{
	for (int i = TCB_UP_TO_DATE; s && i <= TCB_REVOKED; i++)
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum tcb_status)i;
			return true;
		}
	return false;
}

/* "sgxtcbcomponents": [{"svn": N, ...} x 16] */
static bool components(json_t *tcb, const char *key, uint8_t out[16],
		       const char *where, struct eaa_err *err)
{
	json_t *a = json_object_get(tcb, key);
	long long svn;

	if (!json_is_array(a) || json_array_size(a) != 16)
		return eaa_fail(err, EAA_E_FORMAT, "%s: \"%s\" is not an array "
				"of 16 components", where, key);
	for (size_t i = 0; i < 16; i++) {
		if (!field_int(json_array_get(a, i), "svn", 255, &svn, where,
			       err))
			return eaa_err_prefix(err, "%s[%zu]", key, i);
		out[i] = (uint8_t)svn;
	}
	return true;
}

static void free_advisories(char **a)
{
	for (size_t i = 0; a && a[i]; i++)
		free(a[i]);
	free(a);
}

static void levels_free(struct tcb_level *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		free_advisories(l[i].advisories);
	free(l);
}

static bool advisories(json_t *level, char ***out, const char *where,
		       struct eaa_err *err)
{
	json_t *a = json_object_get(level, "advisoryIDs");
	size_t n = json_array_size(a);
	char **list;

	*out = NULL;
	if (!a)
		return true;
	if (!json_is_array(a) || n > TCB_MAX_ADVISORIES)
		return eaa_fail(err, EAA_E_FORMAT, "%s: \"advisoryIDs\" is not "
				"an array of at most %d", where,
				TCB_MAX_ADVISORIES);
	if (!(list = calloc(n + 1, sizeof(*list))))
		return eaa_fail(err, EAA_E_NOMEM, "%s: out of memory", where);
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));

		if (!s || strlen(s) > 64 || !(list[i] = strdup(s))) {
			free_advisories(list);
			return eaa_fail(err, EAA_E_FORMAT, "%s: advisoryIDs[%zu] "
					"is not a short string", where, i);
		}
	}
	*out = list;
	return true;
}

enum level_kind { LEVEL_SGX, LEVEL_TDX, LEVEL_ISVSVN };

static bool level_parse(json_t *l, enum level_kind kind, struct tcb_level *out,
			const char *where, struct eaa_err *err)
{
	json_t *tcb = json_object_get(l, "tcb");
	long long v;

	if (!json_is_object(tcb))
		return eaa_fail(err, EAA_E_FORMAT, "%s: no \"tcb\" object", where);
	if (kind == LEVEL_ISVSVN) {
		if (!field_int(tcb, "isvsvn", 65535, &v, where, err))
			return false;
		out->isv_svn = (uint16_t)v;
	} else {
		if (!components(tcb, "sgxtcbcomponents", out->sgx_comp, where,
				err) ||
		    !field_int(tcb, "pcesvn", 65535, &v, where, err))
			return false;
		out->pce_svn = (uint16_t)v;
		if (kind == LEVEL_TDX &&
		    !components(tcb, "tdxtcbcomponents", out->tdx_comp, where,
				err))
			return false;
	}
	if (!status_parse(json_string_value(json_object_get(l, "tcbStatus")),
			  &out->status))
		return eaa_fail(err, EAA_E_FORMAT, "%s: unknown \"tcbStatus\"",
				where);
	return field_time(l, "tcbDate", &out->tcb_date, where, err) &&
	       advisories(l, &out->advisories, where, err);
}

static bool levels_parse(json_t *o, enum level_kind kind,
			 struct tcb_level **out, size_t *n, const char *where,
			 struct eaa_err *err)
{
	json_t *a = json_object_get(o, "tcbLevels");
	size_t count = json_array_size(a);
	char at[96];

	*out = NULL;
	*n = 0;
	if (!json_is_array(a) || count == 0 || count > MAX_LEVELS)
		return eaa_fail(err, EAA_E_FORMAT, "%s: \"tcbLevels\" is not an "
				"array of 1..%d levels", where, MAX_LEVELS);
	if (!(*out = calloc(count, sizeof(**out))))
		return eaa_fail(err, EAA_E_NOMEM, "%s: out of memory", where);
	for (size_t i = 0; i < count; i++) {
		snprintf(at, sizeof(at), "%s: tcbLevels[%zu]", where, i);
		*n = i + 1;
		if (!level_parse(json_array_get(a, i), kind, &(*out)[i], at,
				 err)) {
			levels_free(*out, *n);
			*out = NULL;
			*n = 0;
			return false;
		}
	}
	return true;
}

/* A signed document is {"<member>": {...}, "signature": "<hex r||s>"}; the
 * signature covers the member's value exactly as served. */
static bool signed_doc(const char *text, size_t n, const char *member,
		       EVP_PKEY *signer, json_t **body, struct eaa_err *err)
{
	json_error_t je;
	json_t *whole = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	json_t *inner = NULL;
	uint8_t sig[64];
	struct rd span;
	bool ok = false;

	*body = NULL;
	if (!json_is_object(whole)) {
		eaa_fail(err, EAA_E_FORMAT, "not a JSON object (line %d: %s)",
			 je.line, whole ? "not an object" : je.text);
		goto out;
	}
	if (json_object_size(whole) != 2 ||
	    !json_is_object(json_object_get(whole, member)) ||
	    !field_hex(whole, "signature", sig, sizeof(sig), "document", err)) {
		eaa_fail(err, EAA_E_FORMAT, "want exactly {\"%s\": {...}, "
			 "\"signature\": \"<128 hex digits>\"}", member);
		goto out;
	}
	/* The raw span and jansson's view must be the same object. */
	inner = json_raw_member(text, n, member, &span) ?
		json_loadb((const char *)span.p, span.n,
			   JSON_REJECT_DUPLICATES, &je) : NULL;
	if (!inner || !json_equal(inner, json_object_get(whole, member))) {
		eaa_fail(err, EAA_E_FORMAT, "cannot isolate the signed \"%s\" "
			 "bytes", member);
		goto out;
	}
	if (signer && !ecdsa_verify_rs(signer, EVP_sha256(), span.p, span.n,
				       sig, sig + 32, 32)) {
		eaa_fail(err, EAA_E_SIGNATURE, "signature over \"%s\" does not "
			 "verify with the issuer chain's key", member);
		goto out;
	}
	*body = inner;
	inner = NULL;
	ok = true;
out:
	json_decref(inner);
	json_decref(whole);
	return ok;
}

static bool module_identities(json_t *t, struct tcb_info *out,
			      struct eaa_err *err)
{
	json_t *a = json_object_get(t, "tdxModuleIdentities");
	size_t n = json_array_size(a);
	char where[64];

	if (!a)
		return true;
	if (!json_is_array(a) || n > 32)
		return eaa_fail(err, EAA_E_FORMAT, "tcbInfo: "
				"\"tdxModuleIdentities\" is not an array of at "
				"most 32");
	if (!(out->modules = calloc(n ? n : 1, sizeof(*out->modules))))
		return eaa_fail(err, EAA_E_NOMEM, "tcbInfo: out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(a, i);
		struct tdx_module_identity *id = &out->modules[i];
		const char *s = json_string_value(json_object_get(m, "id"));

		snprintf(where, sizeof(where), "tcbInfo: tdxModuleIdentities[%zu]",
			 i);
		out->nmodules = i + 1;
		if (!s || strlen(s) >= sizeof(id->id))
			return eaa_fail(err, EAA_E_FORMAT, "%s: bad \"id\"", where);
		strcpy(id->id, s);
		if (!field_hex(m, "mrsigner", id->mrsigner, 48, where, err) ||
		    !field_hex(m, "attributes", id->attributes, 8, where, err) ||
		    !field_hex(m, "attributesMask", id->attributes_mask, 8, where,
			       err) ||
		    !levels_parse(m, LEVEL_ISVSVN, &id->levels, &id->nlevels,
				  where, err))
			return false;
	}
	return true;
}

bool tcb_info_parse(const char *text, size_t n, EVP_PKEY *signer,
		    struct tcb_info *out, struct eaa_err *err)
{
	const char *w = "tcbInfo";
	json_t *t, *m;
	const char *id;
	long long v;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (!signed_doc(text, n, "tcbInfo", signer, &t, err))
		return false;
	id = json_string_value(json_object_get(t, "id"));
	out->tdx = id && strcmp(id, "TDX") == 0;
	ok = field_int(t, "version", 100, &v, w, err);
	out->version = (int)v;
	if (ok && (out->tdx ? v != 3 : (id && strcmp(id, "SGX") == 0 ?
					   v != 3 : true)))
		ok = eaa_fail(err, EAA_E_UNSUPPORTED, "tcbInfo: id \"%s\" "
			      "version %lld (want TDX or SGX, version 3)",
			      id ? id : "", v);
	ok = ok && field_time(t, "issueDate", &out->issue_date, w, err) &&
	     field_time(t, "nextUpdate", &out->next_update, w, err) &&
	     field_hex(t, "fmspc", out->fmspc, 6, w, err) &&
	     field_hex(t, "pceId", out->pce_id, 2, w, err) &&
	     field_int(t, "tcbEvaluationDataNumber", INT_MAX, &v, w, err);
	out->eval_number = (int)v;
	if (ok && (m = json_object_get(t, "tdxModule"))) {
		out->has_module = true;
		ok = field_hex(m, "mrsigner", out->module_mrsigner, 48,
			       "tcbInfo: tdxModule", err) &&
		     field_hex(m, "attributes", out->module_attributes, 8,
			       "tcbInfo: tdxModule", err) &&
		     field_hex(m, "attributesMask", out->module_attributes_mask,
			       8, "tcbInfo: tdxModule", err);
	}
	ok = ok && module_identities(t, out, err) &&
	     levels_parse(t, out->tdx ? LEVEL_TDX : LEVEL_SGX, &out->levels,
			  &out->nlevels, w, err);
	json_decref(t);
	if (!ok)
		tcb_info_free(out);
	return ok;
}

bool qe_identity_parse(const char *text, size_t n, EVP_PKEY *signer,
		       struct qe_identity *out, struct eaa_err *err)
{
	const char *w = "enclaveIdentity";
	uint8_t misc[4], mask[4];
	json_t *q;
	const char *id;
	long long v;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (!signed_doc(text, n, "enclaveIdentity", signer, &q, err))
		return false;
	id = json_string_value(json_object_get(q, "id"));
	ok = field_int(q, "version", 100, &v, w, err);
	if (ok && (v != 2 || !id || strlen(id) >= sizeof(out->id)))
		ok = eaa_fail(err, EAA_E_UNSUPPORTED, "enclaveIdentity: id "
			      "\"%s\" version %lld (want version 2)",
			      id ? id : "", v);
	if (ok)
		strcpy(out->id, id);
	/* miscselect is the report's little-endian field as hex bytes, the
	 * way Intel's QVL reads it. */
	ok = ok && field_time(q, "issueDate", &out->issue_date, w, err) &&
	     field_time(q, "nextUpdate", &out->next_update, w, err) &&
	     field_hex(q, "miscselect", misc, 4, w, err) &&
	     field_hex(q, "miscselectMask", mask, 4, w, err) &&
	     field_hex(q, "attributes", out->attributes, 16, w, err) &&
	     field_hex(q, "attributesMask", out->attributes_mask, 16, w, err) &&
	     field_hex(q, "mrsigner", out->mrsigner, 32, w, err) &&
	     field_int(q, "isvprodid", 65535, &v, w, err);
	out->isv_prod_id = (uint16_t)v;
	out->miscselect = (uint32_t)misc[3] << 24 | misc[2] << 16 |
			  misc[1] << 8 | misc[0];
	out->miscselect_mask = (uint32_t)mask[3] << 24 | mask[2] << 16 |
			       mask[1] << 8 | mask[0];
	ok = ok && levels_parse(q, LEVEL_ISVSVN, &out->levels, &out->nlevels,
				w, err);
	json_decref(q);
	if (!ok)
		qe_identity_free(out);
	return ok;
}

void tcb_info_free(struct tcb_info *t)
{
	for (size_t i = 0; t->modules && i < t->nmodules; i++)
		levels_free(t->modules[i].levels, t->modules[i].nlevels);
	free(t->modules);
	levels_free(t->levels, t->nlevels);
	memset(t, 0, sizeof(*t));
}

void qe_identity_free(struct qe_identity *q)
{
	levels_free(q->levels, q->nlevels);
	memset(q, 0, sizeof(*q));
}

void collateral_free(struct collateral *c)
{
	if (!c)
		return;
	tcb_info_free(&c->tcb);
	qe_identity_free(&c->qe);
	sk_X509_CRL_pop_free(c->crls, X509_CRL_free);
	c->crls = NULL;
}

/* ---- the directory ---- */

static bool read_in(const char *dir, const char *name, uint8_t **buf,
		    size_t *n, struct eaa_err *err)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return eaa_fail(err, EAA_E_INVALID, "%s: path too long", dir);
	return file_read(path, MAX_DOC, buf, n, err);
}

static bool window(time_t issued, time_t next, time_t at, const char *file,
		   struct eaa_err *err)
{
	char a[32], b[32], t[32];

	if (issued <= at && at < next)
		return true;
	time_format_utc(issued, a, sizeof(a));
	time_format_utc(next, b, sizeof(b));
	time_format_utc(at, t, sizeof(t));
	return eaa_fail(err, EAA_E_EXPIRED, "%s: valid from %s until %s, not "
			"at %s", file, a, b, t);
}

/* An issuer chain header file, checked to the root (with the root CRL). */
static bool issuer_chain(const char *dir, const char *name, X509 *root,
			 time_t at, STACK_OF(X509_CRL) *crls, const char *cn,
			 STACK_OF(X509) **chain, struct validity *v,
			 struct eaa_err *err)
{
	uint8_t *pem;
	size_t n;
	bool ok;

	if (!read_in(dir, name, &pem, &n, err))
		return false;
	ok = pem_certs_parse(rd_init(pem, n), chain, name, err) &&
	     intel_chain_verify(*chain, root, at, crls, name, err);
	free(pem);
	for (int i = 0; ok && i < sk_X509_num(*chain); i++)
		if (!validity_add_cert(v, sk_X509_value(*chain, i)))
			ok = eaa_fail(err, EAA_E_FORMAT, "%s: unreadable validity",
				      name);
	if (ok && cn) {
		/* Only Intel's signing certificate signs collateral: another
		 * certificate under the same root (a PCK) must not. */
		X509_NAME *subj = X509_get_subject_name(sk_X509_value(*chain, 0));
		char got[128] = "";

		X509_NAME_get_text_by_NID(subj, NID_commonName, got, sizeof(got));
		if (cn && strcmp(got, cn) != 0)
			ok = eaa_fail(err, EAA_E_UNTRUSTED, "%s: signer is \"%s\", "
				      "not \"%s\"", name, got, cn);
	}
	return ok;
}

X509_CRL *crl_decode(const uint8_t *buf, size_t n)
{
	const unsigned char *p = buf;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)n);

	if (!crl || p != buf + n) {
		BIO *b = BIO_new_mem_buf(buf, (int)n);

		X509_CRL_free(crl);
		crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	}
	ERR_clear_error();
	return crl;
}

/* A CRL in DER or PEM; its issuer's key verifies it and `at` is inside
 * [thisUpdate, nextUpdate). */
static bool crl_load(const char *dir, const char *name, EVP_PKEY *issuer,
		     time_t at, X509_CRL **out, struct eaa_err *err)
{
	char alt[64];
	uint8_t *buf = NULL;
	size_t n;
	X509_CRL *crl = NULL;
	const ASN1_TIME *next;
	struct eaa_err ignored;

	if (!read_in(dir, name, &buf, &n, &ignored)) {
		snprintf(alt, sizeof(alt), "%.*s.pem",
			 (int)(strlen(name) - 4), name);
		if (!read_in(dir, alt, &buf, &n, err))
			return eaa_err_prefix(err, "%s", name);
		name = alt;
	}
	crl = crl_decode(buf, n);
	free(buf);
	if (!crl)
		return eaa_fail(err, EAA_E_FORMAT, "%s: not a CRL (DER or PEM)",
				name);
	if (X509_CRL_verify(crl, issuer) != 1) {
		X509_CRL_free(crl);
		ERR_clear_error();
		return eaa_fail(err, EAA_E_SIGNATURE, "%s: signature does not "
				"verify with its issuer's key", name);
	}
	next = X509_CRL_get0_nextUpdate(crl);
	if (X509_cmp_time(X509_CRL_get0_lastUpdate(crl), &at) > 0 || !next ||
	    X509_cmp_time(next, &at) <= 0) {
		X509_CRL_free(crl);
		return eaa_fail(err, EAA_E_EXPIRED, "%s: not valid at the "
				"verification time", name);
	}
	*out = crl;
	return true;
}

static bool signed_file(const char *dir, const char *name, const char *chain,
			X509 *root, time_t at, STACK_OF(X509_CRL) *crls,
			struct collateral *c, struct eaa_err *err)
{
	STACK_OF(X509) *signers = NULL;
	uint8_t *text = NULL;
	size_t n;
	bool tcb = strcmp(name, "tcb-info.json") == 0, ok;

	ok = issuer_chain(dir, chain, root, at, crls, "Intel SGX TCB Signing",
			  &signers, &c->valid, err) &&
	     read_in(dir, name, &text, &n, err);
	if (ok) {
		EVP_PKEY *key = X509_get0_pubkey(sk_X509_value(signers, 0));

		ok = tcb ? tcb_info_parse((char *)text, n, key, &c->tcb, err) :
			   qe_identity_parse((char *)text, n, key, &c->qe, err);
		if (!ok)
			eaa_err_prefix(err, "%s", name);
	}
	if (ok && tcb) {
		ok = window(c->tcb.issue_date, c->tcb.next_update, at, name, err);
		validity_add(&c->valid, c->tcb.issue_date, c->tcb.next_update);
	} else if (ok) {
		ok = window(c->qe.issue_date, c->qe.next_update, at, name, err);
		validity_add(&c->valid, c->qe.issue_date, c->qe.next_update);
	}
	free(text);
	sk_X509_pop_free(signers, X509_free);
	return ok;
}

/* Keep a reference to crl in stack. */
static bool crl_keep(STACK_OF(X509_CRL) *stack, X509_CRL *crl)
{
	if (!X509_CRL_up_ref(crl))
		return false;
	if (!sk_X509_CRL_push(stack, crl)) {
		X509_CRL_free(crl);
		return false;
	}
	return true;
}

/* The PCK CRL: its issuer chain (Platform or Processor CA, then the root)
 * checked to the root, then the CRL checked with the CA's key. */
static bool pck_crl(const char *dir, X509 *root, time_t at,
		    STACK_OF(X509_CRL) *root_crl, X509_CRL **out,
		    struct validity *v, struct eaa_err *err)
{
	STACK_OF(X509) *chain = NULL;
	X509 *ca;
	bool ok;

	ok = issuer_chain(dir, "pck-crl-issuer-chain.pem", root, at, root_crl,
			  NULL, &chain, v, err);
	if (ok) {
		ca = sk_X509_value(chain, 0);
		ok = crl_load(dir, "pck-crl.der", X509_get0_pubkey(ca), at, out,
			      err);
		if (ok && X509_NAME_cmp(X509_CRL_get_issuer(*out),
					X509_get_subject_name(ca)) != 0) {
			X509_CRL_free(*out);
			ok = eaa_fail(err, EAA_E_UNTRUSTED, "pck-crl.der: issuer "
				      "is not the subject of "
				      "pck-crl-issuer-chain.pem");
		}
	}
	sk_X509_pop_free(chain, X509_free);
	return ok;
}

bool collateral_load_dir(const char *dir, X509 *root, time_t at,
			 struct collateral *c, struct eaa_err *err)
{
	STACK_OF(X509_CRL) *root_crl = sk_X509_CRL_new_null();
	X509_CRL *rcrl = NULL, *pcrl = NULL;
	bool ok;

	memset(c, 0, sizeof(*c));
	validity_init(&c->valid);
	c->crls = sk_X509_CRL_new_null();
	if (!root_crl || !c->crls) {
		ok = eaa_fail(err, EAA_E_NOMEM, "collateral: out of memory");
		goto out;
	}
	/* Root CRL first: every issuer chain below is checked against it. */
	ok = crl_load(dir, "root-ca-crl.der", X509_get0_pubkey(root), at,
		      &rcrl, err);
	if (ok && (!crl_keep(root_crl, rcrl) || !crl_keep(c->crls, rcrl)))
		ok = eaa_fail(err, EAA_E_NOMEM, "collateral: out of memory");
	ok = ok && pck_crl(dir, root, at, root_crl, &pcrl, &c->valid, err);
	if (ok && !crl_keep(c->crls, pcrl))
		ok = eaa_fail(err, EAA_E_NOMEM, "collateral: out of memory");
	ok = ok && signed_file(dir, "tcb-info.json", "tcb-info-issuer-chain.pem",
			       root, at, root_crl, c, err) &&
	     signed_file(dir, "qe-identity.json",
			 "qe-identity-issuer-chain.pem", root, at, root_crl, c,
			 err);
	if (ok && (!validity_add_crl(&c->valid, rcrl) ||
		   !validity_add_crl(&c->valid, pcrl) ||
		   !validity_add_cert(&c->valid, root)))
		ok = eaa_fail(err, EAA_E_FORMAT, "collateral: unreadable "
			      "validity times");
out:
	X509_CRL_free(rcrl);
	X509_CRL_free(pcrl);
	sk_X509_CRL_pop_free(root_crl, X509_CRL_free);
	if (!ok) {
		collateral_free(c);
		eaa_err_prefix(err, "collateral %s", dir);
	}
	return ok;
}
