/* test_handshake.c - real TLS 1.3 handshakes over 127.0.0.1: librats-tls
 * against itself, and a librats-tls client against a plain OpenSSL server
 * presenting crafted certificates, each with one thing wrong. Every
 * rejection must carry its named reason. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include "file.h"
#include "forge.h"
#include "internal.h"
#include "test.h"

static char dir[] = "/tmp/eaa-hs-XXXXXX";
static char trust_path[256], key_path[256];
static EVP_PKEY *signer, *other_signer;

struct srv {
	int lfd, port;
	/* Either a librats-tls handle, or a raw certificate and key. */
	rats_tls_handle lib;
	X509 *cert;
	EVP_PKEY *key;
	rats_tls_err_t rc;
	char err[512];
	char claims[2048];
	pthread_t t;
};

static void *srv_main(void *arg)
{
	struct srv *s = arg;
	char buf[64];
	int fd = accept(s->lfd, NULL, NULL), n;

	if (fd < 0)
		return NULL;
	if (s->lib) {
		rats_tls_conn *c;
		size_t len;

		s->rc = rats_tls_conn_open(s->lib, fd, &c);
		snprintf(s->err, sizeof(s->err), "%s", rats_tls_last_error());
		if (s->rc == RATS_TLS_ERR_NONE) {
			if (rats_tls_conn_claims(c))
				snprintf(s->claims, sizeof(s->claims), "%s",
					 rats_tls_conn_claims(c));
			len = sizeof(buf);
			if (rats_tls_conn_read(c, buf, &len) == 0)
				rats_tls_conn_write(c, buf, &len);
			rats_tls_conn_close(c);
		}
	} else {
		SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
		SSL *ssl;

		SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
		SSL_CTX_use_certificate(ctx, s->cert);
		SSL_CTX_use_PrivateKey(ctx, s->key);
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) == 1 && (n = SSL_read(ssl, buf, sizeof(buf))) > 0)
			SSL_write(ssl, buf, n);
		SSL_shutdown(ssl);
		SSL_free(ssl);
		SSL_CTX_free(ctx);
		ERR_clear_error();
	}
	close(fd);
	return NULL;
}

static void srv_start(struct srv *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(s->lfd, (struct sockaddr *)&a, sizeof(a));
	listen(s->lfd, 4);
	getsockname(s->lfd, (struct sockaddr *)&a, &len);
	s->port = ntohs(a.sin_port);
	pthread_create(&s->t, NULL, srv_main, s);
}

static void srv_join(struct srv *s)
{
	pthread_join(s->t, NULL);
	close(s->lfd);
}

static int dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct client_result {
	rats_tls_err_t rc;
	char err[512];
	char claims[2048];
	char tee[32];
};

/* Run a librats-tls client against port; echo one message on success. */
static void client_run(const rats_tls_conf_t *conf, int port,
		       struct client_result *r)
{
	rats_tls_handle h;
	int fd;

	memset(r, 0, sizeof(*r));
	r->rc = rats_tls_init(conf, &h);
	if (r->rc) {
		snprintf(r->err, sizeof(r->err), "%s", rats_tls_last_error());
		/* Let the server thread finish its accept. */
		if ((fd = dial(port)) >= 0)
			close(fd);
		return;
	}
	fd = dial(port);
	r->rc = rats_tls_negotiate(h, fd);
	snprintf(r->err, sizeof(r->err), "%s", rats_tls_strerror(h));
	if (r->rc == RATS_TLS_ERR_NONE) {
		char buf[8];
		size_t len = 4;

		snprintf(r->claims, sizeof(r->claims), "%s",
			 rats_tls_peer_claims(h));
		snprintf(r->tee, sizeof(r->tee), "%s", h->current->peer.tee);
		if (rats_tls_transmit(h, "ping", &len) != 0)
			r->rc = EAA_E_IO;
		len = sizeof(buf);
		if (rats_tls_receive(h, buf, &len) != 0 || len != 4 ||
		    memcmp(buf, "ping", 4) != 0)
			r->rc = EAA_E_IO;
	}
	rats_tls_cleanup(h);
	close(fd);
}

