/* bench-kbs - full KBS attestations and resource requests against a real
 * verdictd (--kbs, the sample TEE), from C client threads speaking the
 * protocol as docs/kbs-protocol.md says (libcurl, one kept-alive
 * connection per client):
 *
 *   bench-kbs [-c|--clients N] [-n|--attests N] [-g|--gets N] [--https]
 *             [BIN_DIR]                                (default build/bin)
 *
 * Each client makes N attestations, each one /auth, a fresh P-256 TEE key,
 * a sample report signed over SHA-384 of the RFC 8785 runtime data, and
 * /attest for the token; then G resource requests with its last session's
 * cookie (the first one's JWE opened and checked). Prints attestations per
 * second with the latency of one (auth + attest), and resource requests
 * per second with theirs. --https serves the endpoint over HTTPS (a
 * self-signed certificate the clients trust); plain HTTP otherwise. */
#include <curl/curl.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"
#include "bytes.h"
#include "codec.h"
#include "jcs.h"
#include "jose.h"
#include "sample_evidence.h"
#include "verdictd_run.h"

static const uint8_t kek[32] = "0123456789abcdef0123456789abcdef";
static char base[128], cafile[512];
static EVP_PKEY *signer; /* the sample TEE's key */
static int attests = 20, gets = 200;
/* the clients and main meet between the two phases */
static pthread_barrier_t between;

struct client {
	pthread_t t;
	double *att_lat, *get_lat;
	int failed;
};

struct buf {
	char *p;
	size_t n;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *np = realloc(b->p, b->n + size * n + 1);

	if (!np)
		return 0;
	memcpy(np + b->n, p, size * n);
	b->n += size * n;
	np[b->n] = '\0';
	b->p = np;
	return size * n;
}

