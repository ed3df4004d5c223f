/* verdictd_run.c - a real verdictd for the benches (see verdictd_run.h). */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "verdictd_run.h"

#define MAX_ARGS 64

const char *bench_vd_path(const struct bench_vd *v, const char *rel, char *buf,
			  size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/%s", v->dir, rel) >= size)
		bench_die(rel, "path too long");
	return buf;
}

void bench_vd_write(const struct bench_vd *v, const char *rel, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	bench_vd_path(v, rel, path, sizeof(path));
	for (char *s = path + strlen(v->dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0700);
		*s = '/';
	}
	if (!(f = fopen(path, "w")) || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		bench_die(path, NULL);
}

/* A new P-256 key: its private half to priv, its public half to pub. */
static void keypair(const struct bench_vd *v, const char *priv, const char *pub)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char path[512];
	FILE *f;

	if (!k)
		bench_die("key generation", NULL);
	if (!(f = fopen(bench_vd_path(v, priv, path, sizeof(path)), "w")) ||
	    !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) || fclose(f) != 0)
		bench_die(path, NULL);
	if (!(f = fopen(bench_vd_path(v, pub, path, sizeof(path)), "w")) ||
	    !PEM_write_PUBKEY(f, k) || fclose(f) != 0)
		bench_die(path, NULL);
	EVP_PKEY_free(k);
}

void bench_vd_prepare(struct bench_vd *v, const char *name, const uint8_t kek[32])
{
	static const char policy[] =
		"package policy\nimport rego.v1\ndefault allow := false\n"
		"allow if input.svn >= data.svn\n";

	memset(v, 0, sizeof(*v));
	snprintf(v->dir, sizeof(v->dir), "/tmp/%.40s-XXXXXX", name);
	if (!mkdtemp(v->dir))
		bench_die("mkdtemp", NULL);
	keypair(v, "key.pem", "trust.pem");
	keypair(v, "vd_tls.pem", "vd_pub.pem");
	bench_vd_write(v, "root/keys/default/key/1", kek, 32);
	bench_vd_write(v, "root/opa/samplePolicy.rego", policy, strlen(policy));
	bench_vd_write(v, "root/opa/sampleData", "{\"svn\": 0}", 10);
}

/* the one started, stopped at exit however the bench ends */
static struct bench_vd *running;

static void stop_at_exit(void)
{
	if (running && running->pid > 0) {
		kill(running->pid, SIGTERM);
		waitpid(running->pid, NULL, 0);
		running->pid = 0;
	}
}

void bench_vd_start(struct bench_vd *v, const char *bin, const char *log,
		    const char *const *extra)
{
	char exe[512], root[512], trust[512], tls[600], line[256];
	const char *argv[MAX_ARGS] = { exe, "--listen", "127.0.0.1:0", "--verifier", "sample",
				       "--attester", "nullattester", "-o", tls, "--mutual",
				       "--root", root, "--sample-trust", trust, "--log-level",
				       log ? "info" : "error" };
	size_t n = 16;
	char logpath[512];
	int fds[2], lfd = -1;
	FILE *f;

	snprintf(exe, sizeof(exe), "%s/verdictd", bin);
	bench_vd_path(v, "root", root, sizeof(root));
	bench_vd_path(v, "trust.pem", trust, sizeof(trust));
	snprintf(tls, sizeof(tls), "tls.key=%s/vd_tls.pem", v->dir);
	for (; extra && *extra; extra++) {
		if (n == MAX_ARGS - 1)
			bench_die("verdictd", "too many arguments");
		argv[n++] = *extra;
	}
	argv[n] = NULL;
	if (log && (lfd = open(bench_vd_path(v, log, logpath, sizeof(logpath)),
			       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		bench_die(logpath, NULL);
	if (pipe(fds) != 0)
		bench_die("pipe", NULL);
	v->pid = fork();
	if (v->pid < 0)
		bench_die("fork", NULL);
	if (v->pid > 0 && !running) {
		running = v;
		atexit(stop_at_exit);
	}
	if (v->pid == 0) {
		dup2(fds[1], 1);
		if (lfd >= 0)
			dup2(lfd, 2);
		close(fds[0]);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	if (lfd >= 0)
		close(lfd);
	f = fdopen(fds[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || !strstr(line, "listening on"))
		bench_die("verdictd did not start", NULL);
	fclose(f);
	v->port = atoi(strrchr(line, ':') + 1);
}

long bench_vd_count(const struct bench_vd *v, const char *rel, const char *what)
{
	char path[512], line[1024];
	long n = 0;
	FILE *f = fopen(bench_vd_path(v, rel, path, sizeof(path)), "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, what))
			n++;
	fclose(f);
	return n;
}

bool bench_vd_finish(struct bench_vd *v)
{
	char cmd[128];

	if (v->pid > 0) {
		kill(v->pid, SIGTERM);
		waitpid(v->pid, NULL, 0);
		v->pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", v->dir);
	return system(cmd) == 0;
}