/* One connection: serve it in a thread, run the client against it, join. */
static void round_trip(struct srv *s, const rats_tls_conf_t *conf,
		       struct client_result *r)
{
	srv_start(s);
	client_run(conf, s->port, r);
	srv_join(s);
}

static rats_tls_conf_t client_conf(const char *verifier, const char **opts)
{
	rats_tls_conf_t c = { .api_version = RATS_TLS_API_VERSION,
			      .log_level = RATS_TLS_LOG_LEVEL_NONE };

	snprintf(c.verifier_type, sizeof(c.verifier_type), "%s", verifier);
	c.options = opts;
	return c;
}

/* A raw server with a crafted certificate, a librats-tls client. */
static void expect_forged_opts(const char *name, const struct forge *f,
			       const char *verifier, const char **opts,
			       enum eaa_code want, const char *substr)
{
	rats_tls_conf_t conf = client_conf(verifier, opts);
	struct srv s = { .key = f->cert_key };
	struct client_result r;

	s.cert = forge_cert(f);
	CHECK_MSG(s.cert != NULL, "%s: forge failed", name);
	if (!s.cert)
		return;
	round_trip(&s, &conf, &r);
	X509_free(s.cert);
	CHECK_MSG(r.rc == want && (!substr || strstr(r.err, substr)),
		  "%s: got %d (%s) \"%s\", want %d (%s) containing \"%s\"",
		  name, r.rc, eaa_code_name(r.rc), r.err, want,
		  eaa_code_name(want), substr ? substr : "");
}

static void expect_forged(const char *name, const struct forge *f,
			  const char *verifier, enum eaa_code want,
			  const char *substr)
{
	const char *opts[] = { trust_path, NULL };

	expect_forged_opts(name, f, verifier, opts, want, substr);
}