/* One request; the answer's body into out (reset first); its status. */
static long call(CURL *h, const char *path, const char *body, struct buf *out)
{
	char url[256];
	long status = 0;

	free(out->p);
	*out = (struct buf){ 0 };
	snprintf(url, sizeof(url), "%s/kbs/v0/%s", base, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	if (curl_easy_perform(h) != CURLE_OK)
		return 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* /auth then /attest with a fresh TEE key (into *tee); true on a token. */
static bool attest(CURL *h, EVP_PKEY **tee)
{
	struct buf b = { 0 };
	json_t *ch = NULL, *jwk = NULL, *rd = NULL, *req = NULL;
	const char *nonce;
	uint8_t digest[48], report_data[64] = { 0 }, meas[32] = { 0 };
	unsigned dlen = 0;
	char *canon = NULL, *ev64 = NULL, *text = NULL;
	struct wr w;
	struct eaa_err err;
	size_t n;
	bool ok = false;

	*tee = NULL;
	if (call(h, "auth", "{\"version\":\"0.4.0\",\"tee\":\"sample\",\"extra-params\":\"\"}",
		 &b) != 200 || !(ch = json_loads(b.p, 0, NULL)) ||
	    !(nonce = json_string_value(json_object_get(ch, "nonce"))))
		goto out;
	if (!(*tee = EVP_EC_gen("P-256")) || !(jwk = jwk_from_key(*tee, "ECDH-ES+A256KW", &err)))
		goto out;
	rd = json_pack("{s:O, s:s, s:s}", "tee-pubkey", jwk, "nonce", nonce,
		       "additional-evidence", "");
	if (!rd || !(canon = jcs_serialize(rd, &n, &err)) ||
	    EVP_Digest(canon, n, digest, &dlen, EVP_sha384(), NULL) != 1)
		goto out;
	memcpy(report_data, digest, sizeof(digest));
	wr_init(&w);
	if (!sample_report_sign(signer, meas, 3, report_data, &w, &err)) {
		wr_free(&w);
		goto out;
	}
	ev64 = base64_encode(w.buf, w.len, false);
	wr_free(&w);
	req = json_pack("{s:{s:s, s:O}, s:{s:{s:s}, s:s}}", "runtime-data", "nonce", nonce,
			"tee-pubkey", jwk, "tee-evidence", "primary_evidence", "report", ev64,
			"additional_evidence", "");
	if (!req || !(text = json_dumps(req, JSON_COMPACT)))
		goto out;
	ok = call(h, "attest", text, &b) == 200 && strstr(b.p, "\"token\"");
out:
	free(b.p);
	free(canon);
	free(ev64);
	free(text);
	json_decref(ch);
	json_decref(jwk);
	json_decref(rd);
	json_decref(req);
	return ok;
}

static void *client(void *arg)
{
	struct client *c = arg;
	CURL *h = curl_easy_init();
	EVP_PKEY *tee = NULL;
	struct buf b = { 0 };
	int i;

	if (!h)
		bench_die("curl_easy_init", NULL);
	curl_easy_setopt(h, CURLOPT_COOKIEFILE, ""); /* the session cookie, kept */
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	if (*cafile)
		curl_easy_setopt(h, CURLOPT_CAINFO, cafile);
	for (i = 0; i < attests; i++) {
		double t0 = bench_now();

		EVP_PKEY_free(tee);
		if (!attest(h, &tee))
			c->failed++;
		c->att_lat[i] = bench_now() - t0;
	}
	pthread_barrier_wait(&between);
	for (i = 0; i < gets; i++) {
		double t0 = bench_now();
		long st = call(h, "resource/default/key/1", NULL, &b);

		c->get_lat[i] = bench_now() - t0;
		if (st != 200) {
			c->failed++;
		} else if (i == 0) {
			uint8_t *plain = NULL;
			size_t n = 0;
			struct eaa_err err;

			if (!jwe_open(b.p, b.n, tee, &plain, &n, &err) || n != 32 ||
			    memcmp(plain, kek, 32) != 0)
				c->failed++;
			free(plain);
		}
	}
	free(b.p);
	EVP_PKEY_free(tee);
	curl_easy_cleanup(h);
	return NULL;
}

/* P-256 key generations plus ECDH derivations per second on this thread,
 * over about a second, done as src/core/jose.c does them (the peer's point
 * checked when it was read, not again): the least each JWE answer
 * (ECDH-ES) costs. */
static double jwe_bound(void)
{
	EVP_PKEY *peer = EVP_EC_gen("P-256");
	double t0 = bench_now(), t;
	long n = 0;

	if (!peer)
		bench_die("P-256 key", NULL);
	do {
		EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		EVP_PKEY_CTX *c = eph ? EVP_PKEY_CTX_new(eph, NULL) : NULL;
		uint8_t z[32];
		size_t zl = sizeof(z);

		if (!c || EVP_PKEY_derive_init(c) != 1 || EVP_PKEY_derive_set_peer_ex(c, peer, 0) != 1 ||
		    EVP_PKEY_derive(c, z, &zl) != 1)
			bench_die("ECDH", NULL);
		EVP_PKEY_CTX_free(c);
		EVP_PKEY_free(eph);
		n++;
	} while ((t = bench_now() - t0) < 1.0);
	EVP_PKEY_free(peer);
	return (double)n / t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *lat, size_t n, double secs)
{
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("%s: %zu in %.2f s: %.0f/s, p50 %.2f ms, p99 %.2f ms\n", what, n, secs,
	       (double)n / secs, lat[n / 2] * 1e3, lat[n * 99 / 100] * 1e3);
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		bench_die("a free port", NULL);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "clients", required_argument, NULL, 'c' },
		{ "attests", required_argument, NULL, 'n' },
		{ "gets", required_argument, NULL, 'g' },
		{ "https", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bin = "build/bin";
	char listen[64], path[512], cert[512], key[512], cmd[1400];
	const char *extra[12];
	struct bench_vd v;
	struct client *cs;
	int clients = 64, c, i, failed = 0;
	bool https = false;
	double t0, t1, t2, *att, *get, vd0, vd1, vd2, me1, me2, bound;
	FILE *f;

	while ((c = getopt_long(argc, argv, "c:n:g:h", longs, NULL)) != -1) {
		switch (c) {
		case 'c': clients = atoi(optarg); break;
		case 'n': attests = atoi(optarg); break;
		case 'g': gets = atoi(optarg); break;
		case 'H': https = true; break;
		default:
			fprintf(stderr, "usage: %s [-c CLIENTS] [-n ATTESTS] [-g GETS] [--https] "
				"[BIN_DIR]\n", argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind < argc)
		bin = argv[optind];
	if (clients < 1 || clients > 1024 || attests < 1 || gets < 1)
		bench_die("clients 1 to 1024, attests and gets at least 1", NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	bench_vd_prepare(&v, "bench-kbs", kek);
	if (!(f = fopen(bench_vd_path(&v, "key.pem", path, sizeof(path)), "r")) ||
	    !(signer = PEM_read_PrivateKey(f, NULL, NULL, NULL)))
		bench_die(path, "the sample key");
	fclose(f);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", free_port());
	snprintf(base, sizeof(base), "%s://%s", https ? "https" : "http", listen);
	i = 0;
	extra[i++] = "--kbs";
	extra[i++] = listen;
	if (https) {
		bench_vd_path(&v, "kbs.crt", cert, sizeof(cert));
		bench_vd_path(&v, "kbs.key", key, sizeof(key));
		snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt "
			 "ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost -addext "
			 "subjectAltName=IP:127.0.0.1 -keyout %s -out %s 2>/dev/null", key, cert);
		if (system(cmd) != 0)
			bench_die("openssl req", NULL);
		snprintf(cafile, sizeof(cafile), "%s", cert);
		extra[i++] = "--kbs-cert";
		extra[i++] = cert;
		extra[i++] = "--kbs-key";
		extra[i++] = key;
	} else {
		extra[i++] = "--kbs-insecure-http";
	}
	extra[i++] = "--kbs-max-sessions";
	extra[i++] = "65536";
	extra[i] = NULL;
	bench_vd_start(&v, bin, NULL, extra);
	if (!(cs = calloc((size_t)clients, sizeof(*cs))) ||
	    !(att = malloc(sizeof(double) * (size_t)clients * (size_t)attests)) ||
	    !(get = malloc(sizeof(double) * (size_t)clients * (size_t)gets)))
		bench_die("out of memory", NULL);
	for (i = 0; i < clients; i++) {
		cs[i].att_lat = att + (size_t)i * (size_t)attests;
		cs[i].get_lat = get + (size_t)i * (size_t)gets;
	}
	pthread_barrier_init(&between, NULL, (unsigned)clients + 1);
	vd0 = bench_proc_cpu(v.pid);
	t0 = bench_now();
	for (i = 0; i < clients; i++)
		if (pthread_create(&cs[i].t, NULL, client, &cs[i]) != 0)
			bench_die("pthread_create", NULL);
	pthread_barrier_wait(&between);
	t1 = bench_now();
	vd1 = bench_proc_cpu(v.pid);
	me1 = bench_self_cpu();
	for (i = 0; i < clients; i++) {
		pthread_join(cs[i].t, NULL);
		failed += cs[i].failed;
	}
	t2 = bench_now();
	vd2 = bench_proc_cpu(v.pid);
	me2 = bench_self_cpu();
	printf("KBS over %s, %d clients\n", https ? "HTTPS" : "HTTP", clients);
	report("attestations (auth + attest)", att, (size_t)clients * (size_t)attests, t1 - t0);
	report("resource requests (cookie)", get, (size_t)clients * (size_t)gets, t2 - t1);
	printf("CPU per resource request: verdictd %.0f us, the clients %.0f us; per attestation: "
	       "verdictd %.0f us\n", (vd2 - vd1) * 1e6 / ((double)clients * gets),
	       (me2 - me1) * 1e6 / ((double)clients * gets),
	       (vd1 - vd0) * 1e6 / ((double)clients * attests));
	bound = jwe_bound();
	printf("OpenSSL bound, same run: a fresh P-256 key and an ECDH (what each JWE answer "
	       "needs) %.0f/s on one core; with verdictd's measured CPU per request, two cores "
	       "answer at most %.0f/s, and 64 requests outstanding then wait %.2f ms on average "
	       "(Little's law)\n", bound, 2.0 / ((vd2 - vd1) / ((double)clients * gets)),
	       (double)clients / (2.0 / ((vd2 - vd1) / ((double)clients * gets))) * 1e3);
	printf("failed: %d\n", failed);
	bench_vd_finish(&v);
	return failed ? 1 : 0;
}
