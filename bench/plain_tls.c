/* plain_tls.c - a plain OpenSSL TLS 1.3 server and client: what a new
 * attested channel to verdictd is measured against. Same key type (P-256)
 * on both sides, mutual like verdictd --mutual, no session tickets (as
 * librats-tls), TCP_NODELAY, and the same request and reply sizes as a
 * Decrypt release; no evidence and no policy. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "bench.h"
#include "plain_tls.h"

/* A self-signed certificate for a new P-256 key, valid for a day. */
static X509 *self_signed(EVP_PKEY **key, const char *cn)
{
	X509 *c = X509_new();
	X509_NAME *n;

	*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!c || !*key)
		bench_die("plain TLS: key", NULL);
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
	X509_gmtime_adj(X509_getm_notBefore(c), -60);
	X509_gmtime_adj(X509_getm_notAfter(c), 86400);
	X509_set_pubkey(c, *key);
	n = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, n);
	if (!X509_sign(c, *key, EVP_sha256()))
		bench_die("plain TLS: certificate", NULL);
	return c;
}

/* A TLS 1.3 context presenting cert/key and trusting only peer. */
static SSL_CTX *context(bool server, X509 *cert, EVP_PKEY *key, X509 *peer)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	X509_STORE *store = X509_STORE_new();

	if (!ctx || !store || !X509_STORE_add_cert(store, peer) ||
	    !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_use_certificate(ctx, cert) || !SSL_CTX_use_PrivateKey(ctx, key))
		bench_die("plain TLS: context", NULL);
	SSL_CTX_set_cert_store(ctx, store);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	return ctx;
}

struct server {
	int lfd;
	SSL_CTX *ctx;
	const char *reply;
};

static void *worker(void *arg)
{
	struct server *s = arg;
	int one = 1;

	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);
		char buf[2048];
		SSL *ssl;

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if ((ssl = SSL_new(s->ctx)) && SSL_set_fd(ssl, fd) && SSL_accept(ssl) == 1 &&
		    SSL_read(ssl, buf, sizeof(buf)) > 0)
			SSL_write(ssl, s->reply, (int)strlen(s->reply));
		if (ssl) {
			SSL_shutdown(ssl); /* as rats_tls_conn_close does */
			SSL_free(ssl);
		}
		ERR_clear_error();
		close(fd);
	}
	return NULL;
}

pid_t plain_server_start(int workers, const char *reply, int *port, SSL_CTX **client)
{
	EVP_PKEY *skey, *ckey;
	X509 *scert = self_signed(&skey, "server"), *ccert = self_signed(&ckey, "client");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t alen = sizeof(a);
	struct server s = { .reply = reply };
	pid_t pid;

	s.ctx = context(true, scert, skey, ccert);
	*client = context(false, ccert, ckey, scert);
	if ((s.lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(s.lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s.lfd, 4096) != 0 ||
	    getsockname(s.lfd, (struct sockaddr *)&a, &alen) != 0)
		bench_die("plain TLS: listen", NULL);
	*port = ntohs(a.sin_port);
	if ((pid = fork()) < 0)
		bench_die("plain TLS: fork", NULL);
	if (pid == 0) {
		pthread_t t;

		for (int i = 1; i < workers; i++)
			if (pthread_create(&t, NULL, worker, &s) != 0)
				_exit(1);
		worker(&s);
		_exit(0);
	}
	close(s.lfd);
	SSL_CTX_free(s.ctx);
	X509_free(scert);
	X509_free(ccert);
	EVP_PKEY_free(skey);
	EVP_PKEY_free(ckey);
	return pid;
}

bool plain_release(SSL_CTX *client, int port, const char *req, size_t len,
		   const char *expect)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(0x7f000001) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, n = 0;
	char buf[2048];
	SSL *ssl = NULL;
	bool ok;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	     (ssl = SSL_new(client)) && SSL_set_fd(ssl, fd) && SSL_connect(ssl) == 1 &&
	     SSL_write(ssl, req, (int)len) == (int)len &&
	     (n = SSL_read(ssl, buf, sizeof(buf) - 1)) > 0 &&
	     (buf[n] = '\0', strstr(buf, expect) != NULL);
	if (ssl) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	ERR_clear_error();
	if (fd >= 0)
		close(fd);
	return ok;
}