static void test_forged(void)
{
	EVP_PKEY *k = forge_key(), *k2 = forge_key();
	struct forge base = { .cert_key = k, .signer = signer }, f;
	X509 *good;
	uint8_t *ext;
	size_t ext_len;

	/* The positive control: the forge makes correct certificates. */
	expect_forged("correct sample evidence", &base, "sample", EAA_OK, NULL);
	expect_forged("verifier inferred from trust", &base, "", EAA_OK, NULL);

	/* Evidence lifted from one certificate into another's. */
	good = forge_cert(&base);
	ext = forge_ext_of(good, &ext_len);
	{
		const char *opts[] = { trust_path, NULL };
		rats_tls_conf_t conf = client_conf("sample", opts);
		struct srv s = { .key = k2 };
		struct client_result r;

		s.cert = forge_cert_with_ext(k2, ext, ext_len);
		round_trip(&s, &conf, &r);
		X509_free(s.cert);
		CHECK_MSG(r.rc == EAA_E_BINDING &&
			  strstr(r.err, "bound to a different key"),
			  "lifted evidence: %d %s", r.rc, r.err);
	}
	free(ext);
	X509_free(good);

	f = base;
	f.bind_key = k2;
	expect_forged("pubkey-hash of another key", &f, "sample", EAA_E_BINDING,
		      "different key");
	f = base;
	f.tamper_sig = true;
	expect_forged("tampered evidence signature", &f, "sample",
		      EAA_E_SIGNATURE, "signature does not verify");
	f = base;
	f.signer = other_signer;
	expect_forged("untrusted signer", &f, "sample", EAA_E_UNTRUSTED,
		      "not a trusted sample key");
	f = base;
	f.tag = TAG_SEV_SNP;
	expect_forged("verifier for a different TEE", &f, "sample",
		      EAA_E_TEE_MISMATCH, "SEV-SNP report");
	/* sev_snp's roots are built in: it is inferred, and refuses this */
	expect_forged("SEV-SNP tag, verifier inferred", &f, "",
		      EAA_E_FORMAT, "verifier sev_snp: SNP report: ");
	f.tag = TAG_CSV;
	expect_forged("CSV tag, verifier inferred", &f, "",
		      EAA_E_FORMAT, "verifier csv: CSV report: ");
	f.tag = TAG_SEV;
	expect_forged("no configured verifier for the TEE", &f, "",
		      EAA_E_TEE_MISMATCH, "no verifier with configured trust");
	f = base;
	f.no_evidence = true;
	expect_forged("plain certificate, no verifier named", &f, "",
		      EAA_E_NO_EVIDENCE, "carries no attestation evidence");
	expect_forged("plain certificate, sample verifier", &f, "sample",
		      EAA_E_NO_EVIDENCE, "2.23.133.5.4.9");
	expect_forged("plain certificate, nullverifier named", &f,
		      "nullverifier", EAA_OK, NULL);

	static const struct {
		enum forge_shape shape;
		const char *why;
	} shapes[] = {
		{ SHAPE_ARRAY3, "array has 3 elements, expected 2" },
		{ SHAPE_ARRAY1, "array has 1 elements, expected 2" },
		{ SHAPE_EVIDENCE_TSTR, "element 0 (evidence): expected a byte string, found a text string" },
		{ SHAPE_CLAIMS_UINT, "element 1 (claims-buffer): expected a byte string, found a unsigned integer" },
		{ SHAPE_NO_TAG, "expected a tag, found a array" },
		{ SHAPE_TRUNCATED, "truncated or invalid CBOR" },
		{ SHAPE_OVERSIZED, "exceeds the" },
		{ SHAPE_TRAILING, "trailing bytes" },
		{ SHAPE_PKHASH_ARRAY3, "pubkey-hash is not a CBOR array of 2" },
		{ SHAPE_PKHASH_TSTR, "pubkey-hash[1] is not a byte string" },
		{ SHAPE_NO_PKHASH, "no \"pubkey-hash\" claim" },
	};
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		char name[64];

		f = base;
		f.shape = shapes[i].shape;
		snprintf(name, sizeof(name), "shape %d", (int)shapes[i].shape);
		/* The no-pubkey-hash buffer still binds to report_data, so it
		 * fails at the claims-buffer, after the signature check. */
		expect_forged(name, &f, "sample", EAA_E_FORMAT, shapes[i].why);
	}

	f = base;
	f.claims_mismatch = true;
	expect_forged("claims-buffer not what report_data signs", &f, "sample",
		      EAA_E_BINDING, "SHA-256 of the claims-buffer");
	f = base;
	f.legacy = true;
	expect_forged("legacy OID read as an Intel quote", &f, "sample",
		      EAA_E_TEE_MISMATCH, "Intel SGX/TDX quote");

	/* Nonces: evidence with a nonce that is not ours. */
	{
		static const uint8_t n1[8] = "nonce-01", n2[8] = "nonce-02";
		const char *opts[] = { trust_path, NULL };
		rats_tls_conf_t conf = client_conf("sample", opts);
		struct srv s = { .key = k };
		struct client_result r;

		f = base;
		f.nonce = n1;
		f.nonce_len = sizeof(n1);
		s.cert = forge_cert(&f);
		conf.nonce = n2;
		conf.nonce_len = sizeof(n2);
		round_trip(&s, &conf, &r);
		CHECK_MSG(r.rc == EAA_E_NONCE && strstr(r.err, "different nonce"),
			  "wrong nonce: %d %s", r.rc, r.err);

		/* The same evidence with no expectation: a nonce that is not
		 * this connection's hello random is a replay. */
		conf.nonce = NULL;
		conf.nonce_len = 0;
		round_trip(&s, &conf, &r);
		CHECK_MSG(r.rc == EAA_E_NONCE && strstr(r.err, "hello random"),
			  "replayed nonce: %d %s", r.rc, r.err);

		/* The right nonce passes. */
		conf.nonce = n1;
		conf.nonce_len = sizeof(n1);
		round_trip(&s, &conf, &r);
		CHECK_MSG(r.rc == EAA_OK, "right nonce: %d %s", r.rc, r.err);
		X509_free(s.cert);

		/* No nonce when one is required. */
		s.cert = forge_cert(&base);
		conf.nonce = NULL;
		conf.nonce_len = 0;
		conf.flags |= RATS_TLS_CONF_FLAGS_REQUIRE_NONCE;
		round_trip(&s, &conf, &r);
		X509_free(s.cert);
		CHECK_MSG(r.rc == EAA_E_NONCE && strstr(r.err, "no nonce"),
			  "missing nonce: %d %s", r.rc, r.err);
	}
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static rats_tls_handle server_handle(const char *attester, const char *verifier,
				     unsigned long flags,
				     rats_tls_cert_algo_t algo)
{
	static const char *opts[4];
	rats_tls_conf_t c = { .api_version = RATS_TLS_API_VERSION,
			      .log_level = RATS_TLS_LOG_LEVEL_NONE,
			      .flags = RATS_TLS_CONF_FLAGS_SERVER | flags,
			      .cert_algo = algo };
	rats_tls_handle h = NULL;

	opts[0] = key_path;
	opts[1] = trust_path;
	opts[2] = NULL;
	c.options = opts;
	snprintf(c.attester_type, sizeof(c.attester_type), "%s", attester);
	snprintf(c.verifier_type, sizeof(c.verifier_type), "%s", verifier);
	if (rats_tls_init(&c, &h) != 0)
		fprintf(stderr, "server init: %s\n", rats_tls_last_error());
	return h;
}

