/* test_verdictd.c - verdictd as a real process on loopback, with agents
 * built on librats-tls and the sample TEE: a client the policy allows gets
 * its key and resources; a client the policy denies, or whose evidence is
 * untrusted, is refused in the handshake; without --mutual nothing secret
 * is served; malformed, oversized and abandoned requests are answered or
 * closed and the daemon keeps serving others; the resource policy example
 * of docs/verdictd.md, as written there, with two tenants, and every way
 * the resource policy refuses, with the exact line verdictd logs.
 *
 * With EAA_TEST_PG_URL and EAA_TEST_STORE_KEY set (with_pg.sh) the same
 * checks run on that PostgreSQL store: the state is imported into it, and
 * what the checks write behind verdictd's back (an edit by hand of the file
 * store) is written into the database behind it, with verdict
 * --store-import, which copies documents as they are, unchecked, as an
 * editor would.
 *
 *   test_verdictd BIN_DIR DOCS_VERDICTD_MD */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
static const char *bin, *doc_path;
/* the PostgreSQL store and its key, when the test runs on one */
static const char *pg_url, *store_key;
/* the agents' sample.measurement option, when set */
static char meas_opt[120];
/* when set, where start() sends verdictd's log (stderr) */
static char log_file[300];

struct daemon {
	pid_t pid;
	char port[16], api[16];
};

/* --verifier for the next start() */
static const char *verifiers = "sample";

