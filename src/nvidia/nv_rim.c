/* nv_rim.c - RIM XML read with libxml2, its XML-DSig checked with xmlsec1
 * (OpenSSL), its chain checked to NVIDIA's pinned RIM root, and the golden
 * values compared with a report's measurement blocks (see nv_rim.h). The
 * comparison follows nvtrust's local verifier: active resources only, any
 * alternative of the same size matches, the driver's and the VBIOS's RIM
 * may not both claim an index, index 35 is skipped when NVDEC0 is off. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/openssl/evp.h>
#include "codec.h"
#include "nv_chain.h"
#include "nv_evidence.h"
#include "nv_rim.h"
#include "pck.h"

#define SWID_NS "http://standards.iso.org/iso/19770/-2/2015/schema.xsd"
#define HASH_NS "http://www.w3.org/2001/04/xmlenc#sha384"
#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
#define NVDEC0_DISABLED 0x55   /* nvtrust's NVDEC_STATUS.DISABLED */
#define MAX_RIM_CERTS 8

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static bool xml_ready;

static void xml_silent(void *ctx, const char *msg, ...) { }

static void xml_init(void)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, xml_silent);
	xmlSecErrorsDefaultCallbackEnableOutput(0);
	xml_ready = xmlSecInit() >= 0 && xmlSecCheckVersion() == 1 &&
		    xmlSecCryptoAppInit(NULL) >= 0 && xmlSecCryptoInit() >= 0;
}

static bool is(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *p, const char *ns, const char *name)
{
	for (const xmlNode *c = p ? p->children : NULL; c; c = c->next)
		if (is(c, ns, name))
			return c;
	return NULL;
}

/* An attribute's value into buf; false when absent or too long. */
static bool attr(const xmlNode *n, const char *ns, const char *name,
		 char *buf, size_t len)
{
	xmlChar *v = ns ? xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns)
			: xmlGetNoNsProp(n, (const xmlChar *)name);
	bool ok = v && strlen((char *)v) < len;

	if (ok)
		strcpy(buf, (char *)v);
	xmlFree(v);
	return ok;
}

static bool parse_uint(const char *s, unsigned max, unsigned *v)
{
	char *end;
	unsigned long x;

	if (!isdigit((unsigned char)s[0]))
		return false;
	x = strtoul(s, &end, 10);
	if (*end || x > max)
		return false;
	*v = (unsigned)x;
	return true;
}

static bool read_resource(const xmlNode *n, struct nv_rim_res *res,
			  struct eaa_err *err)
{
	char buf[2 * NV_RIM_MAX_VALUE + 1], name[16];
	unsigned v;

	memset(res, 0, sizeof(*res));
	if (!attr(n, NULL, "index", buf, sizeof(buf)) || !parse_uint(buf, 255, &res->index))
		return eaa_fail(err, EAA_E_FORMAT, "RIM: Resource without an index "
				"of 0..255");
	if (!attr(n, NULL, "active", buf, sizeof(buf)) ||
	    (strcmp(buf, "True") != 0 && strcmp(buf, "False") != 0))
		return eaa_fail(err, EAA_E_FORMAT, "RIM: Resource %u: active is "
				"not True or False", res->index);
	res->active = strcmp(buf, "True") == 0;
	if (!attr(n, NULL, "alternatives", buf, sizeof(buf)) ||
	    !parse_uint(buf, NV_RIM_MAX_ALT, &v) || v == 0)
		return eaa_fail(err, EAA_E_FORMAT, "RIM: Resource %u: alternatives "
				"is not 1..%d", res->index, NV_RIM_MAX_ALT);
	res->nalt = v;
	if (!attr(n, NULL, "size", buf, sizeof(buf)) ||
	    !parse_uint(buf, NV_RIM_MAX_VALUE, &v) || v == 0)
		return eaa_fail(err, EAA_E_FORMAT, "RIM: Resource %u: size is not "
				"1..%d", res->index, NV_RIM_MAX_VALUE);
	res->size = v;
	for (size_t i = 0; i < res->nalt; i++) {
		snprintf(name, sizeof(name), "Hash%zu", i);
		if (!attr(n, HASH_NS, name, buf, sizeof(buf)) ||
		    strlen(buf) != 2 * res->size ||
		    !hex_decode_fixed(buf, res->alt[i], res->size))
			return eaa_fail(err, EAA_E_FORMAT, "RIM: Resource %u: %s is "
					"not %zu bytes of hex", res->index, name,
					res->size);
	}
	return true;
}

