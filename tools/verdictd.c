/* verdictd - the verifier and key broker: attested TLS (librats-tls) for
 * attestation agents, the TEE's Rego policy over each peer's verified
 * claims, then the EAA protocol over the store (docs/eaa-protocol.md).
 *
 *   verdictd --listen 0.0.0.0:20002 --verifier csv --attester nullattester \
 *            --client-api 127.0.0.1:20001 --mutual [--root /opt/verdictd]
 *
 * Prints "listening on ADDR:PORT" once ready. Each connection has its own
 * thread, an idle timeout and a request size bound; a peer that fails
 * attestation or the policy is refused in the handshake, and the decision
 * and its reason are logged. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include "api.h"
#include "config_args.h"
#include "eaa.h"
#include "json_util.h"
#include "kp_grpc.h"
#include "log.h"
#include "net.h"
#include "rats-tls/api.h"

#define MAX_OPTS 64

static struct {
	const char *prog, *root, *listen, *client_api, *keyprovider;
	rats_tls_conf_t conf;
	const char *opts[MAX_OPTS + 1];
	size_t nopts;
	char *owned[MAX_OPTS];
	size_t nowned;
	size_t max_request;
	int idle_timeout;
	int max_connections;
	struct vd_store *store;
	rats_tls_handle handle;
	char token[65];
} vd = { .root = VD_DEFAULT_ROOT, .max_request = 1u << 20, .idle_timeout = 60,
	 .max_connections = 256 };

/* Connections being served; beyond --max-connections new ones are closed
 * at once, so a flood costs sockets, not threads and buffers. */
static int active;
static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;

static bool take_slot(void)
{
	bool ok;

	pthread_mutex_lock(&active_lock);
	ok = active < vd.max_connections;
	if (ok)
		active++;
	pthread_mutex_unlock(&active_lock);
	return ok;
}

static void give_slot(void)
{
	pthread_mutex_lock(&active_lock);
	active--;
	pthread_mutex_unlock(&active_lock);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [options]\n"
"The EAA verifier and key broker (docs/verdictd.md).\n"
"  -l, --listen ADDR:PORT     attestation listener (default 0.0.0.0:1111;\n"
"                             port 0 picks a free one)\n"
"  -v, --verifier NAME        verifier for agents' evidence (sgx_ecdsa, tdx_ecdsa,\n"
"                             csv, sample, ...; default: inferred from the evidence)\n"
"  -a, --attester NAME        attester for our certificate (nullattester: none)\n"
"  -m, --mutual               agents attest; without it only version and echo\n"
"                             are served\n"
"  -t, --tls NAME, -c, --crypto NAME   TLS and crypto wrappers (openssl)\n"
"      --client-api ADDR:PORT the management API for verdict\n"
"      --keyprovider ADDR:PORT  the ocicrypt key provider (gRPC) for skopeo\n"
"  -r, --root DIR             state directory (default %s)\n"
"      --max-request BYTES    largest request (default 1048576)\n"
"      --idle-timeout SECONDS close idle connections (default 60); a request\n"
"                             must arrive within twice that\n"
"      --max-connections N    connections served at once (default 256)\n"
"  -o, --option K=V           librats-tls instance option\n"
"      --fresh                agents' evidence must bind this connection's\n"
"                             hello random (alias --require-nonce)\n"
"      --sample-key FILE      sample attester key (PEM)          [demo/test]\n"
"      --sample-trust FILE    sample verifier trusted keys (PEM) [demo/test]\n"
"      --log-level LEVEL      debug|info|warn|error|off (default info)\n"
"      --config FILE          \"option = value\" lines (long option names,\n"
"                             \"mutual = true\"); flags given here win\n"
"  -h, --help\n", vd.prog, VD_DEFAULT_ROOT);
}

static bool add_opt(const char *prefix, const char *v)
{
	char *s;

	if (vd.nopts == MAX_OPTS || vd.nowned == MAX_OPTS ||
	    asprintf(&s, "%s%s", prefix, v) < 0)
		return false;
	vd.owned[vd.nowned++] = s;
	vd.opts[vd.nopts++] = s;
	return true;
}

static bool set_name(char *dst, size_t cap, const char *v, const char *what)
{
	if (strlen(v) >= cap) {
		fprintf(stderr, "%s: %s name \"%s\" is too long\n", vd.prog, what, v);
		return false;
	}
	strcpy(dst, v);
	return true;
}