/* Start verdictd with extra arguments; wait for its "listening on" line. */
static bool start(struct daemon *d, const char *const *extra)
{
	char exe[512], trust[300], line[256];
	const char *argv[32];
	int fds[2], n = 0, i;
	FILE *f;

	snprintf(exe, sizeof(exe), "%s/verdictd", bin);
	snprintf(trust, sizeof(trust), "%s/trust.pem", dir);
	argv[n++] = exe;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--verifier";
	argv[n++] = verifiers;
	argv[n++] = "--attester";
	argv[n++] = "nullattester";
	argv[n++] = "--root";
	argv[n++] = root;
	argv[n++] = "--sample-trust";
	argv[n++] = trust;
	argv[n++] = "--log-level";
	argv[n++] = "error";
	if (pg_url) {
		argv[n++] = "--store";
		argv[n++] = pg_url;
		argv[n++] = "--store-key";
		argv[n++] = store_key;
	}
	for (i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return false;
	d->pid = fork();
	if (d->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		if (*log_file) {
			int lfd = open(log_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);

			if (lfd >= 0)
				dup2(lfd, 2);
		}
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
	snprintf(d->port, sizeof(d->port), "%s", strrchr(line, ':') + 1);
	d->port[strcspn(d->port, "\n")] = '\0';
	d->api[0] = '\0';
	for (i = 0; extra && extra[i]; i++)
		if (strcmp(extra[i], "--client-api") == 0) {
			if (!fgets(line, sizeof(line), f) || !strstr(line, "client API on")) {
				fclose(f);
				return false;
			}
			snprintf(d->api, sizeof(d->api), "%s", strrchr(line, ':') + 1);
			d->api[strcspn(d->api, "\n")] = '\0';
		}
	fclose(f);
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
	const char *opts[] = { key_opt, *meas_opt ? meas_opt : NULL, NULL };
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

/* Block in a read until verdictd closes the channel; the seconds it
 * took, -1 when a reply came instead. */
static long seconds_until_closed(struct agent *a)
{
	time_t t0 = time(NULL);
	char buf[64];
	size_t len = sizeof(buf);

	if (rats_tls_conn_read(a->conn, buf, &len) == RATS_TLS_ERR_NONE)
		return -1;
	return (long)(time(NULL) - t0);
}

#define ENC "BOq7Hv6RPgTCtogbBK0sn8SuZYF9zN34WA=="
#define DECRYPT(kid) \
	"{\"command\":\"Decrypt\",\"blobs\":[{\"kid\":\"" kid "\",\"encrypted_data\":\"" \
	ENC "\",\"algorithm\":\"A256GCM\",\"key_length\":256,\"iv\":\"MDEyMzQ1Njc4OTAx\"}]}"

/* verdict --store PG --store-key K --store-import from: every document
 * of that file store into the database, as it is. */
static bool import_dir(const char *from)
{
	char exe[512];
	int status;
	pid_t pid;

	snprintf(exe, sizeof(exe), "%s/verdict", bin);
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl(exe, exe, "--store", pg_url, "--store-key", store_key, "--store-import", from,
		      (char *)NULL);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* A document written behind verdictd's back: into the state directory,
 * or into the database (a file store holding it alone, imported). */
static bool write_file(const char *rel, const char *text)
{
	char path[512], dirs[512], *slash;
	struct eaa_err err;
	bool ok;

	if (!pg_url) {
		snprintf(path, sizeof(path), "%s/%s", root, rel);
		return file_write_atomic(path, text, strlen(text), 0600, &err);
	}
	snprintf(path, sizeof(path), "%s/one/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		snprintf(dirs, sizeof(dirs), "%.*s", (int)(slash - path), path);
		mkdir(dirs, 0700);
	}
	snprintf(dirs, sizeof(dirs), "%s/one", dir);
	ok = file_write_atomic(path, text, strlen(text), 0600, &err) && import_dir(dirs);
	test_rm_rf(dirs);
	return ok;
}

/* verdictd whose sample policy allows our agent (svn >= 0). */
static bool start_allowing(struct daemon *d, const char *const *extra)
{
	CHECK(write_file("opa/samplePolicy.rego",
			 "package policy\nimport rego.v1\ndefault allow := false\n"
			 "allow if input.svn >= data.svn\n"));
	CHECK(write_file("opa/sampleData", "{\"svn\": 0}"));
	if (start(d, extra))
		return true;
	CHECK_MSG(false, "verdictd did not start");
	return false;
}

static void test_mutual(void)
{
	struct daemon d;
	struct agent a;
	const char *const extra[] = { "--mutual", "--max-request", "4096", NULL };
	char big[6000];

	if (!start_allowing(&d, extra))
		return;

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
	long t;

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
	t = seconds_until_closed(&a);
	CHECK_MSG(t >= 0 && t < 8, "idle connection kept %ld s", t);
	agent_close(&a);
	stop(&d);
}

/* ---- the client API, as verdict speaks it ---- */

static char *api_token(void)
{
	static char tok[80];
	char path[512];
	uint8_t *buf;
	size_t n;
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/client-api.token", root);
	if (!file_read(path, 128, &buf, &n, &err))
		return "";
	snprintf(tok, sizeof(tok), "%.*s", (int)(n < 64 ? n : 64), (char *)buf);
	free(buf);
	return tok;
}

/* Send raw bytes to the client API; the reply (static), or "" when the
 * connection closed without one. */
static char *api_raw(const struct daemon *d, const char *req, size_t n)
{
	static char buf[8192];
	size_t have = 0;
	ssize_t got;
	int fd = tcp_connect(d->api);

	buf[0] = '\0';
	if (fd < 0)
		return "(no connection)";
	while (n) {
		ssize_t put = send(fd, req, n, MSG_NOSIGNAL);

		if (put <= 0)
			break;
		req += put;
		n -= (size_t)put;
	}
	while (have < sizeof(buf) - 1 &&
	       (got = recv(fd, buf + have, sizeof(buf) - 1 - have, 0)) > 0)
		have += (size_t)got;
	buf[have] = '\0';
	close(fd);
	return buf;
}

/* verdict's set-opa: the token first, as verdict sends it */
static char *api_set_opa(const struct daemon *d, const char *name, const char *doc)
{
	char req[4096], *b64 = base64_encode(doc, strlen(doc), false);

	snprintf(req, sizeof(req), "{\"token\":\"%s\",\"command\":\"set-opa\",\"name\":\"%s\","
		 "\"content\":\"%s\"}", api_token(), name, b64);
	free(b64);
	return api_raw(d, req, strlen(req));
}

/* A decision is taken again once the store changes: an open channel loses
 * its key when the owner revokes the reference values, and keeps it when
 * the change still allows it. */
static void test_revocation(void)
{
	const char *const extra[] = { "--mutual", "--client-api", "127.0.0.1:0", NULL };
	struct daemon d;
	struct agent a;

	if (!start_allowing(&d, extra))
		return;
	CHECK(agent_open(&a, &d, true));
	CHECK(has(ask(&a, DECRYPT("default/key/1")), "dGVzdF9kYXRh"));
	/* a change that still allows: the channel goes on */
	CHECK(has(api_set_opa(&d, "sampleData", "{\"svn\": 0, \"note\": \"x\"}"),
		  "\"status\":\"OK\""));
	CHECK(has(ask(&a, DECRYPT("default/key/1")), "dGVzdF9kYXRh"));
	/* revoked: the same channel is refused, and closed */
	CHECK(has(api_set_opa(&d, "sampleData", "{\"svn\": 5}"), "\"status\":\"OK\""));
	CHECK(has(ask(&a, DECRYPT("default/key/1")), "allow = false"));
	CHECK(ask(&a, "{\"command\":\"version\"}")[0] == '(');
	agent_close(&a);
	/* and a new channel is refused in the handshake */
	CHECK(refused(&a, &d, true, DECRYPT("default/key/1")));
	CHECK(has(api_set_opa(&d, "sampleData", "{\"svn\": 0}"), "\"status\":\"OK\""));
	/* an edit behind verdictd's back: one that does not compile leaves
	 * the channel served by the policy before it; one that refuses
	 * revokes it before its next request, though no generation moved */
	CHECK(agent_open(&a, &d, true));
	CHECK(has(ask(&a, DECRYPT("default/key/1")), "dGVzdF9kYXRh"));
	CHECK(write_file("opa/samplePolicy.rego", "package policy\nallow := \n"));
	CHECK(has(ask(&a, DECRYPT("default/key/1")), "dGVzdF9kYXRh"));
	CHECK(write_file("opa/sampleData", "{\"svn\": 0, \"measurement\": []}") &&
	      write_file("opa/samplePolicy.rego",
			 "package policy\nimport rego.v1\ndefault allow := false\n"
			 "allow if input.svn >= data.svn\n"));
	CHECK(has(ask(&a, DECRYPT("default/key/1")), "dGVzdF9kYXRh"));
	CHECK(write_file("opa/sampleData", "{\"svn\": 5}"));
	CHECK(has(ask(&a, DECRYPT("default/key/1")), "allow = false"));
	CHECK(ask(&a, "{\"command\":\"version\"}")[0] == '(');
	agent_close(&a);
	CHECK(write_file("opa/sampleData", "{\"svn\": 0}"));
	stop(&d);
}

/* A channel lives --channel-ttl seconds, however busy or idle. */
static void test_channel_ttl(void)
{
	const char *const extra[] = { "--mutual", "--channel-ttl", "1", NULL };
	struct daemon d;
	struct agent a;
	long t;

	if (!start(&d, extra)) {
		CHECK_MSG(false, "verdictd did not start");
		return;
	}
	CHECK(agent_open(&a, &d, true));
	CHECK(has(ask(&a, "{\"command\":\"version\"}"), "\"version\":\"v1\""));
	/* the read ends when verdictd closes the channel: about 1 s, well
	 * before the 60 s idle timeout and our own 10 s */
	t = seconds_until_closed(&a);
	CHECK_MSG(t >= 0 && t < 5, "channel kept %ld s", t);
	agent_close(&a);
	stop(&d);
}

/* Wait until the peer closes fd, sending one byte of junk every 200 ms
 * (a trickling peer); seconds it took, or -1 after limit seconds. */
static long trickle_until_closed(int fd, int limit)
{
	time_t t0 = time(NULL);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	while (time(NULL) - t0 < limit) {
		if (send(fd, "\x16", 1, MSG_NOSIGNAL) != 1)
			return (long)(time(NULL) - t0);
		if (poll(&p, 1, 200) > 0 && recv(fd, &c, 1, 0) <= 0)
			return (long)(time(NULL) - t0);
	}
	return -1;
}

/* Deadlines are absolute: a peer that trickles its handshake, or a
 * request, byte by byte is closed when the deadline passes, although
 * each byte arrives well within the idle timeout. */
static void test_deadlines(void)
{
	const char *const extra[] = { "--mutual", "--handshake-timeout", "1",
				      "--request-timeout", "1", NULL };
	struct daemon d;
	struct agent a;
	long took;
	int fd;

	if (!start(&d, extra)) {
		CHECK_MSG(false, "verdictd did not start");
		return;
	}
	fd = tcp_connect(d.port);
	took = trickle_until_closed(fd, 8);
	CHECK_MSG(took >= 0 && took < 4, "a trickled handshake held for %ld s", took);
	close(fd);
	/* a request trickled in TLS records of one byte */
	CHECK(agent_open(&a, &d, true));
	CHECK(has(ask(&a, "{\"command\":\"version\"}"), "\"version\":\"v1\""));
	{
		time_t t0 = time(NULL);
		bool closed = false;

		while (!closed && time(NULL) - t0 < 8) {
			struct pollfd p = { .fd = a.fd, .events = POLLIN };
			size_t len = 1;

			closed = rats_tls_conn_write(a.conn, " ", &len) != RATS_TLS_ERR_NONE ||
				 (poll(&p, 1, 200) > 0);
		}
		CHECK_MSG(closed && time(NULL) - t0 < 4, "a trickled request held for %ld s",
			  (long)(time(NULL) - t0));
	}
	agent_close(&a);
	CHECK(alive(&d));
	stop(&d);
}

/* Only the TEEs named with --verifier are accepted: sample evidence that
 * librats-tls verifies is refused when sample is not among them. */
static void test_enabled_verifiers(void)
{
	const char *const extra[] = { "--mutual", NULL };
	struct daemon d;
	struct agent a;

	verifiers = "sample,tdx_ecdsa";
	if (start(&d, extra)) {
		CHECK(agent_open(&a, &d, true));
		CHECK(has(ask(&a, DECRYPT("default/key/1")), "dGVzdF9kYXRh"));
		agent_close(&a);
		stop(&d);
	} else {
		CHECK_MSG(false, "verdictd -v sample,tdx_ecdsa did not start");
	}
	verifiers = "tdx_ecdsa,sev_snp";
	if (start(&d, extra)) {
		CHECK(refused(&a, &d, true, DECRYPT("default/key/1")));
		stop(&d);
	} else {
		CHECK_MSG(false, "verdictd -v tdx_ecdsa,sev_snp did not start");
	}
	verifiers = "sample";
}

static long status_field(pid_t pid, const char *field)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0)
			v = atol(line + strlen(field) + 1);
	fclose(f);
	return v;
}

/* Sockets process pid has open (its listeners and connections). */
static long open_sockets(pid_t pid)
{
	char path[300], link[64];
	struct dirent *e;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)pid, e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		n += len > 7 && memcmp(link, "socket:", 7) == 0;
	}
	closedir(d);
	return n;
}