static bool read_tag(const xmlDoc *doc, struct nv_rim *rim, struct eaa_err *err)
{
	const xmlNode *root = xmlDocGetRootElement(doc), *meta, *payload;

	if (!is(root, SWID_NS, "SoftwareIdentity"))
		return eaa_fail(err, EAA_E_FORMAT, "RIM: the root is not a SWID "
				"SoftwareIdentity");
	if (!attr(root, NULL, "tagId", rim->tag_id, sizeof(rim->tag_id)))
		return eaa_fail(err, EAA_E_FORMAT, "RIM: no tagId");
	if (!(meta = child(root, SWID_NS, "Meta")) ||
	    !attr(meta, NULL, "colloquialVersion", rim->version, sizeof(rim->version)) ||
	    !rim->version[0])
		return eaa_fail(err, EAA_E_FORMAT, "RIM %s: no Meta colloquialVersion",
				rim->tag_id);
	for (char *p = rim->version; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!(payload = child(root, SWID_NS, "Payload")))
		return eaa_fail(err, EAA_E_FORMAT, "RIM %s: no Payload", rim->tag_id);
	rim->nres = 0;
	for (const xmlNode *c = payload->children; c; c = c->next) {
		char type[32];

		if (!is(c, SWID_NS, "Resource") || !attr(c, NULL, "type", type, sizeof(type)) ||
		    strcmp(type, "Measurement") != 0)
			continue;
		if (rim->nres == NV_RIM_MAX_RES)
			return eaa_fail(err, EAA_E_FORMAT, "RIM %s: more than %d "
					"measurements", rim->tag_id, NV_RIM_MAX_RES);
		if (!read_resource(c, &rim->res[rim->nres], err))
			return eaa_err_prefix(err, "%s", rim->tag_id);
		for (size_t j = 0; j < rim->nres; j++)
			if (rim->res[j].index == rim->res[rim->nres].index)
				return eaa_fail(err, EAA_E_FORMAT, "RIM %s: measurement "
						"index %u twice", rim->tag_id,
						rim->res[j].index);
		rim->nres++;
	}
	return true;
}

/* Untrusted XML: no DTD (so no entities to expand), no network. */
static xmlDoc *read_xml(const char *xml, size_t n, struct eaa_err *err)
{
	xmlDoc *doc;

	pthread_once(&xml_once, xml_init);
	if (!xml_ready) {
		eaa_fail(err, EAA_E_CRYPTO, "RIM: xmlsec1 did not initialise");
		return NULL;
	}
	if (n > NV_RIM_MAX_SIZE || n > INT32_MAX) {
		eaa_fail(err, EAA_E_FORMAT, "RIM: %zu bytes is too large", n);
		return NULL;
	}
	doc = xmlReadMemory(xml, (int)n, NULL, NULL, XML_PARSE_NONET |
			    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!doc) {
		eaa_fail(err, EAA_E_FORMAT, "RIM: not well-formed XML");
		return NULL;
	}
	if (doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		eaa_fail(err, EAA_E_FORMAT, "RIM: has a DOCTYPE");
		return NULL;
	}
	return doc;
}

bool nv_rim_parse(const char *xml, size_t n, struct nv_rim *rim,
		  struct eaa_err *err)
{
	xmlDoc *doc = read_xml(xml, n, err);
	bool ok;

	memset(rim, 0, sizeof(*rim));
	if (!doc)
		return false;
	ok = read_tag(doc, rim, err);
	xmlFreeDoc(doc);
	return ok;
}

static size_t count_signatures(const xmlNode *n)
{
	size_t k = 0;

	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			k += is(n, DSIG_NS, "Signature") + count_signatures(n->children);
	return k;
}