static int reject_all(void *arg, const rats_tls_claims_t *claims)
{
	*(int *)arg += 1;
	return strstr(claims->json, "measurement") ? 1 : 0;
}

/* librats-tls on both ends. */
static void test_library_pairs(void)
{
	static const struct {
		const char *name;
		unsigned long flags;
		rats_tls_cert_algo_t algo;
	} modes[] = {
		{ "one-way P-256", 0, RATS_TLS_CERT_ALGO_ECDSA_P256 },
		{ "one-way P-384", 0, RATS_TLS_CERT_ALGO_ECDSA_P384 },
		{ "one-way RSA-3072", 0, RATS_TLS_CERT_ALGO_RSA_3072 },
		{ "fresh evidence", RATS_TLS_CONF_FLAGS_FRESH_EVIDENCE,
		  RATS_TLS_CERT_ALGO_ECDSA_P256 },
		{ "mutual", RATS_TLS_CONF_FLAGS_MUTUAL,
		  RATS_TLS_CERT_ALGO_ECDSA_P256 },
		{ "mutual fresh", RATS_TLS_CONF_FLAGS_MUTUAL |
		  RATS_TLS_CONF_FLAGS_FRESH_EVIDENCE, RATS_TLS_CERT_ALGO_ECDSA_P256 },
	};
	const char *copts[] = { key_path, trust_path, NULL };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		bool mutual = modes[i].flags & RATS_TLS_CONF_FLAGS_MUTUAL;
		struct srv s = { .lib = server_handle("sample",
						      mutual ? "sample" : "",
						      modes[i].flags,
						      modes[i].algo) };
		rats_tls_conf_t conf = client_conf("sample", copts);
		struct client_result r;

		CHECK(s.lib != NULL);
		if (!s.lib)
			continue;
		conf.flags = modes[i].flags;
		conf.cert_algo = modes[i].algo;
		if (mutual)
			snprintf(conf.attester_type, sizeof(conf.attester_type), "sample");
		if (modes[i].flags & RATS_TLS_CONF_FLAGS_FRESH_EVIDENCE)
			conf.flags |= RATS_TLS_CONF_FLAGS_REQUIRE_NONCE;
		round_trip(&s, &conf, &r);
		CHECK_MSG(r.rc == EAA_OK && s.rc == EAA_OK &&
			  strstr(r.claims, "\"measurement\"") &&
			  strcmp(r.tee, "sample") == 0,
			  "%s: client %d %s / server %d %s", modes[i].name, r.rc,
			  r.err, s.rc, s.err);
		if (mutual)
			CHECK_MSG(strstr(s.claims, "\"svn\":0"),
				  "%s: server saw client claims %s",
				  modes[i].name, s.claims);
		rats_tls_cleanup(s.lib);
	}

	/* Mutual: a client with no evidence is refused by the server. */
	{
		struct srv s = { .lib = server_handle("sample", "sample",
						      RATS_TLS_CONF_FLAGS_MUTUAL,
						      0) };
		rats_tls_conf_t conf = client_conf("sample", copts);
		struct client_result r;

		conf.flags = RATS_TLS_CONF_FLAGS_MUTUAL;
		snprintf(conf.attester_type, sizeof(conf.attester_type),
			 "nullattester");
		round_trip(&s, &conf, &r);
		CHECK_MSG(s.rc == EAA_E_NO_EVIDENCE && r.rc != EAA_OK,
			  "mutual, unattested client: server %d %s, client %d",
			  s.rc, s.err, r.rc);
		rats_tls_cleanup(s.lib);
	}

	/* The application's callback can refuse verified claims. */
	{
		struct srv s = { .lib = server_handle("sample", "", 0, 0) };
		rats_tls_conf_t conf = client_conf("sample", copts);
		struct client_result r;
		int calls = 0;

		conf.claims_cb = reject_all;
		conf.claims_cb_arg = &calls;
		round_trip(&s, &conf, &r);
		CHECK_MSG(r.rc == EAA_E_REJECTED && calls == 1 &&
			  strstr(r.err, "refused the peer's claims"),
			  "callback refusal: %d %s", r.rc, r.err);
		rats_tls_cleanup(s.lib);
	}
}

