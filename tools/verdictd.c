/* verdictd - the verifier and key broker: attested TLS (librats-tls) for
 * attestation agents, the TEE's Rego policy over each peer's verified
 * claims, then the EAA protocol over the store (docs/eaa-protocol.md).
 *
 *   verdictd --listen 0.0.0.0:20002 --verifier csv --attester nullattester \
 *            --client-api 127.0.0.1:20001 --mutual [--root /opt/verdictd]
 *
 * Prints "listening on ADDR:PORT" once ready. Each connection has its own
 * thread, a request size bound and absolute deadlines (handshake, idle,
 * request, channel lifetime) that a reaper enforces; a peer that fails
 * attestation or the policy is refused in the handshake, and the decision
 * and its reason are logged in one line. A decision is taken again before
 * serving once the store has changed since it was made. With --metrics,
 * each of these steps is counted (src/verdictd/metrics.h). */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "api.h"
#include "config_args.h"
#include "deadline.h"
#include "decide.h"
#include "eaa.h"
#include "json_util.h"
#include "kp_grpc.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "resource_policy.h"
#include "rats-tls/api.h"
#include "wipe.h"

#define MAX_OPTS 64

static struct {
	const char *prog, *root, *listen, *client_api, *keyprovider, *metrics;
	rats_tls_conf_t conf;
	const char *opts[MAX_OPTS + 1];
	size_t nopts;
	char *owned[MAX_OPTS];
	size_t nowned;
	size_t max_request;
	int idle_timeout, handshake_timeout, request_timeout, channel_ttl;
	int max_connections;
	bool keyprovider_remote;
	/* the TEEs whose verifiers the owner named (--verifier); evidence of
	 * any other is refused */
	bool enabled[VD_TEE_COUNT];
	char verifiers[256];
	struct vd_store *store;
	struct vd_decider *decider; /* the TEEs' policies, compiled once per change */
	struct vd_rpolicy *rpolicy; /* which allowed peer may read what */
	struct vd_watch *conns, *api_conns;
	rats_tls_handle handle;
	char token[65];
} vd = { .root = VD_DEFAULT_ROOT, .max_request = 1u << 20, .idle_timeout = 60,
	 .handshake_timeout = 10, .request_timeout = 30, .channel_ttl = 600,
	 .max_connections = 256 };

/* One log line a second at most for floods of refused connections. */
static void warn_refused(const char *what, int cap)
{
	static _Atomic time_t last;
	time_t now = time(NULL);

	if (last != now) {
		last = now;
		LOG_WARN("%s: closing new connections: %d already being served",
			 what, cap);
	}
}

/* The accepted socket and its deadline slot, for the serving thread. */
struct conn_arg {
	int fd, slot;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [options]\n"
"The EAA verifier and key broker (docs/verdictd.md).\n"
"  -l, --listen ADDR:PORT     attestation listener (default 0.0.0.0:1111;\n"
"                             port 0 picks a free one)\n"
"  -v, --verifier NAME[,NAME] verifiers for agents' evidence (sgx_ecdsa,\n"
"                             tdx_ecdsa, sev_snp, csv, tpm, sample); required\n"
"                             with --mutual: no TEE is accepted unless named\n"
"  -a, --attester NAME        attester for our certificate (nullattester: none)\n"
"  -m, --mutual               agents attest; without it only version and echo\n"
"                             are served\n"
"  -t, --tls NAME, -c, --crypto NAME   TLS and crypto wrappers (openssl)\n"
"      --client-api ADDR:PORT the management API for verdict\n"
"      --keyprovider ADDR     the ocicrypt key provider (gRPC, WrapKey only) for\n"
"                             skopeo: unix (= unix://%s),\n"
"                             unix://PATH, or loopback HOST:PORT (warned)\n"
"      --keyprovider-remote   also allow a non-loopback HOST:PORT (anyone who\n"
"                             reaches it can wrap under the owner's KEKs)\n"
"      --metrics [ADDR:]PORT  Prometheus metrics at http://ADDR:PORT/metrics\n"
"                             (ADDR defaults to 127.0.0.1; others are warned)\n"
"  -r, --root DIR             state directory (default %s)\n"
"      --max-request BYTES    largest request (default 1048576; 64 to 1 GiB)\n"
"      --idle-timeout SECONDS close connections idle this long (default 60)\n"
"      --handshake-timeout S  the whole TLS handshake, from accept (default 10)\n"
"      --request-timeout S    one request, from its first byte to the reply\n"
"                             (default 30)\n"
"      --channel-ttl SECONDS  an attested channel's lifetime (default 600);\n"
"                             the agent then attests again\n"
"      --max-connections N    connections served at once (default 256)\n"
"  -o, --option K=V           librats-tls instance option\n"
"      --fresh                agents' evidence must bind this connection's\n"
"                             hello random (alias --require-nonce)\n"
"      --sample-key FILE      sample attester key (PEM)          [demo/test]\n"
"      --sample-trust FILE    sample verifier trusted keys (PEM) [demo/test]\n"
"      --log-level LEVEL      debug|info|warn|error|off (default info)\n"
"      --config FILE          \"option = value\" lines (long option names,\n"
"                             \"mutual = true\"); flags given here win\n"
"  -h, --help\n", vd.prog, VD_KP_DEFAULT_SOCK, VD_DEFAULT_ROOT);
}

