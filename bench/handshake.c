/* bench-handshake - attested TLS 1.3 handshakes per second on one core
 * (client and server threads pinned to the same CPU, over a socketpair),
 * beside a plain TLS 1.3 baseline with the same key type in the same run.
 *
 *   bench-handshake [-n HANDSHAKES] [-k ecdsa-p256|ecdsa-p384|rsa-3072]
 *
 * Modes: plain (OpenSSL, self-signed certificate pinned in the client's
 * trust store), cached (librats-tls, sample TEE, one attested certificate
 * per handle), fresh (librats-tls, new key and evidence per connection). */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include "internal.h"

struct pair {
	int fd;
	int n;
	SSL_CTX *plain;          /* plain mode */
	rats_tls_handle lib;     /* attested modes */
	int failures;
};

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void one(struct pair *p, int fd)
{
	char byte = 'x';

	if (p->plain) {
		SSL *ssl = SSL_new(p->plain);
		int rc;

		SSL_set_fd(ssl, fd);
		rc = SSL_is_server(ssl) ? SSL_accept(ssl) : SSL_connect(ssl);
		/* One byte each way so the client's Finished is processed. */
		if (rc != 1 || (SSL_is_server(ssl)
					? SSL_read(ssl, &byte, 1) != 1 || SSL_write(ssl, &byte, 1) != 1
					: SSL_write(ssl, &byte, 1) != 1 || SSL_read(ssl, &byte, 1) != 1))
			p->failures++;
		if (getenv("BENCH_DEBUG"))
			ERR_print_errors_fp(stderr);
		SSL_shutdown(ssl); /* as rats_tls_conn_close does */
		SSL_free(ssl);
		ERR_clear_error();
	} else {
		rats_tls_conn *c;
		size_t len = 1;
		bool server = p->lib->conf.flags & RATS_TLS_CONF_FLAGS_SERVER;

		if (rats_tls_conn_open(p->lib, fd, &c) != 0) {
			p->failures++;
			return;
		}
		if (server ? rats_tls_conn_read(c, &byte, &len) || rats_tls_conn_write(c, &byte, &len)
			   : rats_tls_conn_write(c, &byte, &len) || rats_tls_conn_read(c, &byte, &len))
			p->failures++;
		rats_tls_conn_close(c);
	}
}

static void *side(void *arg)
{
	struct pair *p = arg;

	pin_cpu0();
	for (int i = 0; i < p->n; i++) {
		int fd;

		/* Each handshake on a fresh socketpair half, handed over by fd. */
		if (read(p->fd, &fd, sizeof(fd)) != sizeof(fd))
			break;
		one(p, fd);
		close(fd);
	}
	return NULL;
}

/* Run n handshakes; return handshakes per second. */
static double run(struct pair *srv, struct pair *cli, int n)
{
	int ctl_s[2], ctl_c[2];
	struct timespec t0, t1;
	pthread_t ts, tc;

	socketpair(AF_UNIX, SOCK_STREAM, 0, ctl_s);
	socketpair(AF_UNIX, SOCK_STREAM, 0, ctl_c);
	srv->fd = ctl_s[1];
	cli->fd = ctl_c[1];
	srv->n = cli->n = n;
	srv->failures = cli->failures = 0;
	pthread_create(&ts, NULL, side, srv);
	pthread_create(&tc, NULL, side, cli);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		int sv[2];

		socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		if (write(ctl_s[0], &sv[0], sizeof(int)) != sizeof(int) ||
		    write(ctl_c[0], &sv[1], sizeof(int)) != sizeof(int))
			break;
	}
	pthread_join(ts, NULL);
	pthread_join(tc, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(ctl_s[0]);
	close(ctl_s[1]);
	close(ctl_c[0]);
	close(ctl_c[1]);
	if (srv->failures || cli->failures) {
		fprintf(stderr, "bench: %d server / %d client failures\n",
			srv->failures, cli->failures);
		exit(1);
	}
	return n / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
}

static rats_tls_handle lib(bool server, bool fresh, rats_tls_cert_algo_t algo,
			   const char **opts)
{
	rats_tls_conf_t c = { .api_version = RATS_TLS_API_VERSION,
			      .log_level = RATS_TLS_LOG_LEVEL_ERROR,
			      .cert_algo = algo, .options = opts };
	rats_tls_handle h;

	c.flags = (server ? RATS_TLS_CONF_FLAGS_SERVER : 0) |
		  (fresh ? RATS_TLS_CONF_FLAGS_FRESH_EVIDENCE : 0);
	strcpy(server ? c.attester_type : c.verifier_type, "sample");
	if (rats_tls_init(&c, &h) != 0) {
		fprintf(stderr, "bench: init: %s\n", rats_tls_last_error());
		exit(1);
	}
	return h;
}

