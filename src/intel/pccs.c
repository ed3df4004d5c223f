/* pccs.c - Intel collateral from a PCCS/PCS into a cache (see pccs.h).
 * Nothing fetched is trusted: a set is used only after collateral_load_dir
 * has checked it against the pinned root. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "http_get.h"
#include "bytes.h"
#include "codec.h"
#include "collateral.h"
#include "file.h"
#include "pccs.h"
#include "pck.h"
#include "quote.h"

#define MAX_BODY (1u << 20)

static const char *const set_files[] = {
	"tcb-info.json", "tcb-info-issuer-chain.pem", "qe-identity.json",
	"qe-identity-issuer-chain.pem", "pck-crl.der",
	"pck-crl-issuer-chain.pem", "root-ca-crl.der",
};

struct response {
	struct wr body;
	const char *const *want; /* header names to capture, NULL-ended */
	char *header;            /* the first of them found, URL-decoded */
};

/* Percent-decoding, as PCS encodes the PEM chains in its headers. */
static char *url_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	for (size_t i = 0; out && i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 &&
		    hex_digit(s[i + 2]) >= 0) {
			*o++ = (char)(hex_digit(s[i + 1]) << 4 | hex_digit(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	if (out)
		*o = '\0';
	return out;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct response *r = arg;
	size_t len = size * n;

	for (size_t i = 0; !r->header && r->want && r->want[i]; i++) {
		size_t k = strlen(r->want[i]);
		size_t v, end = len;

		if (len <= k || strncasecmp(p, r->want[i], k) != 0 || p[k] != ':')
			continue;
		for (v = k + 1; v < len && (p[v] == ' ' || p[v] == '\t'); v++)
			;
		while (end > v && (p[end - 1] == '\r' || p[end - 1] == '\n' ||
				   p[end - 1] == ' '))
			end--;
		r->header = url_decode(p + v, end - v);
	}
	return len;
}

static bool get(const struct pccs *p, const char *url,
		const char *const *headers, struct response *r,
		struct eaa_err *err)
{
	struct http_get g = { .what = "PCS", .url = url, .max = MAX_BODY,
			      .ca_file = p->ca_file, .insecure = p->insecure,
			      .on_header = on_header, .header_arg = r };

	r->want = headers;
	r->header = NULL;
	if (!http_get(&g, &r->body, err))
		return false;
	if (headers && headers[0] && !r->header)
		return eaa_fail(err, EAA_E_FORMAT, "%s: no %s header", url,
				headers[0]);
	return true;
}

static void response_free(struct response *r)
{
	wr_free(&r->body);
	free(r->header);
	r->header = NULL;
}

static bool save(const char *dir, const char *name, const void *p, size_t n,
		 struct eaa_err *err)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return eaa_fail(err, EAA_E_CONFIG, "%s: path too long", dir);
	return file_write_atomic(path, p, n, 0644, err);
}

/* PCCS has served CRLs as hex text; we store DER. */
static uint8_t *unhex(const struct wr *body, size_t *n)
{
	char *text;
	uint8_t *raw = NULL;

	for (size_t i = 0; i < body->len; i++)
		if (hex_digit(body->buf[i]) < 0)
			return NULL;
	if (body->len == 0 || !(text = strndup((char *)body->buf, body->len)))
		return NULL;
	if (!hex_decode(text, &raw, n))
		raw = NULL;
	free(text);
	return raw;
}

/* Fetch one document (and its issuer-chain header) into dir. */
static bool fetch(const struct pccs *p, const char *url, const char *file,
		  const char *const *headers, const char *chain_file,
		  const char *dir, struct eaa_err *err)
{
	struct response r;
	bool ok = get(p, url, headers, &r, err);
	uint8_t *raw = NULL;
	size_t n = 0;

	if (ok && strstr(file, ".der") && (raw = unhex(&r.body, &n)))
		ok = save(dir, file, raw, n, err);
	else if (ok)
		ok = save(dir, file, r.body.buf, r.body.len, err);
	if (ok && chain_file)
		ok = save(dir, chain_file, r.header, strlen(r.header), err);
	free(raw);
	response_free(&r);
	return ok;
}

static void remove_set(const char *dir)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(set_files) / sizeof(set_files[0]); i++)
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     set_files[i]) < sizeof(path))
			unlink(path);
	rmdir(dir);
}