/* A real TDX quote in a certificate: the Intel verifiers check it fully,
 * and then the binding refuses it, because its report_data was made for
 * another key. Which proves the binding is checked after the quote. */
static void test_intel_evidence(void)
{
	static const char *tdx_opts[] = {
		"tdx_ecdsa.allow_no_collateral=1",
		"tdx_ecdsa.at=2025-01-01T00:00:00Z",
		"sgx_ecdsa.allow_no_collateral=1", NULL };
	static const char *early[] = {
		"tdx_ecdsa.allow_no_collateral=1",
		"tdx_ecdsa.at=2020-01-01T00:00:00Z", NULL };
	const char *data = getenv("EAA_TESTDATA");
	char path[1024];
	struct forge f = { .cert_key = forge_key(), .signer = signer,
			   .tag = 60000 };
	uint8_t *quote;
	size_t n;
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/intel/tdx_quote_4.dat",
		 data ? data : "tests/data");
	if (!file_read(path, 1 << 20, &quote, &n, &err)) {
		CHECK_MSG(false, "%s", err.msg);
		return;
	}
	f.quote = quote;
	f.quote_len = n;
	expect_forged_opts("real TDX quote, foreign report_data", &f,
			   "tdx_ecdsa", tdx_opts, EAA_E_BINDING, "report_data");
	expect_forged_opts("tdx alias", &f, "tdx", tdx_opts, EAA_E_BINDING,
			   "report_data");
	expect_forged_opts("verifier inferred by quote type", &f, "", tdx_opts,
			   EAA_E_BINDING, "report_data");
	expect_forged_opts("SGX verifier, TDX quote", &f, "sgx_ecdsa", tdx_opts,
			   EAA_E_TEE_MISMATCH, "is a tdx quote");
	expect_forged_opts("PCK chain not yet valid", &f, "tdx_ecdsa", early,
			   EAA_E_EXPIRED, "PCK chain");
	{
		char col[1100], fmspc_dir[1100];
		const char *with_col[] = { col, "tdx_ecdsa.at=2023-06-20T00:00:00Z",
					   NULL };
		const char *by_fmspc[] = { fmspc_dir,
					   "tdx_ecdsa.at=2023-06-20T00:00:00Z",
					   NULL };

		snprintf(col, sizeof(col),
			 "tdx_ecdsa.collateral=%s/intel/pcs-50806f000000",
			 data ? data : "tests/data");
		snprintf(fmspc_dir, sizeof(fmspc_dir),
			 "tdx_ecdsa.collateral=%s/intel", data ? data : "tests/data");
		expect_forged_opts("real TDX quote with collateral", &f,
				   "tdx_ecdsa", with_col, EAA_E_BINDING,
				   "report_data");
		expect_forged_opts("collateral looked up by FMSPC", &f,
				   "tdx_ecdsa", by_fmspc, EAA_E_IO,
				   "intel/tdx-50806f000000/root-ca-crl");
	}
	quote[300] ^= 1;
	expect_forged_opts("tampered TDX quote", &f, "tdx_ecdsa", tdx_opts,
			   EAA_E_SIGNATURE, "quote signature");
	free(quote);
	EVP_PKEY_free(f.cert_key);
}

