/* test_verdictd.c - verdictd as a real process on loopback, with agents
 * built on librats-tls and the sample TEE: a client the policy allows gets
 * its key and resources; a client the policy denies, or whose evidence is
 * untrusted, is refused in the handshake; without --mutual nothing secret
 * is served; malformed, oversized and abandoned requests are answered or
 * closed and the daemon keeps serving others.
 *
 *   test_verdictd BIN_DIR */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "codec.h"
#include "file.h"
#include "forge.h"
#include "rats-tls/api.h"
#include "test.h"

static char dir[] = "/tmp/test-verdictd-XXXXXX";
static char key_opt[300], root[256];
static const char *bin;

struct daemon {
	pid_t pid;
	char port[16];
};

/* Start verdictd with extra arguments; wait for its "listening on" line. */
static bool start(struct daemon *d, const char *const *extra)
{
	char exe[512], trust[300], line[256];
	const char *argv[32];
	int fds[2], n = 0;
	FILE *f;

	snprintf(exe, sizeof(exe), "%s/verdictd", bin);
	snprintf(trust, sizeof(trust), "%s/trust.pem", dir);
	argv[n++] = exe;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--verifier";
	argv[n++] = "sample";
	argv[n++] = "--attester";
	argv[n++] = "nullattester";
	argv[n++] = "--root";
	argv[n++] = root;
	argv[n++] = "--sample-trust";
	argv[n++] = trust;
	argv[n++] = "--log-level";
	argv[n++] = "error";
	while (extra && *extra)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return false;
	d->pid = fork();
	if (d->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || !strstr(line, "listening on")) {
		if (f)
			fclose(f);
		return false;
	}
	fclose(f);
	snprintf(d->port, sizeof(d->port), "%s", strrchr(line, ':') + 1);
	d->port[strcspn(d->port, "\n")] = '\0';
	return true;
}

static void stop(struct daemon *d)
{
	kill(d->pid, SIGTERM);
	waitpid(d->pid, NULL, 0);
}

/* still alive and serving? */
static bool alive(const struct daemon *d)
{
	return waitpid(d->pid, NULL, WNOHANG) == 0;
}

struct agent {
	rats_tls_handle h;
	rats_tls_conn *conn;
	int fd;
};

static int tcp_connect(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(port)),
				 .sin_addr.s_addr = htonl(0x7f000001) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { 10, 0 };

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* An attestation agent: the sample TEE signed with key_opt (mutual), or
 * no evidence at all. Returns false when the handshake is refused. */
static bool agent_open(struct agent *a, const struct daemon *d, bool attest)
{
	const char *opts[] = { key_opt, NULL };
	rats_tls_conf_t conf = {
		.api_version = RATS_TLS_API_VERSION,
		.flags = attest ? RATS_TLS_CONF_FLAGS_MUTUAL : 0,
		.log_level = RATS_TLS_LOG_LEVEL_NONE,
		.options = opts,
	};

	strcpy(conf.attester_type, attest ? "sample" : "nullattester");
	strcpy(conf.verifier_type, "nullverifier");
	memset(a, 0, sizeof(*a));
	a->fd = tcp_connect(d->port);
	if (a->fd < 0 || rats_tls_init(&conf, &a->h) != RATS_TLS_ERR_NONE)
		return false;
	if (rats_tls_conn_open(a->h, a->fd, &a->conn) != RATS_TLS_ERR_NONE) {
		a->conn = NULL;
		return false;
	}
	/* TLS 1.3: a refusal of our certificate arrives with the first read;
	 * version is always served, so ask it to settle the handshake */
	return true;
}

static void agent_close(struct agent *a)
{
	if (a->conn)
		rats_tls_conn_close(a->conn);
	if (a->h)
		rats_tls_cleanup(a->h);
	if (a->fd >= 0)
		close(a->fd);
}

/* One request, one reply (replies here fit one record). */
static char *ask(struct agent *a, const char *req)
{
	static char buf[16384];
	size_t len = strlen(req);

	buf[0] = '\0';
	if (!a->conn || rats_tls_conn_write(a->conn, req, &len) != RATS_TLS_ERR_NONE)
		return "(write failed)";
	len = sizeof(buf) - 1;
	if (rats_tls_conn_read(a->conn, buf, &len) != RATS_TLS_ERR_NONE)
		return "(refused or closed)";
	buf[len] = '\0';
	return buf;
}