/* The event loop: with two workers, 40 attested channels stay open and
 * idle, and 8 peers stall in their handshakes (a record header, then
 * nothing), while one more agent attests and gets its key: none of them
 * holds a thread (verdictd's thread count does not move). A server with
 * a thread per connection fails the count. */
static void test_event_loop(void)
{
	const char *const extra[] = { "--mutual", "--workers", "2", NULL };
	enum { N = 40, STALLED = 8 };
	static struct agent a[N];
	struct agent late;
	struct daemon d;
	int stalled[STALLED], i;
	long threads0;

	if (!start_allowing(&d, extra))
		return;
	/* every worker runs before verdictd says it listens; one channel
	 * first, so that nothing started on first use is counted below */
	CHECK(agent_open(&late, &d, true));
	CHECK(has(ask(&late, "{\"command\":\"version\"}"), "v1"));
	agent_close(&late);
	threads0 = status_field(d.pid, "Threads:");
	for (i = 0; i < STALLED; i++) {
		stalled[i] = tcp_connect(d.port);
		CHECK(send(stalled[i], "\x16\x03\x01", 3, MSG_NOSIGNAL) == 3);
	}
	for (i = 0; i < N; i++) {
		CHECK(agent_open(&a[i], &d, true));
		CHECK(has(ask(&a[i], "{\"command\":\"version\"}"), "v1"));
	}
	CHECK(agent_open(&late, &d, true));
	CHECK(has(ask(&late, "{\"command\":\"Get KEK\",\"kids\":[\"default/key/1\"]}"),
		  "\"status\":\"OK\""));
	CHECK_MSG(status_field(d.pid, "Threads:") == threads0,
		  "threads: %ld before, %ld with %d channels and %d stalled handshakes",
		  threads0, status_field(d.pid, "Threads:"), N + 1, STALLED);
	/* the idle channels are still served, each in its turn */
	for (i = 0; i < N; i++)
		CHECK(has(ask(&a[i], "{\"command\":\"echo\",\"data\":\"x\"}"), "x"));
	agent_close(&late);
	for (i = 0; i < N; i++)
		agent_close(&a[i]);
	for (i = 0; i < STALLED; i++)
		close(stalled[i]);
	stop(&d);
}

