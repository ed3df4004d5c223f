/* bench-keyrelease - key releases per second by a real verdictd, and their
 * latency: each release is a new connection, the attested handshake with
 * the sample TEE (mutual), the policy decision, a Decrypt request and its
 * reply. C clients run at once, each releasing N keys.
 *
 *   bench-keyrelease [-c CLIENTS] [-n PER_CLIENT] [BIN_DIR]   (default build/bin)
 *
 * Prints releases per second and the p50/p99 latency. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "rats-tls/api.h"

static char dir[] = "/tmp/bench-keyrelease-XXXXXX", key_opt[300];
static int port;

static void write_text(const char *rel, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (!(f = fopen(path, "w")) || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		bench_die(path, NULL);
}

static void keys(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char path[512];
	FILE *f;

	if (!k)
		bench_die("key generation", NULL);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	if (!(f = fopen(path, "w")) || !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL))
		bench_die(path, NULL);
	fclose(f);
	snprintf(path, sizeof(path), "%s/trust.pem", dir);
	if (!(f = fopen(path, "w")) || !PEM_write_PUBKEY(f, k))
		bench_die(path, NULL);
	fclose(f);
	EVP_PKEY_free(k);
	snprintf(key_opt, sizeof(key_opt), "sample.key=%s/key.pem", dir);
}

static pid_t start(const char *bin)
{
	char exe[512], root[300], trust[300], line[256];
	int fds[2];
	pid_t pid;
	FILE *f;

	snprintf(exe, sizeof(exe), "%s/verdictd", bin);
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(trust, sizeof(trust), "%s/trust.pem", dir);
	if (pipe(fds) != 0)
		bench_die("pipe", NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl(exe, exe, "--listen", "127.0.0.1:0", "--verifier", "sample",
		      "--attester", "nullattester", "--mutual", "--root", root,
		      "--sample-trust", trust, "--log-level", "error", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || !strstr(line, "listening on"))
		bench_die("verdictd did not start", NULL);
	fclose(f);
	port = atoi(strrchr(line, ':') + 1);
	return pid;
}

struct client {
	int n;
	double *lat;
	int failed;
};

static const char request[] =
	"{\"command\":\"Decrypt\",\"blobs\":[{\"kid\":\"default/key/1\",\"encrypted_data\":"
	"\"BOq7Hv6RPgTCtogbBK0sn8SuZYF9zN34WA==\",\"algorithm\":\"A256GCM\","
	"\"key_length\":256,\"iv\":\"MDEyMzQ1Njc4OTAx\"}]}";

static void *run(void *arg)
{
	struct client *c = arg;
	const char *opts[] = { key_opt, NULL };
	rats_tls_conf_t conf = { .api_version = RATS_TLS_API_VERSION,
				 .flags = RATS_TLS_CONF_FLAGS_MUTUAL,
				 .log_level = RATS_TLS_LOG_LEVEL_NONE, .options = opts };
	rats_tls_handle h;
	int i;

	strcpy(conf.attester_type, "sample");
	strcpy(conf.verifier_type, "nullverifier");
	if (rats_tls_init(&conf, &h) != RATS_TLS_ERR_NONE) {
		c->failed = c->n;
		return NULL;
	}
	for (i = 0; i < c->n; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(0x7f000001) };
		double t0 = bench_now();
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		rats_tls_conn *conn;
		char buf[1024];
		size_t len = sizeof(request) - 1;

		int one = 1;

		if (fd >= 0)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
		    rats_tls_conn_open(h, fd, &conn) != RATS_TLS_ERR_NONE) {
			c->failed++;
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (rats_tls_conn_write(conn, request, &len) != RATS_TLS_ERR_NONE ||
		    (len = sizeof(buf) - 1,
		     rats_tls_conn_read(conn, buf, &len) != RATS_TLS_ERR_NONE) ||
		    (buf[len] = '\0', !strstr(buf, "dGVzdF9kYXRh")))
			c->failed++;
		rats_tls_conn_close(conn);
		close(fd);
		c->lat[i] = bench_now() - t0;
	}
	rats_tls_cleanup(h);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const char key[] = "01234567890123456789012345678901";
	static const char policy[] =
		"package policy\nimport rego.v1\ndefault allow := false\n"
		"allow if input.svn >= data.svn\n";
	const char *bin = "build/bin";
	int clients = 1, per = 200, c, i, failed = 0;
	struct client *cl;
	pthread_t *t;
	double t0, elapsed, *all;
	pid_t pid;
	char path[512];

	while ((c = getopt(argc, argv, "c:n:")) != -1) {
		if (c == 'c')
			clients = atoi(optarg);
		else if (c == 'n')
			per = atoi(optarg);
		else
			return 2;
	}
	if (optind < argc)
		bin = argv[optind];
	if (clients < 1 || clients > 1024 || per < 1 || !mkdtemp(dir))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	keys();
	snprintf(path, sizeof(path), "%s/root", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/root/opa", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/root/keys", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/root/keys/default", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/root/keys/default/key", dir);
	mkdir(path, 0700);
	write_text("root/keys/default/key/1", key, 32);
	write_text("root/opa/samplePolicy.rego", policy, strlen(policy));
	write_text("root/opa/sampleData", "{\"svn\": 0}", 10);
	pid = start(bin);

	cl = calloc((size_t)clients, sizeof(*cl));
	t = calloc((size_t)clients, sizeof(*t));
	all = calloc((size_t)clients * (size_t)per, sizeof(*all));
	if (!cl || !t || !all)
		bench_die("out of memory", NULL);
	t0 = bench_now();
	for (i = 0; i < clients; i++) {
		cl[i].n = per;
		cl[i].lat = all + (size_t)i * (size_t)per;
		if (pthread_create(&t[i], NULL, run, &cl[i]) != 0)
			bench_die("pthread_create", NULL);
	}
	for (i = 0; i < clients; i++) {
		pthread_join(t[i], NULL);
		failed += cl[i].failed;
	}
	elapsed = bench_now() - t0;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	qsort(all, (size_t)clients * (size_t)per, sizeof(*all), cmp);
	printf("clients %d, %d releases each: %.0f releases/s, p50 %.2f ms, p99 %.2f ms, "
	       "%d failed\n", clients, per, clients * per / elapsed,
	       all[(size_t)clients * (size_t)per / 2] * 1e3,
	       all[(size_t)clients * (size_t)per * 99 / 100] * 1e3, failed);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		return 1;
	free(cl);
	free(t);
	free(all);
	return failed ? 1 : 0;
}
