/* test_pccs.c - collateral fetched with libcurl from a PCCS on loopback.
 * The PCCS here is a small HTTP server thread serving Intel's real
 * responses for FMSPC 50806f000000 (bodies, URL-encoded issuer-chain
 * headers, the root CRL as hex as PCCS does); it counts requests so the
 * tests can tell a cache hit from a fetch. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "codec.h"
#include "file.h"
#include "pccs.h"
#include "pck.h"
#include "quote.h"
#include "test.h"
#include "timefmt.h"

static char data_dir[512], tmp[] = "/tmp/eaa-pccs-XXXXXX";
static atomic_int requests;
static atomic_bool tamper;
static int lfd, port;

static uint8_t *load(const char *name, size_t *n)
{
	char path[1024];
	uint8_t *p;
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/intel/pcs-50806f000000/%s", data_dir,
		 name);
	if (!file_read(path, 1 << 20, &p, n, &err))
		exit(2);
	return p;
}

static char *url_encode(const uint8_t *p, size_t n)
{
	char *out = malloc(3 * n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') || strchr("-_.~", p[i]))
			*o++ = (char)p[i];
		else
			o += sprintf(o, "%%%02X", p[i]);
	}
	*o = '\0';
	return out;
}

static void respond(int fd, const char *path)
{
	static const struct {
		const char *path, *body, *header, *chain;
		bool hex;
	} routes[] = {
		{ "/tdx/certification/v4/tcb?fmspc=50806f000000", "tcb-info.json",
		  "TCB-Info-Issuer-Chain", "tcb-info-issuer-chain.pem", false },
		{ "/tdx/certification/v4/qe/identity", "qe-identity.json",
		  "SGX-Enclave-Identity-Issuer-Chain",
		  "qe-identity-issuer-chain.pem", false },
		{ "/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
		  "pck-crl.der", "SGX-PCK-CRL-Issuer-Chain",
		  "pck-crl-issuer-chain.pem", false },
		{ "/sgx/certification/v4/rootcacrl", "root-ca-crl.der", NULL,
		  NULL, true },
	};
	char head[8192];
	int len;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t n, cn;
		uint8_t *body, *chain = NULL;
		char *hdr = NULL, *hex = NULL;

		if (strcmp(path, routes[i].path) != 0)
			continue;
		body = load(routes[i].body, &n);
		if (routes[i].hex) {
			hex = hex_encode(body, n);
			free(body);
			body = (uint8_t *)hex;
			n = strlen(hex);
		}
		if (tamper && strcmp(routes[i].body, "tcb-info.json") == 0)
			body[40] ^= 1; /* inside the signed tcbInfo */
		if (routes[i].chain) {
			chain = load(routes[i].chain, &cn);
			hdr = url_encode(chain, cn);
		}
		len = snprintf(head, sizeof(head),
			       "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			       "%s%s%s\r\n\r\n", n, hdr ? routes[i].header : "",
			       hdr ? ": " : "", hdr ? hdr : "");
		if (!hdr)
			len -= 2; /* no header line */
		if (write(fd, head, (size_t)len) != len ||
		    write(fd, body, n) != (ssize_t)n)
			fprintf(stderr, "pccs: short write\n");
		free(body);
		free(chain);
		free(hdr);
		return;
	}
	len = snprintf(head, sizeof(head), "HTTP/1.1 404 Not Found\r\n"
		       "Content-Length: 0\r\n\r\n");
	if (write(fd, head, (size_t)len) != len)
		fprintf(stderr, "pccs: short write\n");
}

static void *serve(void *arg)
{
	for (;;) {
		char req[4096] = "", path[2048];
		size_t got = 0;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			return NULL; /* listening socket shut down */
		while (got < sizeof(req) - 1 && !strstr(req, "\r\n\r\n")) {
			ssize_t r = read(fd, req + got, sizeof(req) - 1 - got);

			if (r <= 0)
				break;
			got += (size_t)r;
			req[got] = '\0';
		}
		if (sscanf(req, "GET %2047s ", path) == 1) {
			requests++;
			respond(fd, path);
		}
		close(fd);
	}
}