/* Configuration mistakes fail at init, naming the mistake. */
/* A sample server, one-way or mutual, with tls.fresh=1 or without (then
 * one certificate per handle: cached evidence, as an attester that
 * returns the same evidence every time). */
static rats_tls_handle sample_server(bool mutual, const char *fresh_opt)
{
	const char *opts[] = { key_path, trust_path, fresh_opt, NULL };
	rats_tls_conf_t c = { .api_version = RATS_TLS_API_VERSION,
			      .log_level = RATS_TLS_LOG_LEVEL_NONE,
			      .flags = RATS_TLS_CONF_FLAGS_SERVER |
				       (mutual ? RATS_TLS_CONF_FLAGS_MUTUAL : 0),
			      .attester_type = "sample", .options = opts };
	rats_tls_handle h = NULL;

	if (mutual)
		snprintf(c.verifier_type, sizeof(c.verifier_type), "sample");
	if (rats_tls_init(&c, &h) != 0)
		fprintf(stderr, "server init: %s\n", rats_tls_last_error());
	return h;
}

/* tls.fresh=1 (RATS_TLS_CONF_FLAGS_FRESH): each side's evidence binds the
 * other's hello random, and each side refuses evidence that does not bind
 * its own: cached evidence (no nonce) and a certificate replayed from an
 * earlier handshake (someone else's random) are refused; peers that both
 * bind pass; without the option nothing changes for old peers. */