/* The client API before the token: at most 16 connections at once, 64 KiB
 * buffered each, so idle or junk-sending clients cost neither threads nor
 * memory; a large request that names the token first is served. */
static void test_api_preauth(void)
{
	const char *const extra[] = { "--client-api", "127.0.0.1:0", NULL };
	enum { N = 40, JUNK = 1 << 20 };
	struct daemon d;
	int fds[N], i, refused_now = 0;
	long threads0, rss0;
	char *junk, *big, *b64;

	if (!start(&d, extra)) {
		CHECK_MSG(false, "verdictd did not start");
		return;
	}
	threads0 = status_field(d.pid, "Threads:");
	rss0 = status_field(d.pid, "VmRSS:");
	junk = malloc(JUNK);
	memset(junk, 'A', JUNK);
	memcpy(junk, "{\"content\":\"", 12);
	for (i = 0; i < N; i++) {
		struct pollfd p;

		fds[i] = tcp_connect(d.api);
		/* each sends a megabyte of a request that names no token;
		 * the peer stops reading after 64 KiB, so the send is cut
		 * short by the socket's buffer or the close */
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		send(fds[i], junk, JUNK, MSG_NOSIGNAL);
		p = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (i >= 16 && poll(&p, 1, 2000) > 0)
			refused_now++;
	}
	CHECK_MSG(status_field(d.pid, "Threads:") <= threads0 + 16,
		  "threads: %ld before, %ld with %d clients", threads0,
		  status_field(d.pid, "Threads:"), N);
	CHECK_MSG(status_field(d.pid, "VmRSS:") - rss0 < 16 * 1024,
		  "RSS grew by %ld kB for %d unauthenticated clients",
		  status_field(d.pid, "VmRSS:") - rss0, N);
	CHECK_MSG(refused_now > 0, "no connection beyond 16 was answered at once");
	for (i = 0; i < N; i++)
		close(fds[i]);
	/* the serving threads notice the closed clients in their own time
	 * (slower under the sanitizers): wait, bounded, until a slot is free */
	{
		char ping[200];
		time_t t0 = time(NULL);

		snprintf(ping, sizeof(ping), "{\"token\":\"%s\",\"command\":\"key-list\"}",
			 api_token());
		while (!strstr(api_raw(&d, ping, strlen(ping)), "\"status\"") &&
		       time(NULL) - t0 < 20)
			poll(NULL, 0, 50);
		CHECK_MSG(time(NULL) - t0 < 20, "the client API stayed full after its clients left");
	}
	/* without the token among the first 64 KiB: refused by name */
	CHECK(has(api_raw(&d, junk, 100 * 1024), "must name the client API token first"));
	/* a 100 KiB policy document with the token first is served */
	big = malloc(100 * 1024);
	memset(big, ' ', 100 * 1024);
	memcpy(big, "{\"svn\": 0}", 10);
	big[100 * 1024 - 1] = '\0';
	b64 = base64_encode(big, strlen(big), false);
	snprintf(junk, JUNK, "{\"token\":\"%s\",\"command\":\"set-opa\",\"name\":\"sampleData\","
		 "\"content\":\"%s\"}", api_token(), b64);
	CHECK(has(api_raw(&d, junk, strlen(junk)), "\"status\":\"OK\""));
	/* a wrong token first: refused after the first 64 KiB */
	memset(strstr(junk, "\"token\":\"") + 9, '0', 64);
	CHECK(has(api_raw(&d, junk, strlen(junk)), "must name the client API token first"));
	free(b64);
	free(big);
	free(junk);
	CHECK(alive(&d));
	stop(&d);
}