int main(int argc, char **argv)
{
	rats_tls_cert_algo_t algo = RATS_TLS_CERT_ALGO_ECDSA_P256;
	const char *algo_name = "ecdsa-p256";
	char dir[] = "/tmp/eaa-bench-XXXXXX", keyopt[128], trustopt[128];
	const char *opts[] = { keyopt, trustopt, NULL };
	struct pair srv = { 0 }, cli = { 0 };
	int n = 2000, ch;
	double plain, cached, fresh;

	while ((ch = getopt(argc, argv, "n:k:")) != -1) {
		if (ch == 'n')
			n = atoi(optarg);
		else if (ch == 'k' && !strcmp(optarg, "ecdsa-p384"))
			algo = RATS_TLS_CERT_ALGO_ECDSA_P384, algo_name = optarg;
		else if (ch == 'k' && !strcmp(optarg, "rsa-3072"))
			algo = RATS_TLS_CERT_ALGO_RSA_3072, algo_name = optarg;
		else if (ch != 'k' || strcmp(optarg, "ecdsa-p256")) {
			fprintf(stderr, "usage: %s [-n N] [-k ecdsa-p256|ecdsa-p384|rsa-3072]\n", argv[0]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	pin_cpu0();
	if (!mkdtemp(dir))
		return 1;
	{
		/* The sample TEE's signing key, and the plain baseline's identity
		 * (same key type as the attested certificate). */
		EVP_PKEY *sk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		EVP_PKEY *key = rats_cryptos[0]->gen_key(algo, NULL);
		X509 *cert = NULL;
		X509_STORE *store = X509_STORE_new();
		char path[160];
		BIO *b;

		snprintf(path, sizeof(path), "%s/key.pem", dir);
		b = BIO_new_file(path, "w");
		PEM_write_bio_PrivateKey(b, sk, NULL, NULL, 0, NULL, NULL);
		BIO_free(b);
		snprintf(keyopt, sizeof(keyopt), "sample.key=%s", path);
		snprintf(path, sizeof(path), "%s/trust.pem", dir);
		b = BIO_new_file(path, "w");
		PEM_write_bio_PUBKEY(b, sk);
		BIO_free(b);
		snprintf(trustopt, sizeof(trustopt), "sample.trust=%s", path);

		cert_build(key, NULL, 0, NULL, 0, &cert, NULL);
		X509_STORE_add_cert(store, cert);
		srv.plain = SSL_CTX_new(TLS_server_method());
		cli.plain = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_min_proto_version(srv.plain, TLS1_3_VERSION);
		SSL_CTX_set_min_proto_version(cli.plain, TLS1_3_VERSION);
		SSL_CTX_set_num_tickets(srv.plain, 0);
		SSL_CTX_use_certificate(srv.plain, cert);
		SSL_CTX_use_PrivateKey(srv.plain, key);
		SSL_CTX_set_cert_store(cli.plain, store);
		SSL_CTX_set_verify(cli.plain, SSL_VERIFY_PEER, NULL);
		X509_free(cert);
		EVP_PKEY_free(key);
		EVP_PKEY_free(sk);
	}
	/* Warm up, then measure each mode in the same run. */
	run(&srv, &cli, n / 10 + 1);
	plain = run(&srv, &cli, n);
	SSL_CTX_free(srv.plain);
	SSL_CTX_free(cli.plain);
	srv.plain = cli.plain = NULL;

	srv.lib = lib(true, false, algo, opts);
	cli.lib = lib(false, false, algo, opts);
	run(&srv, &cli, n / 10 + 1);
	cached = run(&srv, &cli, n);
	rats_tls_cleanup(srv.lib);

	srv.lib = lib(true, true, algo, opts);
	run(&srv, &cli, n / 10 + 1);
	fresh = run(&srv, &cli, n);
	rats_tls_cleanup(srv.lib);
	rats_tls_cleanup(cli.lib);

	printf("key type %s, %d handshakes per mode, one core\n", algo_name, n);
	printf("%-32s %10.0f handshakes/s\n", "plain TLS 1.3 (baseline)", plain);
	printf("%-32s %10.0f handshakes/s  %.2fx baseline\n",
	       "attested, cached certificate", cached, cached / plain);
	printf("%-32s %10.0f handshakes/s  %.2fx baseline\n",
	       "attested, fresh key+evidence", fresh, fresh / plain);
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