static void test_fresh_binding(void)
{
	enum { ANY = -1 };
	static const struct {
		const char *name;
		bool mutual;
		const char *srv_opt, *cli_opt;
		int cli_rc, srv_rc; /* ANY: the side's result is not checked */
		const char *why;    /* in the refusing side's message */
	} cases[] = {
		{ "both fresh", false, "tls.fresh=1", "tls.fresh=1", EAA_OK, EAA_OK, NULL },
		{ "cached server evidence, fresh client", false, NULL, "tls.fresh=1",
		  EAA_E_NONCE, ANY, "peer evidence carries no nonce" },
		{ "fresh server, old client", false, "tls.fresh=1", NULL, EAA_OK, EAA_OK, NULL },
		{ "neither (old peers)", false, NULL, NULL, EAA_OK, EAA_OK, NULL },
		{ "mutual, both fresh", true, "tls.fresh=1", "tls.fresh=1", EAA_OK, EAA_OK, NULL },
		{ "mutual, cached client evidence, fresh server", true, "tls.fresh=1", NULL,
		  ANY, EAA_E_NONCE, "peer evidence carries no nonce" },
		{ "mutual, fresh off explicitly", true, "tls.fresh=0", "tls.fresh=0",
		  EAA_OK, EAA_OK, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *copts[] = { key_path, trust_path, cases[i].cli_opt, NULL };
		struct srv s = { .lib = sample_server(cases[i].mutual, cases[i].srv_opt) };
		rats_tls_conf_t conf = client_conf("sample", copts);
		struct client_result r;

		CHECK_MSG(s.lib != NULL, "%s: server init", cases[i].name);
		if (!s.lib)
			continue;
		if (cases[i].mutual) {
			conf.flags = RATS_TLS_CONF_FLAGS_MUTUAL;
			snprintf(conf.attester_type, sizeof(conf.attester_type), "sample");
		}
		round_trip(&s, &conf, &r);
		/* The refused side only sees an alert or a closed socket: the
		 * refusing side's verdict and reason are what is checked. */
		CHECK_MSG((cases[i].cli_rc == ANY || (int)r.rc == cases[i].cli_rc) &&
			  (cases[i].srv_rc == ANY || (int)s.rc == cases[i].srv_rc) &&
			  (!cases[i].why || strstr(cases[i].cli_rc == EAA_E_NONCE ? r.err : s.err,
						   cases[i].why)),
			  "%s: client %d \"%s\" / server %d \"%s\"", cases[i].name,
			  r.rc, r.err, s.rc, s.err);
		rats_tls_cleanup(s.lib);
	}

	/* A certificate replayed from an earlier handshake: its evidence
	 * binds that handshake's random, not this one's. */
	{
		uint8_t earlier[32];
		EVP_PKEY *k = forge_key();
		struct forge f = { .cert_key = k, .signer = signer,
				   .nonce = earlier, .nonce_len = sizeof(earlier) };
		const char *copts[] = { trust_path, "tls.fresh=1", NULL };
		rats_tls_conf_t conf = client_conf("sample", copts);
		struct srv s = { .key = k };
		struct client_result r;

		RAND_bytes(earlier, sizeof(earlier));
		s.cert = forge_cert(&f);
		round_trip(&s, &conf, &r);
		CHECK_MSG(r.rc == EAA_E_NONCE && strstr(r.err, "hello random"),
			  "replayed certificate: %d %s", r.rc, r.err);
		X509_free(s.cert);
		EVP_PKEY_free(k);
	}

	/* The flag is the same as the option; the option takes 0 or 1. */
	{
		const char *copts[] = { key_path, trust_path, NULL };
		struct srv s = { .lib = sample_server(false, NULL) };
		rats_tls_conf_t conf = client_conf("sample", copts);
		struct client_result r;
		const char *bad[] = { "tls.fresh=yes", NULL };
		rats_tls_handle h = NULL;

		conf.flags = RATS_TLS_CONF_FLAGS_FRESH;
		round_trip(&s, &conf, &r);
		CHECK_MSG(r.rc == EAA_E_NONCE, "flag FRESH, cached server: %d %s",
			  r.rc, r.err);
		rats_tls_cleanup(s.lib);
		conf = client_conf("nullverifier", bad);
		CHECK(rats_tls_init(&conf, &h) == EAA_E_CONFIG &&
		      strstr(rats_tls_last_error(), "tls.fresh"));
	}
}

/* A peer that went away fails the next write; it does not end the
 * process of an application that kept SIGPIPE's default action (the
 * agent died of it whenever verdictd had closed a reused channel). The
 * client runs in a child with SIGPIPE at its default; the server closes
 * right after the handshake. */
static void *close_at_once(void *arg)
{
	struct srv *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	rats_tls_conn *c;

	if (fd < 0)
		return NULL;
	if (rats_tls_conn_open(s->lib, fd, &c) == RATS_TLS_ERR_NONE)
		rats_tls_conn_close(c);
	close(fd);
	return NULL;
}

static void test_sigpipe(void)
{
	const char *opts[] = { trust_path, NULL };
	struct srv s = { .lib = sample_server(false, NULL) };
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int status = 0;
	pid_t pid;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s.lfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(s.lfd, (struct sockaddr *)&a, sizeof(a));
	listen(s.lfd, 4);
	getsockname(s.lfd, (struct sockaddr *)&a, &alen);
	s.port = ntohs(a.sin_port);
	pthread_create(&s.t, NULL, close_at_once, &s);
	pid = fork();
	if (pid == 0) {
		rats_tls_conf_t conf = client_conf("sample", opts);
		rats_tls_handle h;
		char chunk[1024] = { 0 };
		bool failed = false;
		int fd, i;

		signal(SIGPIPE, SIG_DFL);
		fd = dial(s.port);
		if (rats_tls_init(&conf, &h) != 0 || rats_tls_negotiate(h, fd) != 0)
			_exit(3);
		/* the first writes may land in the socket buffer before the
		 * peer's reset arrives; one of the next must fail */
		for (i = 0; i < 4096 && !failed; i++) {
			size_t len = sizeof(chunk);

			failed = rats_tls_transmit(h, chunk, &len) != 0;
		}
		rats_tls_cleanup(h);
		_exit(failed ? 0 : 4);
	}
	pthread_join(s.t, NULL);
	close(s.lfd);
	waitpid(pid, &status, 0);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the client %s %d", WIFSIGNALED(status) ? "died of signal" : "exited",
		  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	rats_tls_cleanup(s.lib);
}

static void test_init_errors(void)
{
	static const char *no_opts[] = { NULL };
	static const struct {
		const char *attester, *verifier, *tls;
		unsigned long flags;
		const char *why;
	} cases[] = {
		{ "", "bogus", "", 0, "unknown verifier \"bogus\"" },
		{ "", "sample", "", 0, "sample verifier: no trusted key" },
		{ "", "sgx_ecdsa", "", 0, "sgx_ecdsa verifier: no collateral" },
		{ "", "tdx", "", 0, "tdx verifier: no collateral" },
		{ "sample", "", "", RATS_TLS_CONF_FLAGS_SERVER,
		  "sample attester: no signing key" },
		{ "", "", "", RATS_TLS_CONF_FLAGS_SERVER, "no TEE detected" },
		{ "bogus", "", "", RATS_TLS_CONF_FLAGS_SERVER,
		  "unknown attester \"bogus\"" },
		{ "nullattester", "nullverifier", "wolfssl",
		  RATS_TLS_CONF_FLAGS_SERVER, "unknown TLS wrapper" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rats_tls_conf_t c = client_conf(cases[i].verifier, no_opts);
		rats_tls_handle h = NULL;
		rats_tls_err_t rc;

		c.flags = cases[i].flags;
		snprintf(c.attester_type, sizeof(c.attester_type), "%s",
			 cases[i].attester);
		snprintf(c.tls_type, sizeof(c.tls_type), "%s", cases[i].tls);
		rc = rats_tls_init(&c, &h);
		CHECK_MSG(rc != EAA_OK && h == NULL &&
			  strstr(rats_tls_last_error(), cases[i].why),
			  "init case %zu: %d \"%s\"", i, rc,
			  rats_tls_last_error());
	}
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	signer = forge_key();
	other_signer = forge_key();
	snprintf(trust_path, sizeof(trust_path), "sample.trust=%s/trust.pem", dir);
	snprintf(key_path, sizeof(key_path), "sample.key=%s/key.pem", dir);
	if (!forge_write_pub(signer, trust_path + strlen("sample.trust=")) ||
	    !forge_write_priv(signer, key_path + strlen("sample.key=")))
		return 1;
	test_forged();
	test_intel_evidence();
	test_library_pairs();
	test_fresh_binding();
	test_init_errors();
	test_sigpipe();
	EVP_PKEY_free(signer);
	EVP_PKEY_free(other_signer);
	test_rm_rf(dir);
	return test_summary();
}