/* ---- the resource policy ---- */

/* The indented block after marker in docs/verdictd.md, unindented
 * (malloc'd), or NULL. */
static char *doc_block(const char *marker)
{
	uint8_t *doc;
	size_t n, len = 0;
	struct eaa_err err;
	char *p, *line, *out;

	if (!file_read(doc_path, 1u << 20, &doc, &n, &err))
		return NULL;
	p = memmem(doc, n, marker, strlen(marker));
	out = malloc(n + 1);
	if (!p || !out) {
		free(doc);
		free(out);
		return NULL;
	}
	doc[n - 1] = '\0';
	p = strchr(p, '\n');
	/* lines indented four spaces, and blank lines between them */
	for (line = p ? p + 1 : NULL; line && *line; ) {
		char *end = strchr(line, '\n');
		size_t ll = end ? (size_t)(end - line) : strlen(line);

		if (ll >= 4 && strncmp(line, "    ", 4) == 0) {
			memcpy(out + len, line + 4, ll - 4);
			len += ll - 4;
		} else if (ll != 0 || !end || strncmp(end + 1, "    ", 4) != 0) {
			break;
		}
		out[len++] = '\n';
		line = end ? end + 1 : NULL;
	}
	out[len] = '\0';
	free(doc);
	return len ? out : (free(out), NULL);
}

/* The lines verdictd logged so far (static). */
static char *logged(void)
{
	static char buf[1 << 16];
	uint8_t *p;
	size_t n;
	struct eaa_err err;

	buf[0] = '\0';
	if (file_read(log_file, sizeof(buf) - 1, &p, &n, &err)) {
		memcpy(buf, p, n);
		buf[n] = '\0';
		free(p);
	}
	return buf;
}

/* verdict's key-import */
static char *api_import_key(const struct daemon *d, const char *kid)
{
	char req[512], *b64 = base64_encode("01234567890123456789012345678901", 32, false);

	snprintf(req, sizeof(req), "{\"token\":\"%s\",\"command\":\"key-import\",\"kid\":\"%s\","
		 "\"content\":\"%s\"}", api_token(), kid, b64);
	free(b64);
	return api_raw(d, req, strlen(req));
}