/* "ADDR:PORT" into its parts (in place). */
static bool split_addr(char *s, const char **ip, const char **port)
{
	char *colon = strrchr(s, ':');

	if (!colon || colon == s || !colon[1])
		return false;
	*colon = '\0';
	*ip = s[0] == '[' && colon[-1] == ']' ? (colon[-1] = '\0', s + 1) : s;
	*port = colon + 1;
	return true;
}

/* The policy the verifier's name points at: sgx_ecdsa -> sgx, ... */
static bool tee_of_verifier(const char *verifier, enum vd_tee *t)
{
	static const struct {
		const char *prefix;
		enum vd_tee tee;
	} map[] = {
		{ "sgx", VD_TEE_SGX }, { "tdx", VD_TEE_TDX }, { "snp", VD_TEE_SNP },
		{ "sev", VD_TEE_SNP }, { "csv", VD_TEE_CSV }, { "tpm", VD_TEE_TPM },
		{ "sample", VD_TEE_SAMPLE },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(verifier, map[i].prefix, strlen(map[i].prefix)) == 0) {
			*t = map[i].tee;
			return true;
		}
	return false;
}

/* The claims callback: the TEE's policy and reference values decide. A
 * refusal fails the handshake, so nothing is served to the peer. */
static int decide(void *arg, const rats_tls_claims_t *claims)
{
	struct eaa_err err;
	enum vd_tee t;
	char *policy = NULL, *data = NULL, *decision = NULL;
	size_t plen, dlen;
	int refuse = 1;

	if (!claims->tee || !tee_of_verifier(claims->tee, &t)) {
		LOG_WARN("refused: evidence checked by \"%s\", which no policy covers",
			 claims->tee ? claims->tee : "no verifier");
		return 1;
	}
	if (!vd_opa_get(vd.store, t, false, &policy, &plen, &err) ||
	    !vd_opa_get(vd.store, t, true, &data, &dlen, &err)) {
		LOG_WARN("refused %s peer: %s", vd_tee_name(t), err.msg);
		goto out;
	}
	if (!vd_opa_check(policy, plen, data, dlen, claims->json,
			  strlen(claims->json), &decision, &err)) {
		LOG_WARN("refused %s peer: policy error: %s", vd_tee_name(t), err.msg);
		goto out;
	}
	refuse = strcmp(decision, "true") != 0;
	if (refuse)
		LOG_WARN("refused %s peer: %sPolicy.rego says allow = %s for claims %s",
			 vd_tee_name(t), vd_tee_name(t), decision, claims->json);
	else
		LOG_INFO("allowed %s peer: claims %s", vd_tee_name(t), claims->json);
out:
	free(policy);
	free(data);
	free(decision);
	return refuse;
}

/* Read until one complete JSON object is buffered; its length, 0 on EOF
 * or error (already answered or logged). */
static size_t read_request(rats_tls_conn *conn, char *buf, size_t *have,
			   bool *bad)
{
	time_t start = time(NULL);
	long frame;

	*bad = false;
	for (;;) {
		size_t len;

		frame = json_frame(buf, *have);
		if (frame > 0)
			return (size_t)frame;
		if (frame < 0 || *have >= vd.max_request) {
			*bad = true;
			return *have ? *have : 1;
		}
		/* a peer trickling bytes resets the idle timeout on every
		 * read; a request gets twice the idle timeout in all */
		if (*have && time(NULL) - start > 2 * (time_t)vd.idle_timeout) {
			LOG_WARN("closing a connection: request not complete after %d s",
				 2 * vd.idle_timeout);
			return 0;
		}
		len = vd.max_request - *have;
		if (rats_tls_conn_read(conn, buf + *have, &len) != RATS_TLS_ERR_NONE ||
		    len == 0)
			return 0;
		*have += len;
	}
}