static time_t utc(const char *s)
{
	time_t t = 0;

	time_parse_utc(s, &t);
	return t;
}

int main(void)
{
	static const uint8_t fmspc[6] = { 0x50, 0x80, 0x6f, 0, 0, 0 };
	const char *d = getenv("EAA_TESTDATA");
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char url[64], cache[128], cache2[128], cache3[128], dir[512];
	struct pccs p = { .url = url, .cache_dir = cache };
	X509 *root = intel_root_ca();
	struct eaa_err err = { 0 };
	pthread_t t;
	struct stat st;

	snprintf(data_dir, sizeof(data_dir), "%s", d ? d : "tests/data");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!mkdtemp(tmp) || (lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(lfd, 16) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
		return 2;
	port = ntohs(a.sin_port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	snprintf(cache, sizeof(cache), "%s/cache", tmp);
	snprintf(cache2, sizeof(cache2), "%s/cache2", tmp);
	pthread_create(&t, NULL, serve, NULL);

	/* First use fetches the four documents and checks them. */
	CHECK_MSG(pccs_collateral(&p, true, fmspc, "platform", root,
				  utc("2023-06-20T00:00:00Z"), dir, sizeof(dir),
				  &err), "%s", err.msg);
	CHECK(requests == 4 && strstr(dir, "/cache/tdx-50806f000000"));
	/* Then the cached set serves while it is valid. */
	CHECK(pccs_collateral(&p, true, fmspc, "platform", root,
			      utc("2023-06-25T00:00:00Z"), dir, sizeof(dir), &err));
	CHECK(requests == 4);
	/* Past its nextUpdate it is fetched again; what PCS serves is just
	 * as old, so it fails, and the cached set stays as it was. */
	CHECK(!pccs_collateral(&p, true, fmspc, "platform", root,
			       utc("2023-07-20T00:00:00Z"), dir, sizeof(dir),
			       &err) && err.code == EAA_E_EXPIRED);
	CHECK(requests == 8);
	CHECK(pccs_collateral(&p, true, fmspc, "platform", root,
			      utc("2023-06-25T00:00:00Z"), dir, sizeof(dir), &err));
	CHECK(requests == 8);

	/* A tampered TCB info is refused and never cached. */
	tamper = true;
	p.cache_dir = cache2;
	CHECK_MSG(!pccs_collateral(&p, true, fmspc, "platform", root,
				   utc("2023-06-20T00:00:00Z"), dir, sizeof(dir),
				   &err) && err.code == EAA_E_SIGNATURE,
		  "%s", err.msg);
	CHECK(stat(dir, &st) != 0);
	tamper = false;

	/* From a quote: its PCK names the FMSPC and the CA to fetch for. */
	{
		char qpath[600];
		uint8_t *qb;
		size_t qn;
		struct quote q;
		int before = requests;

		snprintf(qpath, sizeof(qpath), "%s/intel/tdx_quote_4.dat", data_dir);
		snprintf(cache3, sizeof(cache3), "%s/cache3", tmp);
		p.cache_dir = cache3;
		CHECK(file_read(qpath, 1 << 20, &qb, &qn, &err) &&
		      quote_parse(qb, qn, &q, &err));
		CHECK_MSG(collateral_for_quote(&q, cache3, &p, root,
					       utc("2023-06-20T00:00:00Z"), dir,
					       sizeof(dir), &err), "%s", err.msg);
		CHECK(requests == before + 4 && strstr(dir, "cache3/tdx-50806f000000"));
		free(qb);
	}

	/* The server's errors are named with the URL. */
	CHECK(!pccs_collateral(&p, false, fmspc, "platform", root,
			       utc("2023-06-20T00:00:00Z"), dir, sizeof(dir),
			       &err) && err.code == EAA_E_IO &&
	      strstr(err.msg, "/sgx/certification/v4/tcb?fmspc=50806f000000: "
			      "HTTP status 404"));

	shutdown(lfd, SHUT_RDWR);
	pthread_join(t, NULL);
	close(lfd);
	X509_free(root);
	test_rm_rf(tmp);
	return test_summary();
}