/* The KeyInfo's X509Certificate elements, in order (signer first). */
static bool keyinfo_chain(const xmlNode *sig, STACK_OF(X509) **out,
			  struct eaa_err *err)
{
	const xmlNode *data = child(child(sig, DSIG_NS, "KeyInfo"), DSIG_NS, "X509Data");
	STACK_OF(X509) *chain = sk_X509_new_null();

	if (!chain)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	for (const xmlNode *c = data ? data->children : NULL; c; c = c->next) {
		xmlChar *text;
		char *b64;
		uint8_t *der = NULL;
		size_t dn = 0, k = 0;
		const unsigned char *p;
		X509 *x = NULL;

		if (!is(c, DSIG_NS, "X509Certificate"))
			continue;
		if (sk_X509_num(chain) == MAX_RIM_CERTS)
			goto bad;
		text = xmlNodeGetContent(c);
		b64 = text ? malloc(strlen((char *)text) + 1) : NULL;
		for (const char *s = (const char *)text; b64 && *s; s++)
			if (!isspace((unsigned char)*s))
				b64[k++] = *s;
		if (b64)
			b64[k] = '\0';
		if (b64 && base64_decode(b64, false, &der, &dn) && dn < LONG_MAX) {
			p = der;
			x = d2i_X509(NULL, &p, (long)dn);
			if (x && p != der + dn) {
				X509_free(x);
				x = NULL;
			}
		}
		free(der);
		free(b64);
		xmlFree(text);
		if (!x || !sk_X509_push(chain, x)) {
			X509_free(x);
			goto bad;
		}
	}
	if (sk_X509_num(chain) < 2)
		goto bad;
	*out = chain;
	return true;
bad:
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	return eaa_fail(err, EAA_E_FORMAT, "RIM: KeyInfo does not hold a chain "
			"of 2 to %d DER certificates", MAX_RIM_CERTS);
}

static bool rim_chain_verify(STACK_OF(X509) *chain, X509 *test_root, time_t at,
			     const char *tag, struct eaa_err *err)
{
	X509 *last = sk_X509_value(chain, sk_X509_num(chain) - 1), *root;
	char name[128];
	bool ok;

	if (test_root ? EVP_PKEY_eq(X509_get0_pubkey(last), X509_get0_pubkey(test_root)) != 1
		      : !nv_key_is_pinned_rim_root(X509_get0_pubkey(last))) {
		nv_cert_name(last, name, sizeof(name));
		ERR_clear_error();
		return eaa_fail(err, EAA_E_UNTRUSTED, "RIM %s: chain ends at \"%s\", "
				"whose key is not the pinned NVIDIA CoRIM signing "
				"Root CA's", tag, name);
	}
	if (!(root = test_root ? (X509_up_ref(test_root), test_root) : nv_rim_root()))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = intel_chain_verify(chain, root, at, NULL, "RIM certificate chain", err);
	X509_free(root);
	return ok || eaa_err_prefix(err, "RIM %s", tag);
}

/* The signature with the signer's key only: xmlsec never picks a key from
 * the document, and only the transforms NVIDIA's RIMs use are enabled (no
 * XPath, XSLT or external URIs). */
static bool check_dsig(xmlNode *sig, EVP_PKEY *signer, const char *tag,
		       struct eaa_err *err)
{
	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
	xmlSecKeyDataPtr data = NULL;
	xmlSecDSigReferenceCtxPtr ref;
	bool ok = false;

