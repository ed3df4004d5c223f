/* nv_rim.c - a RIM read with libxml2, its XML-DSig checked with xmlsec1
 * (OpenSSL) and its chain checked to NVIDIA's pinned RIM root (see
 * nv_rim.h). The comparison with a report is nv_rim_match.c's. */
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
#include "nv_rim.h"
#include "pck.h"

#define SWID_NS "http://standards.iso.org/iso/19770/-2/2015/schema.xsd"
#define HASH_NS "http://www.w3.org/2001/04/xmlenc#sha384"
#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
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