static bool send_all(rats_tls_conn *conn, const char *p, size_t n)
{
	while (n) {
		size_t len = n;

		if (rats_tls_conn_write(conn, p, &len) != RATS_TLS_ERR_NONE)
			return false;
		p += len;
		n -= len;
	}
	return true;
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct vd_peer peer = { false, "the agent presented no evidence: verdictd runs without --mutual" };
	rats_tls_conn *conn;
	char *buf = malloc(vd.max_request + 1);
	size_t have = 0, n;
	bool bad;
	int one = 1;

	net_set_timeout(fd, vd.idle_timeout);
	/* one small reply per request: do not let Nagle hold it back */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!buf || rats_tls_conn_open(vd.handle, fd, &conn) != RATS_TLS_ERR_NONE) {
		LOG_WARN("connection refused: %s", buf ? rats_tls_last_error() : "out of memory");
		free(buf);
		close(fd);
		give_slot();
		return NULL;
	}
	if ((vd.conf.flags & RATS_TLS_CONF_FLAGS_MUTUAL) && rats_tls_conn_claims(conn))
		peer = (struct vd_peer){ true, NULL };
	while ((n = read_request(conn, buf, &have, &bad)) > 0) {
		struct vd_reply r;
		bool ok;

		if (bad) {
			/* not a JSON object, or larger than the bound: answer,
			 * then close (the stream cannot be resynchronised) */
			char msg[200];

			snprintf(msg, sizeof(msg), "{\"data\":{},\"error\":\"%s\",\"status\":\"Fail\"}",
				 have >= vd.max_request ? "request larger than the configured bound" :
				 "request is not a JSON object");
			send_all(conn, msg, strlen(msg));
			break;
		}
		if (!vd_eaa_handle(vd.store, &peer, buf, n, &r))
			break;
		ok = send_all(conn, r.data, r.len) && !r.close;
		vd_reply_free(&r);
		memmove(buf, buf + n, have - n);
		have -= n;
		if (!ok)
			break;
	}
	rats_tls_conn_close(conn);
	close(fd);
	free(buf);
	give_slot();
	return NULL;
}

/* ---- the management API (verdict) ---- */

#define API_MAX_REQUEST (16u * 1024u * 1024u)

static void *serve_api(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(API_MAX_REQUEST), *reply = NULL;
	size_t have = 0;
	long frame = 0;

	net_set_timeout(fd, 30);
	while (buf && have < API_MAX_REQUEST &&
	       (frame = json_frame(buf, have)) == 0) {
		ssize_t got = read(fd, buf + have, API_MAX_REQUEST - have);

		if (got <= 0)
			break;
		have += (size_t)got;
	}
	if (frame > 0)
		vd_api_handle(vd.store, vd.token, buf, (size_t)frame, &reply);
	else if (buf && have)
		reply = strdup("{\"error\":\"request is not one complete JSON object "
			       "(or larger than 16 MiB)\",\"status\":\"Fail\"}");
	if (reply) {
		size_t off = 0, n = strlen(reply);

		while (off < n) {
			ssize_t put = write(fd, reply + off, n - off);

			if (put <= 0)
				break;
			off += (size_t)put;
		}
	}
	free(reply);
	free(buf);
	close(fd);
	return NULL;
}

static void *accept_api(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, serve_api, (void *)(intptr_t)fd) != 0) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

/* Listen for verdict; the token it must present is in the state
 * directory. Returns the port, 0 on failure (reported). */
static unsigned start_api(void)
{
	char addr[256];
	const char *ip, *port, *why = "";
	struct eaa_err err;
	unsigned bound = 0;
	pthread_t t;
	int lfd;

	snprintf(addr, sizeof(addr), "%s", vd.client_api);
	if (!split_addr(addr, &ip, &port)) {
		fprintf(stderr, "%s: --client-api wants ADDR:PORT, not \"%s\"\n", vd.prog,
			vd.client_api);
		return 0;
	}
	if (!vd_api_token(vd.store, vd.token, &err)) {
		fprintf(stderr, "%s: client API token: %s\n", vd.prog, err.msg);
		return 0;
	}
	if (strcmp(ip, "127.0.0.1") != 0 && strcmp(ip, "::1") != 0 &&
	    strcmp(ip, "localhost") != 0)
		LOG_WARN("client API on %s: not loopback; the token travels in clear "
			 "text, keep this address on a trusted network", ip);
	if ((lfd = net_listen(ip, port, &bound, &why)) < 0) {
		fprintf(stderr, "%s: client API on %s: %s\n", vd.prog, vd.client_api, why);
		return 0;
	}
	if (pthread_create(&t, NULL, accept_api, (void *)(intptr_t)lfd) != 0) {
		fprintf(stderr, "%s: client API: cannot start its thread\n", vd.prog);
		return 0;
	}
	pthread_detach(t);
	printf("client API on %s:%u\n", ip, bound);
	return bound;
}