	if (!ctx || !(ctx->signKey = xmlSecKeyCreate()) || EVP_PKEY_up_ref(signer) != 1)
		goto nomem;
	if (!(data = xmlSecOpenSSLEvpKeyAdopt(signer))) {
		EVP_PKEY_free(signer);
		goto nomem;
	}
	if (xmlSecKeySetValue(ctx->signKey, data) < 0) {
		xmlSecKeyDataDestroy(data);
		goto nomem;
	}
	ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
	if (xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformInclC14N11Id) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformInclC14NId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha384Id) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformInclC14N11Id) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformInclC14NId) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha384Id) < 0)
		goto nomem;
	if (xmlSecDSigCtxVerify(ctx, sig) < 0 || ctx->status != xmlSecDSigStatusSucceeded) {
		eaa_fail(err, EAA_E_SIGNATURE, "RIM %s: XML signature does not "
			 "verify with its signer certificate", tag);
		goto out;
	}
	/* One reference, to the whole document (less the signature). */
	ref = xmlSecPtrListGetSize(&ctx->signedInfoReferences) == 1 ?
	      xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0) : NULL;
	if (!ref || (ref->uri && ref->uri[0])) {
		eaa_fail(err, EAA_E_SIGNATURE, "RIM %s: the signature does not "
			 "cover exactly the whole document", tag);
		goto out;
	}
	ok = true;
	goto out;
nomem:
	eaa_fail(err, EAA_E_CRYPTO, "RIM %s: xmlsec1 setup failed", tag);
out:
	xmlSecDSigCtxDestroy(ctx);
	ERR_clear_error();
	return ok;
}

bool nv_rim_load(const char *xml, size_t n, X509 *test_root, time_t at,
		 struct nv_rim *rim, struct eaa_err *err)
{
	xmlDoc *doc;
	xmlNode *root, *sig;
	STACK_OF(X509) *chain = NULL;
	bool ok = false;

	memset(rim, 0, sizeof(*rim));
	if (!(doc = read_xml(xml, n, err)))
		return false;
	if (!read_tag(doc, rim, err))
		goto out;
	root = xmlDocGetRootElement(doc);
	sig = (xmlNode *)child(root, DSIG_NS, "Signature");
	if (!sig || count_signatures(root) != 1) {
		eaa_fail(err, EAA_E_SIGNATURE, "RIM %s: want exactly one Signature, "
			 "a child of SoftwareIdentity", rim->tag_id);
		goto out;
	}
	if (!keyinfo_chain(sig, &chain, err) ||
	    !rim_chain_verify(chain, test_root, at, rim->tag_id, err) ||
	    !check_dsig(sig, X509_get0_pubkey(sk_X509_value(chain, 0)), rim->tag_id, err))
		goto out;
	rim->signature_checked = ok = true;
out:
	sk_X509_pop_free(chain, X509_free);
	xmlFreeDoc(doc);
	return ok;
}

static const struct spdm_block *block_of(const struct spdm_report *r, unsigned index)
{
	for (unsigned i = 0; i < r->nblocks; i++)
		if (r->blocks[i].index == index)
			return &r->blocks[i];
	return NULL;
}

static bool text_equal(const struct nv_opaque *o, const char *lower)
{
	size_t n = o ? rd_left(&o->data) : 0;

	while (n > 0 && o->data.p[n - 1] == 0)
		n--;
	if (!o || n != strlen(lower))
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower(o->data.p[i]) != lower[i])
			return false;
	return true;
}

/* The VBIOS version as nvtrust prints it, for comparing with a RIM's. */
static void vbios_text(const struct nv_opaque *o, char *buf, size_t len)
{
	size_t n = o ? rd_left(&o->data) : 0, half = n / 2, at = 0;

	buf[0] = '\0';
	if (n < 2)
		return;
	for (size_t i = half; i > 0 && at < len; i--)
		at += (size_t)snprintf(buf + at, len - at, "%02x.", o->data.p[i - 1]);
	if (at < len)
		snprintf(buf + at, len - at, "%02x", o->data.p[half]);
}

static json_t *rim_json(const struct nv_rim *rim, size_t matched)
{
	return json_pack("{s:s, s:s, s:I}", "tag_id", rim->tag_id, "version",
			 rim->version, "matched", (json_int_t)matched);
}