#define MEAS_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define MEAS_B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define MEAS_C "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
#define KEK(kid) "{\"command\":\"Get KEK\",\"kids\":[\"" kid "\"]}"
#define KEY_B64 "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="

/* An agent of the sample TEE with this measurement. */
static bool tenant_open(struct agent *a, const struct daemon *d, const char *meas)
{
	snprintf(meas_opt, sizeof(meas_opt), "sample.measurement=%s", meas);
	return agent_open(a, d, true);
}

/* Is this exact line in verdictd's log? */
static bool logged_line(const char *line)
{
	char want[2048];
	bool ok;

	snprintf(want, sizeof(want), "%s\n", line);
	ok = strstr(logged(), want) != NULL;
	if (!ok)
		fprintf(stderr, "verdictd did not log\n  %s\nit logged:\n%s\n", line, logged());
	return ok;
}

/* docs/verdictd.md's example, as written there, against a real verdictd
 * with two sample tenants; then every way the resource policy refuses,
 * each with the line verdictd logs. */
static void test_resource_policy(void)
{
	const char *const extra[] = { "--mutual", "--client-api", "127.0.0.1:0",
				      "--log-level", "warn", NULL };
	char *policy = doc_block("<!-- example resourcePolicy.rego:");
	char *data = doc_block("<!-- example resourceData:");
	struct daemon d;
	struct agent a, b, c;

	CHECK_MSG(policy && data && strstr(data, MEAS_A) && strstr(data, MEAS_B),
		  "docs/verdictd.md's example not found, or without the tenants' measurements");
	if (!policy || !data) {
		free(policy);
		free(data);
		return;
	}
	snprintf(log_file, sizeof(log_file), "%s/verdictd.log", dir);
	if (!start_allowing(&d, extra))
		goto out;
	CHECK(has(api_import_key(&d, "tenantA/key/1"), "\"status\":\"OK\""));
	CHECK(has(api_import_key(&d, "tenantB/key/1"), "\"status\":\"OK\""));
	CHECK(has(api_set_opa(&d, "resourceData", data), "\"status\":\"OK\""));
	CHECK(has(api_set_opa(&d, "resourcePolicy.rego", policy), "\"status\":\"OK\""));

	/* tenant A gets its key and is refused tenant B's */
	CHECK(tenant_open(&a, &d, MEAS_A));
	CHECK(!strcmp(ask(&a, KEK("tenantA/key/1")),
		      "{\"data\":{\"tenantA/key/1\":\"" KEY_B64 "\"},\"status\":\"OK\"}"));
	CHECK(!strcmp(ask(&a, KEK("tenantB/key/1")),
		      "{\"data\":{},\"error\":\"kid: tenantB/key/1: refused by the resource policy: "
		      "resourcePolicy.rego: rule allow is false\",\"status\":\"Fail\"}"));
	CHECK(logged_line("[warn] refused Get KEK of key \"tenantB/key/1\" to a sample peer: "
			  "resourcePolicy.rego: rule allow is false; the policy's rules for it: "
			  "{\"allow\":false,\"tenant\":\"tenantB\"}" "; why: data.policy.allow is false | allow (resourcePolicy.rego:15): "
			  "input.claims.measurement in data.tenants[tenant] is false "
			  "(resourcePolicy.rego:15:10) | default allow (resourcePolicy.rego:5): false"));
	CHECK(has(ask(&a, DECRYPT("tenantB/key/1")), "refused by the resource policy"));
	CHECK(logged_line("[warn] refused Decrypt of key \"tenantB/key/1\" to a sample peer: "
			  "resourcePolicy.rego: rule allow is false; the policy's rules for it: "
			  "{\"allow\":false,\"tenant\":\"tenantB\"}" "; why: data.policy.allow is false | allow (resourcePolicy.rego:15): "
			  "input.claims.measurement in data.tenants[tenant] is false "
			  "(resourcePolicy.rego:15:10) | default allow (resourcePolicy.rego:5): false"));
	/* and no resource */
	CHECK(has(ask(&a, "{\"command\":\"Get Resource\",\"optional\":{\"resource_path\":"
		      "\"default/security-policy/test\"}}"), "eyJlcnJvciI6InJlYWQgcmVzb3VyY2U6IHJlZnVzZWQg"));
	CHECK(logged_line("[warn] refused Get Resource of resource \"default/security-policy/test\" "
			  "to a sample peer: resourcePolicy.rego: rule allow is false; the policy's "
			  "rules for it: {\"allow\":false}; why: data.policy.allow is false | allow "
			  "(resourcePolicy.rego:15): data.tenants[tenant] is undefined "
			  "(resourcePolicy.rego:15:10) | default allow (resourcePolicy.rego:5): false"));
	/* tenant B the other way round */
	CHECK(tenant_open(&b, &d, MEAS_B));
	CHECK(has(ask(&b, KEK("tenantB/key/1")), KEY_B64));
	CHECK(has(ask(&b, KEK("tenantA/key/1")), "rule allow is false"));
	agent_close(&b);
	/* a workload of neither tenant, which its TEE's policy allows: none */
	CHECK(tenant_open(&c, &d, MEAS_C));
	CHECK(has(ask(&c, KEK("tenantA/key/1")), "rule allow is false"));
	CHECK(has(ask(&c, KEK("tenantB/key/1")), "rule allow is false"));
	agent_close(&c);

	/* an unknown command: refused and logged by its name */
	CHECK(has(ask(&a, "{\"command\":\"Get Everything\"}"),
		  "Command error: unknown command \\\"Get Everything\\\""));
	CHECK(logged_line("[warn] refused a request from a sample peer: unknown command "
			  "\"Get Everything\""));

	/* a policy that names no rule for the request: undefined refuses (on
	 * the same channel: the store's generation moved) */
	CHECK(has(api_set_opa(&d, "resourcePolicy.rego", "package policy\nimport rego.v1\n"
			      "allow if input.kid == \"tenantA/key/1\"\n"), "\"status\":\"OK\""));
	CHECK(has(ask(&a, KEK("tenantA/key/1")), KEY_B64));
	CHECK(has(ask(&a, KEK("tenantB/key/1")), "rule allow is undefined"));
	CHECK(logged_line("[warn] refused Get KEK of key \"tenantB/key/1\" to a sample peer: "
			  "resourcePolicy.rego: rule allow is undefined for this request (no rule "
			  "gave it a value); the policy's rules for it: {}; why: data.policy.allow is "
			  "undefined | allow (resourcePolicy.rego:3): input.kid (\"tenantB/key/1\") == "
			  "\"tenantA/key/1\" (\"tenantA/key/1\") is false (resourcePolicy.rego:3:10)"));
	/* a policy error refuses */
	CHECK(has(api_set_opa(&d, "resourcePolicy.rego", "package policy\nimport rego.v1\n"
			      "allow := true if input.kid\nallow := false if input.command\n"),
		  "\"status\":\"OK\""));
	CHECK(has(ask(&a, KEK("tenantA/key/1")), "policy error"));
	CHECK(logged_line("[warn] refused Get KEK of key \"tenantA/key/1\" to a sample peer: "
			  "resourcePolicy.rego: policy error: resourcePolicy.rego:4:10: "
			  "eval_conflict_error: complete rules must not produce multiple outputs: "
			  "rule data.policy.allow produced conflicting values"));

	/* a policy that does not compile never replaces the working one:
	 * refused by the client API, and when edited in by hand */
	CHECK(has(api_set_opa(&d, "resourcePolicy.rego", policy), "\"status\":\"OK\""));
	CHECK(has(api_set_opa(&d, "resourcePolicy.rego", "package policy\nallow { input.x ==\n"),
		  "resource policy not stored: policy.rego:3:"));
	CHECK(has(ask(&a, KEK("tenantA/key/1")), KEY_B64));
	CHECK(write_file("opa/resourcePolicy.rego", "package policy\nallow { input.x ==\n"));
	CHECK(has(ask(&a, KEK("tenantA/key/1")), KEY_B64));
	CHECK(has(ask(&a, KEK("tenantB/key/1")), "rule allow is false"));
	{
		char line[600];

		snprintf(line, sizeof(line), "[warn] %s/opa/resourcePolicy.rego (generation ",
			 pg_url ? "postgresql:" : root);
		CHECK_MSG(strstr(logged(), line) && strstr(logged(), ") does not compile, so the "
			  "policy compiled before decides on: resourcePolicy.rego:3:"), "%s", logged());
	}
	/* a new channel too */
	CHECK(tenant_open(&b, &d, MEAS_A));
	CHECK(has(ask(&b, KEK("tenantA/key/1")), KEY_B64));
	agent_close(&b);
	agent_close(&a);
	CHECK(alive(&d));
	stop(&d);
	/* verdictd started with that file has no working policy: it refuses
	 * every key, saying why */
	if (start(&d, extra)) {
		CHECK(tenant_open(&a, &d, MEAS_A));
		CHECK(has(ask(&a, KEK("tenantA/key/1")), "refused by the resource policy: "
			  "resourcePolicy.rego: does not compile: resourcePolicy.rego:3:"));
		CHECK(strstr(logged(), "[warn] refused Get KEK of key \"tenantA/key/1\" to a sample "
			     "peer: resourcePolicy.rego: does not compile: resourcePolicy.rego:3:"));
		agent_close(&a);
		stop(&d);
	} else {
		CHECK_MSG(false, "verdictd did not start");
	}
	CHECK(write_file("opa/resourcePolicy.rego", "package policy\nimport rego.v1\nallow := true\n"));
out:
	meas_opt[0] = '\0';
	log_file[0] = '\0';
	free(policy);
	free(data);
}