/* Refused: in the handshake, or at the first exchange (TLS 1.3 delivers a
 * refusal of our certificate after the client's handshake completes). */
static bool refused(struct agent *a, const struct daemon *d, bool attest,
		    const char *req)
{
	bool r = !agent_open(a, d, attest) || ask(a, req)[0] == '(';

	agent_close(a);
	return r;
}

static bool has(const char *got, const char *part)
{
	bool ok = strstr(got, part) != NULL;

	if (!ok)
		fprintf(stderr, "\"%.300s\" lacks \"%s\"\n", got, part);
	return ok;
}

#define ENC "BOq7Hv6RPgTCtogbBK0sn8SuZYF9zN34WA=="
#define DECRYPT(kid) \
	"{\"command\":\"Decrypt\",\"blobs\":[{\"kid\":\"" kid "\",\"encrypted_data\":\"" \
	ENC "\",\"algorithm\":\"A256GCM\",\"key_length\":256,\"iv\":\"MDEyMzQ1Njc4OTAx\"}]}"

static bool write_file(const char *rel, const char *text)
{
	char path[512];
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return file_write_atomic(path, text, strlen(text), 0600, &err);
}

static void test_mutual(void)
{
	struct daemon d;
	struct agent a;
	const char *const extra[] = { "--mutual", "--max-request", "4096", NULL };
	char big[6000];

	CHECK(write_file("opa/samplePolicy.rego",
			 "package policy\nimport rego.v1\ndefault allow := false\n"
			 "allow if input.svn >= data.svn\n"));
	CHECK(write_file("opa/sampleData", "{\"svn\": 0}"));
	if (!start(&d, extra)) {
		CHECK_MSG(false, "verdictd did not start");
		return;
	}

	/* allowed: the key and the resources */
	CHECK(agent_open(&a, &d, true));
	CHECK(has(ask(&a, "{\"command\":\"version\"}"), "\"version\":\"v1\""));
	CHECK(has(ask(&a, DECRYPT("default/key/1")), "{\"data\":{\"" ENC "\":\"dGVzdF9kYXRh\"}"));
	CHECK(has(ask(&a, DECRYPT("default/key/2")), "key not found"));
	CHECK(has(ask(&a, "{\"command\":\"Get Resource\",\"optional\":{\"resource_path\":"
		      "\"default/security-policy/test\"}}"), "eyJkZWZhdWx0Ijog"));
	/* two requests in one write get two replies, in order */
	CHECK(has(ask(&a, "{\"command\":\"version\"}{\"command\":\"Get KEK\",\"kids\":[]}"),
		  "\"version\":\"v1\""));
	{
		char buf[512];
		size_t len = sizeof(buf) - 1;

		CHECK(rats_tls_conn_read(a.conn, buf, &len) == RATS_TLS_ERR_NONE &&
		      (buf[len] = '\0', has(buf, "get KEK parameters error")));
	}
	/* malformed: answered, then the connection closes */
	CHECK(has(ask(&a, "not json"), "request is not a JSON object"));
	agent_close(&a);

	/* oversized: answered with the bound, then closed */
	CHECK(agent_open(&a, &d, true));
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "{\"command\":\"echo\",\"data\":\"", 26);
	big[sizeof(big) - 1] = '\0';
	CHECK(has(ask(&a, big), "larger than the configured bound"));
	agent_close(&a);

	/* abandoned mid-request */
	CHECK(agent_open(&a, &d, true));
	{
		size_t len = 15;

		CHECK(rats_tls_conn_write(a.conn, "{\"command\":\"ve", &len) == RATS_TLS_ERR_NONE);
	}
	agent_close(&a);

	/* denied by the policy: refused in the handshake, nothing served */
	CHECK(write_file("opa/sampleData", "{\"svn\": 5}"));
	CHECK(refused(&a, &d, true, DECRYPT("default/key/1")));
	/* evidence from a key verdictd does not trust */
	CHECK(write_file("opa/sampleData", "{\"svn\": 0}"));
	{
		char saved[300];

		snprintf(saved, sizeof(saved), "%s", key_opt);
		snprintf(key_opt, sizeof(key_opt), "sample.key=%s/other.pem", dir);
		CHECK(refused(&a, &d, true, "{\"command\":\"version\"}"));
		snprintf(key_opt, sizeof(key_opt), "%s", saved);
	}
	/* an agent without evidence cannot even connect in mutual mode */
	CHECK(refused(&a, &d, false, "{\"command\":\"version\"}"));

	/* and after all that, verdictd still serves */
	CHECK(alive(&d));
	CHECK(agent_open(&a, &d, true));
	CHECK(has(ask(&a, DECRYPT("default/key/1")), "dGVzdF9kYXRh"));
	agent_close(&a);
	stop(&d);
}