/* The seeds run `--verifier sgx_ecdsa` with nothing else: as the original
 * did through Intel's quote library, get collateral from the local PCCS
 * (the DCAP default, https://localhost:8081), cached in <root>/collateral.
 * Its TLS certificate is not checked (local PCCSs are self-signed); the
 * collateral itself is signed by Intel and checked to the pinned root. Any
 * collateral, pccs or allow_no_collateral option of the user's wins. */
#define DEFAULT_PCCS "https://localhost:8081/sgx/certification/v4/"

static bool intel_defaults(void)
{
	const char *v = vd.conf.verifier_type, *name;
	size_t i;

	if (strcmp(v, "sgx_ecdsa") != 0 && strcmp(v, "tdx_ecdsa") != 0 &&
	    strcmp(v, "tdx") != 0)
		return true;
	name = strcmp(v, "sgx_ecdsa") == 0 ? "sgx_ecdsa" : "tdx_ecdsa";
	for (i = 0; i < vd.nopts; i++) {
		const char *o = vd.opts[i];

		if ((strncmp(o, name, strlen(name)) == 0 || strncmp(o, "tdx.", 4) == 0) &&
		    (strstr(o, ".collateral=") || strstr(o, ".pccs=") ||
		     strstr(o, ".allow_no_collateral=")))
			return true;
	}
	{
		char col[600], pccs[200], insecure[64];

		snprintf(col, sizeof(col), "%s.collateral=%s/collateral", name, vd.root);
		snprintf(pccs, sizeof(pccs), "%s.pccs=%s", name, DEFAULT_PCCS);
		snprintf(insecure, sizeof(insecure), "%s.pccs_insecure=1", name);
		if (!add_opt("", col) || !add_opt("", pccs) || !add_opt("", insecure))
			return false;
	}
	fprintf(stderr, "%s: %s: collateral from the PCCS at %s, cached in %s/collateral "
		"(set %s.collateral or %s.pccs to change)\n", vd.prog, name, DEFAULT_PCCS,
		vd.root, name, name);
	return true;
}

static int parse(int argc, char **argv)
{
	enum { O_CLIENT_API = 0x100, O_MAX_REQ, O_IDLE, O_SAMPLE_KEY, O_SAMPLE_TRUST,
	       O_LOG, O_CONFIG, O_KEYPROVIDER, O_MAX_CONN, O_FRESH };
	static const struct option longs[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "verifier", required_argument, NULL, 'v' },
		{ "attester", required_argument, NULL, 'a' },
		{ "mutual", no_argument, NULL, 'm' },
		{ "tls", required_argument, NULL, 't' },
		{ "crypto", required_argument, NULL, 'c' },
		{ "client-api", required_argument, NULL, O_CLIENT_API },
		{ "root", required_argument, NULL, 'r' },
		{ "max-request", required_argument, NULL, O_MAX_REQ },
		{ "idle-timeout", required_argument, NULL, O_IDLE },
		{ "option", required_argument, NULL, 'o' },
		{ "sample-key", required_argument, NULL, O_SAMPLE_KEY },
		{ "sample-trust", required_argument, NULL, O_SAMPLE_TRUST },
		{ "log-level", required_argument, NULL, O_LOG },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "keyprovider", required_argument, NULL, O_KEYPROVIDER },
		{ "max-connections", required_argument, NULL, O_MAX_CONN },
		{ "fresh", no_argument, NULL, O_FRESH },
		{ "require-nonce", no_argument, NULL, O_FRESH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum eaa_log_level level = EAA_LOG_INFO;
	int c;

	vd.listen = "0.0.0.0:1111";
	vd.conf.api_version = RATS_TLS_API_VERSION;
	vd.conf.flags = RATS_TLS_CONF_FLAGS_SERVER;
	vd.conf.log_level = RATS_TLS_LOG_LEVEL_WARN;
	while ((c = getopt_long(argc, argv, "l:v:a:mt:c:r:o:h", longs, NULL)) != -1) {
		bool ok = true;

		switch (c) {
		case 'l': vd.listen = optarg; break;
		case 'v': ok = set_name(vd.conf.verifier_type, sizeof(vd.conf.verifier_type),
					 optarg, "verifier"); break;
		case 'a': ok = set_name(vd.conf.attester_type, sizeof(vd.conf.attester_type),
					 optarg, "attester"); break;
		case 'm': vd.conf.flags |= RATS_TLS_CONF_FLAGS_MUTUAL; break;
		case 't': ok = set_name(vd.conf.tls_type, sizeof(vd.conf.tls_type), optarg,
					 "tls"); break;
		case 'c': ok = set_name(vd.conf.crypto_type, sizeof(vd.conf.crypto_type),
					 optarg, "crypto"); break;
		case O_CLIENT_API: vd.client_api = optarg; break;
		case 'r': vd.root = optarg; break;
		case O_MAX_REQ: vd.max_request = strtoul(optarg, NULL, 10); ok = vd.max_request >= 64; break;
		case O_IDLE: vd.idle_timeout = atoi(optarg); ok = vd.idle_timeout > 0; break;
		case 'o': ok = add_opt("", optarg); break;
		case O_SAMPLE_KEY: ok = add_opt("sample.key=", optarg); break;
		case O_SAMPLE_TRUST: ok = add_opt("sample.trust=", optarg); break;
		case O_LOG: ok = eaa_log_parse_level(optarg, &level); break;
		case O_CONFIG: break; /* read by config_args */
		case O_KEYPROVIDER: vd.keyprovider = optarg; break;
		case O_MAX_CONN: vd.max_connections = atoi(optarg); ok = vd.max_connections > 0; break;
		case O_FRESH: vd.conf.flags |= RATS_TLS_CONF_FLAGS_FRESH; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "%s: bad value for option: %s\n", vd.prog, optarg);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!intel_defaults())
		return 2;
	eaa_log_set_level(level);
	/* librats-tls logs through the same logger: one level for both */
	vd.conf.log_level = (rats_tls_log_level_t)level;
	vd.opts[vd.nopts] = NULL;
	vd.conf.options = vd.opts;
	vd.conf.claims_cb = decide;
	return 0;
}