/* Keys leave no copy behind: after an agent took a KEK and left, a core
 * dump of verdictd holds neither the key nor its base64 (replies, request
 * buffers and jansson's strings are wiped when freed). */
static void test_no_key_left(void)
{
	static const char b64[] = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
	const char *const extra[] = { "--mutual", NULL };
	char cmd[1024], core[600];
	struct daemon d;
	struct agent a;
	uint8_t *mem = NULL;
	size_t n;
	struct eaa_err err;
	long fds;
	time_t t0;

#if defined(__SANITIZE_ADDRESS__)
#define EAA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EAA_ASAN 1
#endif
#endif
#ifdef EAA_ASAN
	/* AddressSanitizer maps terabytes of shadow memory: a core dump of
	 * it would not end. The plain build runs this test. */
	fprintf(stderr, "test_no_key_left: not under AddressSanitizer (the plain build runs it)\n");
	return;
#endif
	if (system("command -v gcore >/dev/null 2>&1") != 0) {
		/* scripts/install-deps.sh installs gdb: CI never skips */
		fprintf(stderr, "skipped: test_no_key_left needs gdb's gcore\n");
		CHECK(getenv("CI") == NULL);
		return;
	}
	if (!start_allowing(&d, extra))
		return;
	fds = open_sockets(d.pid);
	CHECK(agent_open(&a, &d, true));
	CHECK(has(ask(&a, "{\"command\":\"Get KEK\",\"kids\":[\"default/key/1\"]}"), b64));
	CHECK(has(ask(&a, "{\"command\":\"version\"}"), "v1"));
	agent_close(&a);
	/* the dump is of a verdictd that has closed the channel (its worker
	 * burned its stack after each request): poll its sockets, at
	 * most 10 s */
	for (t0 = time(NULL); open_sockets(d.pid) > fds && time(NULL) - t0 < 10;)
		poll(NULL, 0, 20);
	CHECK_MSG(open_sockets(d.pid) == fds, "the channel was not closed (%ld sockets, %ld before)", open_sockets(d.pid), fds);
	snprintf(core, sizeof(core), "%s/core", dir);
	snprintf(cmd, sizeof(cmd), "gcore -o %s %d >/dev/null 2>&1", core, (int)d.pid);
	CHECK(system(cmd) == 0);
	snprintf(core, sizeof(core), "%s/core.%d", dir, (int)d.pid);
	CHECK(file_read(core, 1u << 30, &mem, &n, &err));
	if (mem) {
		CHECK_MSG(!memmem(mem, n, b64, strlen(b64)), "the KEK's base64 is in verdictd's memory");
		CHECK_MSG(!memmem(mem, n, "01234567890123456789012345678901", 32),
			  "the KEK is in verdictd's memory");
		free(mem);
	}
	unlink(core);
	stop(&d);
}

int main(int argc, char **argv)
{
	static const uint8_t key[] = "01234567890123456789012345678901";
	EVP_PKEY *signer, *other;
	char path[512];
	struct eaa_err err;

	if (argc != 3 || !mkdtemp(dir))
		return 2;
	bin = argv[1];
	doc_path = argv[2];
	pg_url = getenv("EAA_TEST_PG_URL");
	store_key = getenv("EAA_TEST_STORE_KEY");
	if (pg_url && !store_key)
		return 2;
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
	/* the state so far, into the database the daemons will use */
	CHECK(!pg_url || import_dir(root));
	test_mutual();
	test_one_way();
	test_limits();
	test_revocation();
	test_channel_ttl();
	test_deadlines();
	test_enabled_verifiers();
	test_api_preauth();
	test_event_loop();
	test_resource_policy();
	test_no_key_left();
	EVP_PKEY_free(signer);
	EVP_PKEY_free(other);
	test_rm_rf(dir);
	return test_summary();
}