bool nv_rim_check(const struct spdm_report *r, const struct nv_trust *trust,
		  time_t at, json_t *dev, struct eaa_err *err)
{
	struct nv_rim *rims[2] = { NULL, NULL }; /* driver, VBIOS */
	const char *what[2] = { "driver", "VBIOS" };
	const struct nv_opaque *nvdec = nv_opaque_find(r, NV_OD_NVDEC0_STATUS);
	bool skip35 = nvdec && rd_left(&nvdec->data) == 1 && nvdec->data.p[0] == NVDEC0_DISABLED;
	size_t matched[2] = { 0, 0 };
	char vbios[64];
	json_t *o = NULL, *skipped = NULL;
	bool ok = false;

	if (!trust || !trust->rims || !trust->rims[0])
		return json_object_set_new(dev, "rim", json_pack("{s:b}", "checked", 0)) == 0 ||
		       eaa_fail(err, EAA_E_NOMEM, "out of memory");
	vbios_text(nv_opaque_find(r, NV_OD_VBIOS_VERSION), vbios, sizeof(vbios));
	for (size_t i = 0; trust->rims[i]; i++) {
		struct nv_rim *rim = malloc(sizeof(*rim));
		int k;

		if (!rim) {
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
			goto out;
		}
		if (!nv_rim_load(trust->rims[i], trust->rim_lens[i], trust->test_rim_root, at,
				 rim, err)) {
			free(rim);
			goto out;
		}
		k = text_equal(nv_opaque_find(r, NV_OD_DRIVER_VERSION), rim->version) ? 0 :
		    strcmp(rim->version, vbios) == 0 ? 1 : -1;
		if (k < 0 || rims[k]) {
			eaa_fail(err, EAA_E_REJECTED, k < 0 ?
				 "RIM %s: version %s is neither the GPU's driver's nor "
				 "its VBIOS's (%s)" : "RIM %s: a second RIM for the %s",
				 rim->tag_id, k < 0 ? rim->version : what[k], vbios);
			free(rim);
			goto out;
		}
		rims[k] = rim;
	}
	if (!(skipped = json_array()))
		goto nomem;
	for (int k = 0; k < 2; k++) {
		for (size_t j = 0; rims[k] && j < rims[k]->nres; j++) {
			const struct nv_rim_res *g = &rims[k]->res[j];
			const struct spdm_block *b;
			bool hit = false;

			if (!g->active)
				continue;
			for (size_t m = 0; k == 1 && rims[0] && m < rims[0]->nres; m++)
				if (rims[0]->res[m].active && rims[0]->res[m].index == g->index) {
					eaa_fail(err, EAA_E_REJECTED, "RIMs: the driver's and "
						 "the VBIOS's both give measurement %u",
						 g->index + 1);
					goto out;
				}
			if (g->index == 35 && skip35) {
				if (json_array_append_new(skipped, json_integer(36)) != 0)
					goto nomem;
				continue;
			}
			if (!(b = block_of(r, g->index + 1))) {
				eaa_fail(err, EAA_E_REJECTED, "RIM %s: the report has no "
					 "measurement %u", rims[k]->tag_id, g->index + 1);
				goto out;
			}
			for (size_t a = 0; a < g->nalt && !hit; a++)
				hit = rd_left(&b->value) == g->size &&
				      CRYPTO_memcmp(b->value.p, g->alt[a], g->size) == 0;
			if (!hit) {
				eaa_fail(err, EAA_E_REJECTED, "GPU measurement %u matches "
					 "none of the %zu value(s) of the %s RIM %s",
					 g->index + 1, g->nalt, what[k], rims[k]->tag_id);
				goto out;
			}
			matched[k]++;
		}
	}
	o = json_pack("{s:b, s:b, s:o, s:o, s:o}", "checked", 1, "complete",
		      rims[0] && rims[1],
		      "driver", rims[0] ? rim_json(rims[0], matched[0]) : json_null(),
		      "vbios", rims[1] ? rim_json(rims[1], matched[1]) : json_null(),
		      "skipped", skipped);
	skipped = NULL;
	if (!o || json_object_set_new(dev, "rim", o) != 0)
		goto nomem;
	ok = true;
	goto out;
nomem:
	eaa_fail(err, EAA_E_NOMEM, "out of memory");
out:
	json_decref(skipped);
	free(rims[0]);
	free(rims[1]);
	return ok;
}