static bool fetch_set(const struct pccs *p, bool tdx, const char *fmspc,
		      const char *ca, const char *dir, struct eaa_err *err)
{
	static const char *const tcb_hdr[] = { "TCB-Info-Issuer-Chain",
					       "SGX-TCB-Info-Issuer-Chain", NULL };
	static const char *const qe_hdr[] = {
		"SGX-Enclave-Identity-Issuer-Chain", NULL };
	static const char *const crl_hdr[] = { "SGX-PCK-CRL-Issuer-Chain", NULL };
	const char *tee = tdx ? "tdx" : "sgx";
	char url[1024], root_url[1024];

	snprintf(root_url, sizeof(root_url), "%s/sgx/certification/v4/rootcacrl",
		 p->url);
	snprintf(url, sizeof(url), "%s/%s/certification/v4/tcb?fmspc=%s",
		 p->url, tee, fmspc);
	if (!fetch(p, url, "tcb-info.json", tcb_hdr, "tcb-info-issuer-chain.pem",
		   dir, err))
		return false;
	snprintf(url, sizeof(url), "%s/%s/certification/v4/qe/identity", p->url,
		 tee);
	if (!fetch(p, url, "qe-identity.json", qe_hdr,
		   "qe-identity-issuer-chain.pem", dir, err))
		return false;
	snprintf(url, sizeof(url),
		 "%s/sgx/certification/v4/pckcrl?ca=%s&encoding=der", p->url, ca);
	if (!fetch(p, url, "pck-crl.der", crl_hdr, "pck-crl-issuer-chain.pem",
		   dir, err))
		return false;
	return fetch(p, p->root_crl_url ? p->root_crl_url : root_url,
		     "root-ca-crl.der", NULL, NULL, dir, err);
}

bool pccs_collateral(const struct pccs *p, bool tdx, const uint8_t fmspc[6],
		     const char *ca, X509 *root, time_t at, char *dir,
		     size_t dir_len, struct eaa_err *err)
{
	const char *tee = tdx ? "tdx" : "sgx";
	char hex[13], tmp[PATH_MAX];
	struct collateral c;
	struct eaa_err stale;
	bool ok;

	for (int i = 0; i < 6; i++)
		snprintf(hex + 2 * i, 3, "%02x", fmspc[i]);
	if (strcmp(ca, "platform") != 0 && strcmp(ca, "processor") != 0)
		return eaa_fail(err, EAA_E_INVALID, "PCK CA \"%s\"", ca);
	/* One platform can make SGX and TDX quotes: the TEE is in the key. */
	snprintf(dir, dir_len, "%s/%s-%s", p->cache_dir, tee, hex);
	snprintf(tmp, sizeof(tmp), "%s/.%s-%s.XXXXXX", p->cache_dir, tee, hex);
	/* The cached set, while it checks out at this time. */
	if (collateral_load_dir(dir, root, at, &c, &stale)) {
		collateral_free(&c);
		return true;
	}
	if (mkdir(p->cache_dir, 0755) != 0 && errno != EEXIST)
		return eaa_fail(err, EAA_E_IO, "%s: %s", p->cache_dir,
				strerror(errno));
	if (!mkdtemp(tmp))
		return eaa_fail(err, EAA_E_IO, "%s: %s", tmp, strerror(errno));
	ok = fetch_set(p, tdx, hex, ca, tmp, err);
	if (ok && !collateral_load_dir(tmp, root, at, &c, err))
		ok = eaa_err_prefix(err, "collateral fetched from %s", p->url);
	else if (ok)
		collateral_free(&c);
	if (ok) {
		/* Swap in the new set whole; the old one goes. */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) != 0 &&
		    rename(tmp, dir) != 0)
			ok = eaa_fail(err, EAA_E_IO, "%s: %s", dir,
				      strerror(errno));
	}
	remove_set(tmp);
	return ok;
}

bool collateral_for_quote(const struct quote *q, const char *dir,
			  const struct pccs *p, X509 *root, time_t at,
			  char *out, size_t out_len, struct eaa_err *err)
{
	STACK_OF(X509) *chain = NULL;
	struct pck_ext ext;
	struct stat st;
	char probe[PATH_MAX], *fmspc;
	const char *ca;
	bool ok;

	snprintf(probe, sizeof(probe), "%s/tcb-info.json", dir);
	if (!p && stat(probe, &st) == 0) {
		snprintf(out, out_len, "%s", dir);
		return true;
	}
	if (!pem_certs_parse(q->pck_chain, &chain, "PCK chain", err))
		return false;
	ok = pck_ext_parse(sk_X509_value(chain, 0), &ext, err);
	ca = pck_ca_type(sk_X509_value(chain, 0));
	sk_X509_pop_free(chain, X509_free);
	if (!ok)
		return false;
	if (p) {
		if (!ca)
			return eaa_fail(err, EAA_E_UNTRUSTED, "PCK chain: issuer "
					"is neither Intel PCK CA");
		return pccs_collateral(p, q->tee_type == QUOTE_TEE_TDX,
				       ext.fmspc, ca, root, at, out, out_len,
				       err);
	}
	if (!(fmspc = hex_encode(ext.fmspc, 6)))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	snprintf(out, out_len, "%s/%s-%s", dir, quote_tee_name(q), fmspc);
	free(fmspc);
	return true;
}