/* The arguments with the config file's: they live as long as the process
 * (kept here, so leak checkers see them held). */
static char **args;

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/'), *why = "", *ip, *port;
	char listen[256];
	struct eaa_err err;
	unsigned bound;
	int rc, lfd;

	vd.prog = base ? base + 1 : argv[0];
	if (!(argv = args = config_args(vd.prog, &argc, argv)))
		return 2;
	if ((rc = parse(argc, argv)) != 0)
		return rc == 1 ? 0 : 2;
	snprintf(listen, sizeof(listen), "%s", vd.listen);
	if (!split_addr(listen, &ip, &port)) {
		fprintf(stderr, "%s: --listen wants ADDR:PORT, not \"%s\"\n", vd.prog, vd.listen);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!(vd.store = vd_store_open(vd.root, &err)) ||
	    !vd_store_install_defaults(vd.store, &err)) {
		fprintf(stderr, "%s: state directory: %s\n", vd.prog, err.msg);
		return 1;
	}
	if (!(vd.conf.flags & RATS_TLS_CONF_FLAGS_MUTUAL))
		LOG_WARN("without --mutual agents do not attest: only version and echo are served");
	if (rats_tls_init(&vd.conf, &vd.handle) != RATS_TLS_ERR_NONE) {
		fprintf(stderr, "%s: %s\n", vd.prog, rats_tls_last_error());
		return 1;
	}
	if ((lfd = net_listen(ip, port, &bound, &why)) < 0) {
		fprintf(stderr, "%s: listen on %s: %s\n", vd.prog, vd.listen, why);
		return 1;
	}
	printf("listening on %s:%u\n", ip, bound);
	if (vd.client_api) {
		unsigned api = start_api();

		if (!api)
			return 1;
	}
	if (vd.keyprovider) {
		int kport;

		if (!vd_kp_grpc_start(vd.store, vd.keyprovider, "attestation-agent", &kport,
				      &err)) {
			fprintf(stderr, "%s: %s\n", vd.prog, err.msg);
			return 1;
		}
		printf("key provider on %.*s:%d\n",
		       (int)(strrchr(vd.keyprovider, ':') - vd.keyprovider), vd.keyprovider, kport);
	}
	fflush(stdout);
	for (;;) {
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				LOG_WARN("accept: %s", strerror(errno));
			continue;
		}
		if (!take_slot()) {
			LOG_WARN("closing a connection: %d already being served "
				 "(--max-connections)", vd.max_connections);
			close(fd);
			continue;
		}
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0) {
			give_slot();
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
}