/* A decimal number in [min, max]; nothing else (no sign, no suffix). */
static bool parse_size(const char *v, size_t min, size_t max, size_t *out)
{
	char *end;
	unsigned long long n;

	if (!*v || strspn(v, "0123456789") != strlen(v))
		return false;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return false;
	*out = (size_t)n;
	return true;
}

static bool parse_int(const char *v, int min, int max, int *out)
{
	size_t n;

	if (!parse_size(v, (size_t)min, (size_t)max, &n))
		return false;
	*out = (int)n;
	return true;
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

/* --verifier NAME[,NAME...], repeatable: each name must be a verifier
 * whose TEE has a policy. One name is handed to librats-tls; with several,
 * it picks by the evidence and decide() refuses the TEEs not named. */
static bool add_verifiers(const char *list)
{
	char buf[256], *save = NULL, *name;

	snprintf(buf, sizeof(buf), "%s", list);
	for (name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		enum vd_tee t;

		if (!vd_tee_of_verifier(name, &t)) {
			fprintf(stderr, "%s: --verifier %s: no policy covers it (sgx_ecdsa, "
				"tdx_ecdsa, tdx, sev_snp, csv, tpm, sample)\n", vd.prog, name);
			return false;
		}
		vd.enabled[t] = true;
		if (strlen(vd.verifiers) + strlen(name) + 2 > sizeof(vd.verifiers))
			return false;
		if (*vd.verifiers)
			strcat(vd.verifiers, ",");
		strcat(vd.verifiers, name);
	}
	return true;
}

/* The claims callback: the TEE's policy and reference values decide. A
 * refusal fails the handshake, so nothing is served to the peer. One log
 * line per decision; the claims themselves at debug level. */
/* The decision record of the connection being opened on this thread:
 * the callback runs inside rats_tls_conn_open, on the serving thread, so
 * the right to serve comes from the record it fills, not from "the
 * connection has claims". */
static __thread struct vd_decision *this_decision;

static int decide(void *arg, const rats_tls_claims_t *claims)
{
	struct vd_decision d, *out = this_decision;
	uint64_t t0 = vd_metrics_clock();

	(void)arg;
	vd_decide(vd.decider, claims->tee, claims->json, &d);
	vd_metrics_decision(claims->tee, d.allow, t0);
	if (d.allow)
		LOG_INFO("allowed %s peer: %s", vd_tee_name(d.tee), d.why);
	else
		LOG_WARN("refused %s peer: %s%s%s", claims->tee ? claims->tee : "a",
			 d.why, d.explain[0] ? ": " : "", d.explain);
	LOG_DEBUG("claims of that peer: %s", claims->json);
	if (out)
		*out = d;
	return !d.allow;
}

/* Read until one complete JSON object is buffered; its length, 0 on EOF,
 * error or a passed deadline (the reaper shut the socket down). While
 * nothing of a request has arrived the idle deadline holds; from its first
 * byte, the request's. */
static size_t read_request(rats_tls_conn *conn, int slot, char *buf,
			   size_t *have, size_t *high, struct json_framer *fr, bool *bad)
{
	bool started = *have > 0;
	long frame;

	*bad = false;
	if (started)
		vd_watch_set(vd.conns, slot, vd.request_timeout, "request");
	else
		vd_watch_set(vd.conns, slot, vd.idle_timeout, "idle");
	for (;;) {
		size_t len;

		frame = json_frame_more(fr, buf, *have);
		if (frame > 0)
			return (size_t)frame;
		if (frame < 0 || *have >= vd.max_request) {
			*bad = true;
			return *have ? *have : 1;
		}
		len = vd.max_request - *have;
		if (rats_tls_conn_read(conn, buf + *have, &len) != RATS_TLS_ERR_NONE ||
		    len == 0)
			return 0;
		if (!started) {
			started = true;
			vd_watch_set(vd.conns, slot, vd.request_timeout, "request");
		}
		*have += len;
		if (*have > *high)
			*high = *have;
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

/* The decision the handshake took holds until the store changes or its
 * policy is replaced (a hand edit that compiles); then it is taken again on
 * the claims the channel proved, and a refusal ends the channel after its
 * reply. */
static void recheck(rats_tls_conn *conn, struct vd_decision *d, struct vd_peer *peer)
{
	uint64_t t0 = vd_metrics_clock();
	bool again;

	(void)conn;
	if (!peer->allowed)
		return;
	if (vd_decision_holds(vd.decider, d, &again)) {
		if (again) {
			vd_metrics_decision(d->verifier, true, t0);
			LOG_DEBUG("%s channel still allowed after a store change: %s",
				  vd_tee_name(d->tee), d->why);
		}
		return;
	}
	vd_metrics_decision(d->verifier, false, t0);
	LOG_WARN("revoked an attested %s channel: the store changed and %s%s%s",
		 d->verifier, d->why, d->explain[0] ? ": " : "", d->explain);
	*peer = (struct vd_peer){ false, d->why, NULL, NULL, NULL };
}

static void *serve(void *arg)
{
	struct conn_arg c = *(struct conn_arg *)arg;
	struct vd_peer peer = {
		.why = "the agent presented no evidence: verdictd runs without --mutual"
	};
	struct vd_decision d = { .allow = false };
	rats_tls_conn *conn;
	char *buf = malloc(vd.max_request + 1);
	size_t have = 0, high = 0, n;
	struct json_framer fr = { 0 };
	bool bad;
	int one = 1;
	uint64_t t0 = vd_metrics_clock();

	free(arg);
	vd_metrics_connection(1);
	/* per read and write: the deadlines below bound the whole */
	net_set_timeout(c.fd, vd.idle_timeout);
	/* one small reply per request: do not let Nagle hold it back */
	setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	this_decision = &d;
	if (!buf || rats_tls_conn_open(vd.handle, c.fd, &conn) != RATS_TLS_ERR_NONE) {
		bool late = buf && vd_watch_expired(vd.conns, c.slot);

		this_decision = NULL;
		/* the policy's refusal filled the record (with its reason);
		 * counted before the line is logged, for whoever waits on it */
		vd_metrics_handshake(late ? VD_HS_TIMEOUT : d.why[0] && !d.allow ? VD_HS_REFUSED :
				     VD_HS_FAILED, t0);
		vd_metrics_connection(-1);
		LOG_WARN("connection refused: %s", !buf ? "out of memory" :
			 late ? "handshake deadline passed" : rats_tls_last_error());
		free(buf);
		vd_watch_remove(vd.conns, c.slot);
		close(c.fd);
		return NULL;
	}
	this_decision = NULL;
	vd_watch_limit(vd.conns, c.slot, vd.channel_ttl);
	/* allowed only by the record the policy filled in the handshake */
	if ((vd.conf.flags & RATS_TLS_CONF_FLAGS_MUTUAL) && d.allow)
		peer = (struct vd_peer){ true, NULL, vd_tee_name(d.tee),
					 rats_tls_conn_claims(conn), vd.rpolicy };
	vd_metrics_handshake(peer.allowed ? VD_HS_ATTESTED : VD_HS_UNATTESTED, t0);
	while ((n = read_request(conn, c.slot, buf, &have, &high, &fr, &bad)) > 0) {
		struct vd_reply r;
		bool ok, was_allowed = peer.allowed;
		uint64_t since = vd_metrics_clock();

		if (bad) {
			/* not a JSON object, or larger than the bound: answer,
			 * then close (the stream cannot be resynchronised) */
			char msg[200];

			snprintf(msg, sizeof(msg), "{\"data\":{},\"error\":\"%s\",\"status\":\"Fail\"}",
				 have >= vd.max_request ? "request larger than the configured bound" :
				 "request is not a JSON object");
			/* counted before the peer can see the reply */
			vd_metrics_request(VD_EAA_UNKNOWN, VD_REPLY_FAIL, since);
			send_all(conn, msg, strlen(msg));
			break;
		}
		recheck(conn, &d, &peer);
		if (!vd_eaa_handle(vd.store, &peer, buf, n, &r))
			break;
		/* a write while the reply was made: what it holds may have
		 * been decided under the old policy, so decide and answer
		 * again (until the store holds still) */
		while (peer.allowed && !vd_decision_current(vd.decider, &d)) {
			vd_reply_free(&r);
			recheck(conn, &d, &peer);
			if (!vd_eaa_handle(vd.store, &peer, buf, n, &r))
				goto done;
		}
		vd_metrics_request(r.command, r.status, since);
		ok = send_all(conn, r.data, r.len) && !r.close && peer.allowed == was_allowed;
		vd_reply_free(&r);
		memmove(buf, buf + n, have - n);
		have -= n;
		fr = (struct json_framer){ 0 };
		if (!ok)
			break;
	}
done:
	rats_tls_conn_close(conn);
	vd_watch_remove(vd.conns, c.slot);
	close(c.fd);
	vd_metrics_connection(-1);
	/* requests carry resources' and keys' names and Decrypt blobs */
	OPENSSL_cleanse(buf, high);
	free(buf);
	/* the frames that held KEKs and plaintexts (compiler temporaries
	 * included) before the stack goes back to the thread cache */
	eaa_stack_burn(64 * 1024);
	return NULL;
}

/* ---- the management API (verdict) ---- */

#define API_MAX_REQUEST (16u * 1024u * 1024u)
/* What a connection may make us buffer before it has shown the token. */
#define API_PREAUTH (64u * 1024u)
#define API_MAX_CONNECTIONS 16
/* One request per connection, from accept to the reply. */
#define API_DEADLINE 30

/* Does the request name the right token among its first bytes? Requests
 * larger than API_PREAUTH must put it first, as verdict does; the full
 * check is still vd_api_handle's, on the whole request. */
static bool token_seen(const char *buf, size_t n)
{
	const char *p = memmem(buf, n, "\"token\"", 7), *end = buf + n;

	if (!p)
		return false;
	for (p += 7; p < end && strchr(" \t\r\n", *p); p++)
		;
	if (p == end || *p++ != ':')
		return false;
	while (p < end && strchr(" \t\r\n", *p))
		p++;
	return end - p >= 66 && p[0] == '"' && p[65] == '"' &&
	       CRYPTO_memcmp(p + 1, vd.token, 64) == 0;
}

/* A bigger buffer for the same bytes; the old one wiped (it may hold a
 * key being imported), not left to realloc. */
static char *grow(char *buf, size_t have, size_t cap)
{
	char *nb = malloc(cap);

	if (nb)
		memcpy(nb, buf, have);
	OPENSSL_cleanse(buf, have);
	free(buf);
	return nb;
}

static void *serve_api(void *arg)
{
	struct conn_arg c = *(struct conn_arg *)arg;
	size_t cap = API_PREAUTH, have = 0;
	char *buf = malloc(cap), *reply = NULL;
	struct json_framer fr = { 0 };
	long frame = 0;

	free(arg);
	net_set_timeout(c.fd, API_DEADLINE);
	while (buf && (frame = json_frame_more(&fr, buf, have)) == 0) {
		ssize_t got;

		if (have == cap) {
			if (cap == API_MAX_REQUEST)
				break;
			if (cap == API_PREAUTH && !token_seen(buf, have)) {
				reply = strdup("{\"error\":\"a request over 64 KiB must name "
					       "the client API token first\",\"status\":\"Fail\"}");
				break;
			}
			cap = cap * 16 > API_MAX_REQUEST ? API_MAX_REQUEST : cap * 16;
			if (!(buf = grow(buf, have, cap)))
				break;
		}
		got = read(c.fd, buf + have, cap - have);
		if (got <= 0)
			break;
		have += (size_t)got;
	}
	if (frame > 0)
		vd_api_handle(vd.store, vd.token, buf, (size_t)frame, &reply);
	else if (buf && have && !reply)
		reply = strdup("{\"error\":\"request is not one complete JSON object "
			       "(or larger than 16 MiB)\",\"status\":\"Fail\"}");
	if (reply) {
		size_t off = 0, n = strlen(reply);

		while (off < n) {
			ssize_t put = write(c.fd, reply + off, n - off);

			if (put <= 0)
				break;
			off += (size_t)put;
		}
		/* exported keys and resources */
		OPENSSL_cleanse(reply, n);
	}
	vd_watch_remove(vd.api_conns, c.slot);
	close(c.fd);
	free(reply);
	if (buf)
		OPENSSL_cleanse(buf, have);
	free(buf);
	eaa_stack_burn(64 * 1024);
	return NULL;
}

/* Accept on lfd into table w, each connection served by fn on its own
 * thread; beyond the table's size new connections are closed at once. */
static void accept_loop(int lfd, struct vd_watch *w, int cap, int first_deadline,
			const char *phase, const char *what, void *(*fn)(void *))
{
	for (;;) {
		pthread_t t;
		struct conn_arg *c;
		int fd = accept(lfd, NULL, NULL), slot;

		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				LOG_WARN("%s: accept: %s", what, strerror(errno));
			continue;
		}
		if ((slot = vd_watch_add(w, fd, first_deadline, phase)) < 0) {
			/* counted before the line that says so is logged */
			if (w == vd.conns)
				vd_metrics_rejected();
			warn_refused(what, cap);
			close(fd);
			continue;
		}
		if (!(c = malloc(sizeof(*c)))) {
			vd_watch_remove(w, slot);
			close(fd);
			continue;
		}
		*c = (struct conn_arg){ fd, slot };
		if (pthread_create(&t, NULL, fn, c) != 0) {
			free(c);
			vd_watch_remove(w, slot);
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
}

static void *accept_api(void *arg)
{
	accept_loop((int)(intptr_t)arg, vd.api_conns, API_MAX_CONNECTIONS, API_DEADLINE,
		    "client API request", "client API", serve_api);
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

static bool intel_defaults_for(const char *name)
{
	size_t i;

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

static bool intel_defaults(void)
{
	return (!vd.enabled[VD_TEE_SGX] || intel_defaults_for("sgx_ecdsa")) &&
	       (!vd.enabled[VD_TEE_TDX] || intel_defaults_for("tdx_ecdsa"));
}

static int parse(int argc, char **argv)
{
	enum { O_CLIENT_API = 0x100, O_MAX_REQ, O_IDLE, O_SAMPLE_KEY, O_SAMPLE_TRUST,
	       O_LOG, O_CONFIG, O_KEYPROVIDER, O_MAX_CONN, O_KP_REMOTE, O_HANDSHAKE,
	       O_REQUEST, O_TTL, O_FRESH, O_METRICS };
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
		{ "keyprovider-remote", no_argument, NULL, O_KP_REMOTE },
		{ "handshake-timeout", required_argument, NULL, O_HANDSHAKE },
		{ "request-timeout", required_argument, NULL, O_REQUEST },
		{ "channel-ttl", required_argument, NULL, O_TTL },
		{ "fresh", no_argument, NULL, O_FRESH },
		{ "require-nonce", no_argument, NULL, O_FRESH },
		{ "metrics", required_argument, NULL, O_METRICS },
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
		case 'v': ok = add_verifiers(optarg); break;
		case 'a': ok = set_name(vd.conf.attester_type, sizeof(vd.conf.attester_type),
					 optarg, "attester"); break;
		case 'm': vd.conf.flags |= RATS_TLS_CONF_FLAGS_MUTUAL; break;
		case 't': ok = set_name(vd.conf.tls_type, sizeof(vd.conf.tls_type), optarg,
					 "tls"); break;
		case 'c': ok = set_name(vd.conf.crypto_type, sizeof(vd.conf.crypto_type),
					 optarg, "crypto"); break;
		case O_CLIENT_API: vd.client_api = optarg; break;
		case 'r': vd.root = optarg; break;
		case O_MAX_REQ: ok = parse_size(optarg, 64, 1u << 30, &vd.max_request); break;
		case O_IDLE: ok = parse_int(optarg, 1, 86400, &vd.idle_timeout); break;
		case 'o': ok = add_opt("", optarg); break;
		case O_SAMPLE_KEY: ok = add_opt("sample.key=", optarg); break;
		case O_SAMPLE_TRUST: ok = add_opt("sample.trust=", optarg); break;
		case O_LOG: ok = eaa_log_parse_level(optarg, &level); break;
		case O_CONFIG: break; /* read by config_args */
		case O_KEYPROVIDER: vd.keyprovider = optarg; break;
		case O_MAX_CONN: ok = parse_int(optarg, 1, 65536, &vd.max_connections); break;
		case O_KP_REMOTE: vd.keyprovider_remote = true; break;
		case O_HANDSHAKE: ok = parse_int(optarg, 1, 3600, &vd.handshake_timeout); break;
		case O_REQUEST: ok = parse_int(optarg, 1, 3600, &vd.request_timeout); break;
		case O_TTL: ok = parse_int(optarg, 1, 7 * 86400, &vd.channel_ttl); break;
		case O_FRESH: vd.conf.flags |= RATS_TLS_CONF_FLAGS_FRESH; break;
		case O_METRICS: vd.metrics = optarg; break;
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
	if ((vd.conf.flags & RATS_TLS_CONF_FLAGS_MUTUAL) && !*vd.verifiers) {
		fprintf(stderr, "%s: --mutual needs --verifier NAME[,NAME...]: no TEE's "
			"evidence is accepted unless its verifier is named\n", vd.prog);
		return 2;
	}
	/* one verifier: librats-tls uses it alone; several: it picks by the
	 * evidence, and decide() refuses what was not named */
	if (!strchr(vd.verifiers, ',') &&
	    !set_name(vd.conf.verifier_type, sizeof(vd.conf.verifier_type), vd.verifiers,
		      "verifier"))
		return 2;
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

/* Say, per TEE the owner enabled, what verdictd will accept and from
 * which documents, and how keys and resources are decided. */
static void describe_tees(void)
{
	char line[1200];
	int t;

	for (t = 0; t < VD_TEE_COUNT; t++) {
		if (!vd.enabled[t])
			continue;
		vd_describe_tee(vd.decider, (enum vd_tee)t, line, sizeof(line));
		fprintf(stderr, "%s: %s\n", vd.prog, line);
	}
	vd_rpolicy_describe(vd.rpolicy, line, sizeof(line));
	fprintf(stderr, "%s: %s\n", vd.prog, line);
}

static bool is_loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	       strcmp(host, "localhost") == 0;
}

/* The key provider (WrapKey only) on a unix socket only its owner can
 * reach, or on TCP: loopback with a warning, another address only when
 * --keyprovider-remote says so. where says which, for the ready line. */
static bool start_keyprovider(char *where, size_t cap)
{
	const char *a = vd.keyprovider, *path = NULL;
	char grpc_addr[4200], hostport[256];
	struct eaa_err err;
	int kport;

	if (strcmp(a, "unix") == 0)
		path = VD_KP_DEFAULT_SOCK;
	else if (strncmp(a, "unix://", 7) == 0)
		path = a + 7;
	else if (strncmp(a, "unix:", 5) == 0)
		path = a + 5;
	if (path) {
		char dir[4096], *slash;
		struct stat st;
		mode_t old;
		bool ok;

		if (path[0] != '/' || strlen(path) >= 4000) {
			fprintf(stderr, "%s: --keyprovider unix://PATH wants an absolute "
				"path, not \"%s\"\n", vd.prog, path);
			return false;
		}
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		*slash = '\0';
		/* the default's directory is ours: only the owner may enter */
		if (*dir && mkdir(dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "%s: key provider: %s: %s\n", vd.prog, dir,
				strerror(errno));
			return false;
		}
		/* in a directory someone else controls, they could put their
		 * own socket in place of ours and receive skopeo's WrapKey
		 * requests, which carry layer keys */
		if (lstat(*dir ? dir : "/", &st) != 0 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != geteuid() || (st.st_mode & 022)) {
			fprintf(stderr, "%s: key provider: %s must be a directory owned by "
				"this user and writable by no one else\n", vd.prog,
				*dir ? dir : "/");
			return false;
		}
		/* a stale socket of an earlier run; nothing else is removed */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
		snprintf(grpc_addr, sizeof(grpc_addr), "unix:%s", path);
		/* the socket is created owner-only: no moment in which another
		 * user could connect */
		old = umask(0177);
		ok = vd_kp_grpc_start(vd.store, grpc_addr, "attestation-agent", &kport, &err) &&
		     chmod(path, 0600) == 0;
		umask(old);
		if (!ok) {
			fprintf(stderr, "%s: %s\n", vd.prog, err.msg);
			return false;
		}
		snprintf(where, cap, "unix://%s", path);
		return true;
	} else {
		const char *ip, *port;

		snprintf(hostport, sizeof(hostport), "%s", a);
		if (!split_addr(hostport, &ip, &port)) {
			fprintf(stderr, "%s: --keyprovider wants unix, unix://PATH or "
				"HOST:PORT, not \"%s\"\n", vd.prog, a);
			return false;
		}
		if (!is_loopback(ip) && !vd.keyprovider_remote) {
			fprintf(stderr, "%s: --keyprovider %s: not a loopback address; anyone "
				"who reaches it can wrap keys under the owner's KEKs. Use "
				"unix://PATH, or say --keyprovider-remote\n", vd.prog, a);
			return false;
		}
		LOG_WARN("key provider on TCP %s: every %s can call WrapKey under the "
			 "owner's KEKs; a unix socket (--keyprovider unix) is owner-only",
			 a, is_loopback(ip) ? "local user and process" : "host that reaches it");
		if (!vd_kp_grpc_start(vd.store, a, "attestation-agent", &kport, &err)) {
			fprintf(stderr, "%s: %s\n", vd.prog, err.msg);
			return false;
		}
		snprintf(where, cap, "%s:%d", ip, kport);
		return true;
	}
}

/* What the metrics endpoint serves at once, and how long one of its
 * connections may sit idle: a scraper needs one, briefly. */
#define METRICS_MAX_CONNECTIONS 8
#define METRICS_TIMEOUT 10

/* The Prometheus endpoint on [ADDR:]PORT, 127.0.0.1 unless ADDR says
 * otherwise (warned: the counters show who attests how often). Bound
 * before any connection is served, so a bad address stops verdictd at
 * start. where gets ADDR:PORT for the ready line. */
static bool start_metrics(char *where, size_t cap)
{
	char addr[256];
	const char *ip = "127.0.0.1", *port = addr, *why = "";
	struct eaa_err err;
	unsigned bound;
	int lfd, n;

	snprintf(addr, sizeof(addr), "%s", vd.metrics);
	if ((strchr(addr, ':') && !split_addr(addr, &ip, &port)) || !*ip ||
	    !parse_int(port, 0, 65535, &n)) {
		fprintf(stderr, "%s: --metrics wants [ADDR:]PORT (a port number, ADDR "
			"defaulting to 127.0.0.1), not \"%s\"\n", vd.prog, vd.metrics);
		return false;
	}
	if (!is_loopback(ip))
		LOG_WARN("metrics on %s: not loopback; whoever reaches it sees how many "
			 "peers attest, are refused and ask for keys (never a secret or a "
			 "claim): keep it on a monitoring network", ip);
	if ((lfd = net_listen(ip, port, &bound, &why)) < 0) {
		fprintf(stderr, "%s: metrics on %s: %s\n", vd.prog, vd.metrics, why);
		return false;
	}
	if (!vd_metrics_serve(lfd, vd.store, METRICS_MAX_CONNECTIONS, METRICS_TIMEOUT, &err)) {
		fprintf(stderr, "%s: %s\n", vd.prog, err.msg);
		return false;
	}
	snprintf(where, cap, "%s:%u", ip, bound);
	return true;
}

/* The arguments with the config file's: they live as long as the process
 * (kept here, so leak checkers see them held). */
static char **args;

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/'), *why = "", *ip, *port;
	char listen[256];
	struct eaa_err err;
	char kp_where[4200], metrics_where[300];
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
	/* keys and layer options travel in jansson's strings */
	json_wipe_on_free();
	if (!(vd.store = vd_store_open(vd.root, &err)) ||
	    !vd_store_install_defaults(vd.store, &err)) {
		fprintf(stderr, "%s: state directory: %s\n", vd.prog, err.msg);
		return 1;
	}
	if (!(vd.decider = vd_decider_new(vd.store, vd.enabled)) ||
	    !(vd.rpolicy = vd_rpolicy_new(vd.store))) {
		fprintf(stderr, "%s: out of memory\n", vd.prog);
		return 1;
	}
	if (!(vd.conf.flags & RATS_TLS_CONF_FLAGS_MUTUAL))
		LOG_WARN("without --mutual agents do not attest: only version and echo are served");
	else
		describe_tees();
	if (rats_tls_init(&vd.conf, &vd.handle) != RATS_TLS_ERR_NONE) {
		fprintf(stderr, "%s: %s\n", vd.prog, rats_tls_last_error());
		return 1;
	}
	if (!(vd.conns = vd_watch_new((size_t)vd.max_connections, "attestation listener")) ||
	    (vd.client_api &&
	     !(vd.api_conns = vd_watch_new(API_MAX_CONNECTIONS, "client API")))) {
		fprintf(stderr, "%s: cannot start the connection reaper\n", vd.prog);
		return 1;
	}
	/* before the listeners' threads start: it narrows the umask for a moment */
	if (vd.keyprovider && !start_keyprovider(kp_where, sizeof(kp_where)))
		return 1;
	/* bound before "listening on": a bad address is an error at start */
	if (vd.metrics && !start_metrics(metrics_where, sizeof(metrics_where)))
		return 1;
	if ((lfd = net_listen(ip, port, &bound, &why)) < 0) {
		fprintf(stderr, "%s: listen on %s: %s\n", vd.prog, vd.listen, why);
		return 1;
	}
	printf("listening on %s:%u\n", ip, bound);
	if (vd.client_api && !start_api())
		return 1;
	if (vd.keyprovider)
		printf("key provider on %s\n", kp_where);
	if (vd.metrics)
		printf("metrics on %s\n", metrics_where);
	fflush(stdout);
	accept_loop(lfd, vd.conns, vd.max_connections, vd.handshake_timeout, "handshake",
		    "attestation listener", serve);
	return 1;
}