/* Without --mutual agents do not attest: version and echo only. */
static void test_one_way(void)
{
	struct daemon d;
	struct agent a;

	if (!start(&d, NULL)) {
		CHECK_MSG(false, "verdictd did not start");
		return;
	}
	CHECK(agent_open(&a, &d, false));
	CHECK(has(ask(&a, "{\"command\":\"version\"}"), "\"version\":\"v1\""));
	CHECK(has(ask(&a, DECRYPT("default/key/1")), "not attested"));
	CHECK(has(ask(&a, "{\"command\":\"Get KEK\",\"kids\":[\"default/key/1\"]}"),
		  "not attested"));
	CHECK(!strstr(ask(&a, "{\"command\":\"Get Policy\"}"), "eyJ"));
	agent_close(&a);
	stop(&d);
}

/* Idle peers are closed; connections beyond --max-connections are turned
 * away while the others keep being served. */
static void test_limits(void)
{
	const char *const extra[] = { "--mutual", "--idle-timeout", "1",
				      "--max-connections", "1", NULL };
	struct daemon d;
	struct agent a, b;
	char buf[64];
	size_t len = sizeof(buf);
	time_t t0;

	if (!start(&d, extra)) {
		CHECK_MSG(false, "verdictd did not start");
		return;
	}
	/* a holds the only slot */
	CHECK(agent_open(&a, &d, true));
	CHECK(has(ask(&a, "{\"command\":\"version\"}"), "\"version\":\"v1\""));
	CHECK(!agent_open(&b, &d, true) || ask(&b, "{\"command\":\"version\"}")[0] == '(');
	agent_close(&b);
	CHECK(has(ask(&a, "{\"command\":\"version\"}"), "\"version\":\"v1\""));
	/* then says nothing: closed after about a second, not our 10 s */
	t0 = time(NULL);
	CHECK(rats_tls_conn_read(a.conn, buf, &len) != RATS_TLS_ERR_NONE);
	CHECK_MSG(time(NULL) - t0 < 8, "idle connection kept %ld s", (long)(time(NULL) - t0));
	agent_close(&a);
	stop(&d);
}

int main(int argc, char **argv)
{
	static const uint8_t key[] = "01234567890123456789012345678901";
	EVP_PKEY *signer, *other;
	char path[512];
	struct eaa_err err;

	if (argc != 2 || !mkdtemp(dir))
		return 2;
	bin = argv[1];
	signal(SIGPIPE, SIG_IGN);
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(key_opt, sizeof(key_opt), "sample.key=%s/key.pem", dir);
	signer = forge_key();
	other = forge_key();
	snprintf(path, sizeof(path), "%s/trust.pem", dir);
	CHECK(forge_write_pub(signer, path));
	CHECK(forge_write_priv(signer, key_opt + strlen("sample.key=")));
	snprintf(path, sizeof(path), "%s/other.pem", dir);
	CHECK(forge_write_priv(other, path));
	CHECK(mkdir(root, 0700) == 0);
	snprintf(path, sizeof(path), "%s/keys", root);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/keys/default", root);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/keys/default/key", root);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/keys/default/key/1", root);
	CHECK(file_write_atomic(path, key, 32, 0600, &err));
	snprintf(path, sizeof(path), "%s/opa", root);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/resources/default/security-policy", root);
	{
		char p2[512];

		snprintf(p2, sizeof(p2), "%s/resources", root);
		CHECK(mkdir(p2, 0700) == 0);
		snprintf(p2, sizeof(p2), "%s/resources/default", root);
		CHECK(mkdir(p2, 0700) == 0);
	}
	CHECK(mkdir(path, 0700) == 0);
	CHECK(write_file("resources/default/security-policy/test",
			 "{\"default\": [{\"type\": \"reject\"}]}"));
	test_mutual();
	test_one_way();
	test_limits();
	EVP_PKEY_free(signer);
	EVP_PKEY_free(other);
	test_rm_rf(dir);
	return test_summary();
}
