/* verdictd - the verifier and key broker: attested TLS (librats-tls) for
 * attestation agents, the TEE's Rego policy over each peer's verified
 * claims, then the EAA protocol over the store (docs/eaa-protocol.md).
 *
 *   verdictd --listen 0.0.0.0:20002 --verifier csv --attester nullattester \
 *            --client-api 127.0.0.1:20001 --mutual [--root /opt/verdictd]
 *
 * This file parses the flags, opens the store, the listeners, the key
 * provider and the metrics endpoint, and prints "listening on ADDR:PORT"
 * once ready; the daemon's logic is under src/verdictd/ (serving in
 * serve.h: one event loop, a worker pool, deadlines, the decision in the
 * handshake). */
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
#include "store_pg.h"
#include "deadline.h"
#include "decide.h"
#include "eaa.h"
#include "json_util.h"
#include "kbs.h"
#include "kp_grpc.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "resource_policy.h"
#include "serve.h"
#include "rats-tls/api.h"
#include "wipe.h"

#define MAX_OPTS 64

static struct {
	const char *prog, *root, *store_url, *store_key, *listen, *client_api, *keyprovider, *metrics;
	const char *kbs, *kbs_cert, *kbs_key, *kbs_admin_key; /* the KBS protocol endpoint */
	bool kbs_insecure_http, kbs_unsigned_sample;
	int kbs_max_sessions, kbs_session_ttl, kbs_token_ttl;
	rats_tls_conf_t conf;
	const char *opts[MAX_OPTS + 1];
	size_t nopts;
	char *owned[MAX_OPTS];
	size_t nowned;
	size_t max_request;
	int idle_timeout, handshake_timeout, request_timeout, channel_ttl;
	int max_connections, workers;
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
	 .max_connections = 256, .workers = 0, .kbs_max_sessions = 4096,
	 .kbs_session_ttl = 300, .kbs_token_ttl = 300 };

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [options]\n"
"The EAA verifier and key broker (docs/verdictd.md).\n"
"  -l, --listen ADDR:PORT     attestation listener (default 0.0.0.0:1111;\n"
"                             port 0 picks a free one)\n"
"  -v, --verifier NAME[,NAME] verifiers for agents' evidence (sgx_ecdsa,\n"
"                             tdx_ecdsa, sev_snp, csv, tpm, sample, az_snp_vtpm,\n"
"                             az_tdx_vtpm; and GPUs, as a CPU's additional KBS\n"
"                             evidence: nvidia, sampledevice); required\n"
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
"      --store URL|DIR        where keys, policies and resources are kept: a\n"
"                             directory (the default: --root), or a shared\n"
"                             PostgreSQL store, postgresql://... (replicas)\n"
"      --store-key FILE       the PostgreSQL store's master key (32 bytes or\n"
"                             64 hex digits, mode 0600): every value is\n"
"                             sealed under it\n"
"      --max-request BYTES    largest request (default 1048576; 64 to 1 GiB)\n"
"      --idle-timeout SECONDS close connections idle this long (default 60)\n"
"      --handshake-timeout S  the whole TLS handshake, from accept (default 10)\n"
"      --request-timeout S    one request, from its first byte to the reply\n"
"                             (default 30)\n"
"      --channel-ttl SECONDS  an attested channel's lifetime (default 600);\n"
"                             the agent then attests again\n"
"      --max-connections N    connections served at once (default 256)\n"
"      --workers N            threads serving both listeners (default twice\n"
"                             the CPUs, at least 4); idle channels hold none\n"
"      --kbs ADDR:PORT        the CoCo KBS protocol (trustee's /kbs/v0, 0.4.0)\n"
"                             over HTTPS (docs/kbs-protocol.md)\n"
"      --kbs-cert PEM, --kbs-key PEM   its HTTPS certificate chain and key\n"
"      --kbs-insecure-http    plain HTTP instead (warned; loopback only)\n"
"      --kbs-max-sessions N   KBS sessions at once (default 4096)\n"
"      --kbs-session-ttl S    a KBS session's life from /auth (default 300 s)\n"
"      --kbs-token-ttl S      an EAR token's life (default 300 s)\n"
"      --kbs-admin-key PEM    public keys whose bearer tokens may use the KBS\n"
"                             admin endpoints (none: they refuse everyone)\n"
"      --kbs-accept-unsigned-sample-that-proves-nothing\n"
"                             take trustee's unsigned sample evidence (its test\n"
"                             clients'): anyone can write it [test]\n"
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
 * it picks by the evidence and the decision refuses the TEEs not named. */
static bool add_verifiers(const char *list)
{
	char buf[256], *save = NULL, *name;

	snprintf(buf, sizeof(buf), "%s", list);
	for (name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		enum vd_tee t;

		if (!vd_tee_of_verifier(name, &t)) {
			fprintf(stderr, "%s: --verifier %s: no policy covers it (sgx_ecdsa, "
				"tdx_ecdsa, tdx, sev_snp, csv, tpm, sample, az_snp_vtpm, "
				"az_tdx_vtpm, nvidia, sampledevice)\n", vd.prog, name);
			return false;
		}
		vd.enabled[t] = true;
		/* a device's evidence reaches the KBS endpoint only, as a
		 * CPU's additional evidence: librats-tls is not told of it */
		if (vd_tee_is_device(t))
			continue;
		if (strlen(vd.verifiers) + strlen(name) + 2 > sizeof(vd.verifiers))
			return false;
		if (*vd.verifiers)
			strcat(vd.verifiers, ",");
		strcat(vd.verifiers, name);
	}
	return true;
}

/* Listen for verdict; the token it must present is in the state
 * directory. Returns the listening socket, -1 on failure (reported);
 * where it listens goes to where. */
static int start_api(char *where, size_t cap)
{
	char addr[256];
	const char *ip, *port, *why = "";
	struct eaa_err err;
	unsigned bound = 0;
	int lfd;

	snprintf(addr, sizeof(addr), "%s", vd.client_api);
	if (!split_addr(addr, &ip, &port)) {
		fprintf(stderr, "%s: --client-api wants ADDR:PORT, not \"%s\"\n", vd.prog,
			vd.client_api);
		return -1;
	}
	if (!vd_api_token(vd.store, vd.token, &err)) {
		fprintf(stderr, "%s: client API token: %s\n", vd.prog, err.msg);
		return -1;
	}
	if (strcmp(ip, "127.0.0.1") != 0 && strcmp(ip, "::1") != 0 &&
	    strcmp(ip, "localhost") != 0)
		LOG_WARN("client API on %s: not loopback; the token travels in clear "
			 "text, keep this address on a trusted network", ip);
	if ((lfd = net_listen(ip, port, &bound, &why)) < 0) {
		fprintf(stderr, "%s: client API on %s: %s\n", vd.prog, vd.client_api, why);
		return -1;
	}
	snprintf(where, cap, "%s:%u", ip, bound);
	return lfd;
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
	       O_REQUEST, O_TTL, O_FRESH, O_METRICS, O_WORKERS, O_KBS, O_KBS_CERT, O_KBS_KEY,
	       O_KBS_INSECURE, O_KBS_SESSIONS, O_KBS_UNSIGNED, O_KBS_ADMIN, O_KBS_SESSION_TTL,
	       O_STORE, O_STORE_KEY,
	       O_KBS_TOKEN_TTL };
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
		{ "store", required_argument, NULL, O_STORE },
		{ "store-key", required_argument, NULL, O_STORE_KEY },
		{ "keyprovider", required_argument, NULL, O_KEYPROVIDER },
		{ "max-connections", required_argument, NULL, O_MAX_CONN },
		{ "keyprovider-remote", no_argument, NULL, O_KP_REMOTE },
		{ "handshake-timeout", required_argument, NULL, O_HANDSHAKE },
		{ "request-timeout", required_argument, NULL, O_REQUEST },
		{ "channel-ttl", required_argument, NULL, O_TTL },
		{ "fresh", no_argument, NULL, O_FRESH },
		{ "require-nonce", no_argument, NULL, O_FRESH },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "workers", required_argument, NULL, O_WORKERS },
		{ "kbs", required_argument, NULL, O_KBS },
		{ "kbs-cert", required_argument, NULL, O_KBS_CERT },
		{ "kbs-key", required_argument, NULL, O_KBS_KEY },
		{ "kbs-insecure-http", no_argument, NULL, O_KBS_INSECURE },
		{ "kbs-max-sessions", required_argument, NULL, O_KBS_SESSIONS },
		{ "kbs-session-ttl", required_argument, NULL, O_KBS_SESSION_TTL },
		{ "kbs-token-ttl", required_argument, NULL, O_KBS_TOKEN_TTL },
		{ "kbs-admin-key", required_argument, NULL, O_KBS_ADMIN },
		{ "kbs-accept-unsigned-sample-that-proves-nothing", no_argument, NULL, O_KBS_UNSIGNED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum eaa_log_level level = EAA_LOG_INFO;
	int c, li = -1;

	vd.listen = "0.0.0.0:1111";
	vd.conf.api_version = RATS_TLS_API_VERSION;
	vd.conf.flags = RATS_TLS_CONF_FLAGS_SERVER;
	vd.conf.log_level = RATS_TLS_LOG_LEVEL_WARN;
	while ((c = getopt_long(argc, argv, "l:v:a:mt:c:r:o:h", longs, &li)) != -1) {
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
		case O_STORE: vd.store_url = optarg; break;
		case O_STORE_KEY: vd.store_key = optarg; break;
		case O_KEYPROVIDER: vd.keyprovider = optarg; break;
		case O_MAX_CONN: ok = parse_int(optarg, 1, 65536, &vd.max_connections); break;
		case O_KP_REMOTE: vd.keyprovider_remote = true; break;
		case O_HANDSHAKE: ok = parse_int(optarg, 1, 3600, &vd.handshake_timeout); break;
		case O_REQUEST: ok = parse_int(optarg, 1, 3600, &vd.request_timeout); break;
		case O_TTL: ok = parse_int(optarg, 1, 7 * 86400, &vd.channel_ttl); break;
		case O_FRESH: vd.conf.flags |= RATS_TLS_CONF_FLAGS_FRESH; break;
		case O_METRICS: vd.metrics = optarg; break;
		case O_WORKERS: ok = parse_int(optarg, 1, 1024, &vd.workers); break;
		case O_KBS: vd.kbs = optarg; break;
		case O_KBS_CERT: vd.kbs_cert = optarg; break;
		case O_KBS_KEY: vd.kbs_key = optarg; break;
		case O_KBS_INSECURE: vd.kbs_insecure_http = true; break;
		case O_KBS_UNSIGNED: vd.kbs_unsigned_sample = true; break;
		case O_KBS_ADMIN: vd.kbs_admin_key = optarg; break;
		case O_KBS_SESSIONS: ok = parse_int(optarg, 1, 1 << 20, &vd.kbs_max_sessions); break;
		case O_KBS_SESSION_TTL: ok = parse_int(optarg, 1, 86400, &vd.kbs_session_ttl); break;
		case O_KBS_TOKEN_TTL: ok = parse_int(optarg, 1, 86400, &vd.kbs_token_ttl); break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
		if (!ok) {
			/* name the option as given: --long (li, set by
			 * getopt_long for a long one) or -c */
			if (li >= 0)
				fprintf(stderr, "%s: --%s: bad value \"%s\"\n", vd.prog,
					longs[li].name, optarg);
			else
				fprintf(stderr, "%s: -%c: bad value \"%s\"\n", vd.prog, c, optarg);
			return 2;
		}
		li = -1;
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
	 * evidence, and the decision refuses what was not named */
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
	/* the TEE's policy decides in the handshake (serve.h); a refusal
	 * fails it, so nothing is served to the peer */
	vd.conf.claims_cb = vd_serve_claims_cb;
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

/* The KBS protocol endpoint on --kbs ADDR:PORT: HTTPS with the owner's
 * certificate, or plain HTTP when asked for, on loopback only (the
 * resources are encrypted to the attested key, but the session cookie and
 * the token would travel in clear). where gets ADDR:PORT. */
static bool start_kbs(char *where, size_t cap)
{
	static struct vd_kbs_conf kc; /* for the life of the process */
	char addr[256];
	const char *ip, *port, *why = "";
	struct eaa_err err;
	unsigned bound;
	int lfd;

	snprintf(addr, sizeof(addr), "%s", vd.kbs);
	if (!split_addr(addr, &ip, &port)) {
		fprintf(stderr, "%s: --kbs wants ADDR:PORT, not \"%s\"\n", vd.prog, vd.kbs);
		return false;
	}
	if (vd.kbs_insecure_http && !is_loopback(ip)) {
		fprintf(stderr, "%s: --kbs-insecure-http only on a loopback address: the "
			"session cookie and the token would cross the network in clear\n", vd.prog);
		return false;
	}
	if (vd.kbs_insecure_http)
		LOG_WARN("KBS endpoint on plain HTTP (%s): cookies and tokens in clear text; "
			 "for tests and a TLS-terminating proxy on this host only", ip);
	if ((lfd = net_listen(ip, port, &bound, &why)) < 0) {
		fprintf(stderr, "%s: KBS endpoint on %s: %s\n", vd.prog, vd.kbs, why);
		return false;
	}
	kc = (struct vd_kbs_conf){
		.store = vd.store, .decider = vd.decider, .rpolicy = vd.rpolicy,
		.options = vd.opts, .enabled = vd.enabled, .cert_file = vd.kbs_cert,
		.key_file = vd.kbs_key, .insecure_http = vd.kbs_insecure_http,
		.max_sessions = (unsigned)vd.kbs_max_sessions,
		.session_ttl = (unsigned)vd.kbs_session_ttl, .token_ttl = (unsigned)vd.kbs_token_ttl, .max_connections = (unsigned)vd.max_connections,
		.unsigned_sample = vd.kbs_unsigned_sample, .admin_keys = vd.kbs_admin_key,
	};
	if (vd.kbs_unsigned_sample)
		LOG_WARN("KBS endpoint takes trustee's unsigned sample evidence: it proves "
			 "nothing, whoever can reach %s can pass as a sample TEE; for tests only", ip);
	if (!vd_kbs_start(&kc, lfd, &err)) {
		fprintf(stderr, "%s: %s\n", vd.prog, err.msg);
		return false;
	}
	snprintf(where, cap, "%s:%u", ip, bound);
	return true;
}

/* The arguments with the config file's: they live as long as the process
 * (kept here, so leak checkers see them held). */
static char **args;
/* what the workers serve by, for the life of the process */
static struct vd_serve_conf serving;

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/'), *why = "", *ip, *port;
	char listen[256];
	struct eaa_err err;
	char kp_where[4200], metrics_where[300], api_where[300], kbs_where[300];
	unsigned bound;
	int rc, lfd, api_lfd = -1;

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
	if (vd.store_url && !vd_store_is_url(vd.store_url)) {
		vd.root = vd.store_url; /* --store DIR: the file store there */
		vd.store_url = NULL;
	}
	if (vd.store_key && !vd.store_url) {
		fprintf(stderr, "%s: --store-key is for a postgresql:// store; the file store "
			"is not encrypted (docs/verdictd.md)\n", vd.prog);
		return 2;
	}
	if (!(vd.store = vd.store_url ? vd_store_open_shared(vd.root, vd.store_url, vd.store_key,
							     &err) :
					vd_store_open(vd.root, &err)) ||
	    !vd_store_install_defaults(vd.store, &err)) {
		fprintf(stderr, "%s: %s: %s\n", vd.prog, vd.store_url ? "store" : "state directory",
			err.msg);
		return 1;
	}
	if (vd.store_url)
		LOG_INFO("store: PostgreSQL (schema %d), sealed under %s; %s holds this replica's "
			 "own files", VD_PG_SCHEMA, vd.store_key, vd.root);
	/* hand edits of opa/ seen by inotify, not by a stat per request */
	if (!vd_store_watch_edits(vd.store, &err))
		LOG_WARN("%s; policies are checked for hand edits by stat before each "
			 "request", err.msg);
	if (!(vd.decider = vd_decider_new(vd.store, vd.enabled)) ||
	    !(vd.rpolicy = vd_rpolicy_new(vd.store))) {
		fprintf(stderr, "%s: out of memory\n", vd.prog);
		return 1;
	}
	if (!(vd.conf.flags & RATS_TLS_CONF_FLAGS_MUTUAL))
		LOG_WARN("without --mutual agents do not attest: only version and echo are served");
	else
		describe_tees();
	vd.conf.claims_cb_arg = vd.decider;
	if (rats_tls_init(&vd.conf, &vd.handle) != RATS_TLS_ERR_NONE) {
		fprintf(stderr, "%s: %s\n", vd.prog, rats_tls_last_error());
		return 1;
	}
	if (!(vd.conns = vd_watch_new((size_t)vd.max_connections, "attestation listener")) ||
	    (vd.client_api &&
	     !(vd.api_conns = vd_watch_new(VD_API_MAX_CONNECTIONS, "client API")))) {
		fprintf(stderr, "%s: cannot start the connection reaper\n", vd.prog);
		return 1;
	}
	/* before the listeners' threads start: it narrows the umask for a moment */
	if (vd.keyprovider && !start_keyprovider(kp_where, sizeof(kp_where)))
		return 1;
	/* bound before "listening on": a bad address is an error at start */
	if (vd.metrics && !start_metrics(metrics_where, sizeof(metrics_where)))
		return 1;
	if (vd.kbs && !start_kbs(kbs_where, sizeof(kbs_where)))
		return 1;
	if ((lfd = net_listen(ip, port, &bound, &why)) < 0) {
		fprintf(stderr, "%s: listen on %s: %s\n", vd.prog, vd.listen, why);
		return 1;
	}
	if (vd.client_api && (api_lfd = start_api(api_where, sizeof(api_where))) < 0)
		return 1;
	serving = (struct vd_serve_conf){
		.handle = vd.handle,
		.mutual = (vd.conf.flags & RATS_TLS_CONF_FLAGS_MUTUAL) != 0,
		.store = vd.store, .decider = vd.decider, .rpolicy = vd.rpolicy,
		.max_request = vd.max_request, .idle_timeout = vd.idle_timeout,
		.handshake_timeout = vd.handshake_timeout,
		.request_timeout = vd.request_timeout, .channel_ttl = vd.channel_ttl,
		.conns = vd.conns, .max_connections = vd.max_connections,
		.workers = vd.workers ? vd.workers : vd_serve_default_workers(),
		.lfd = lfd, .api_lfd = api_lfd, .api_conns = vd.api_conns, .token = vd.token,
	};
	/* every worker running before "listening on": ready means ready */
	if (!vd_serve_start(&serving, &err)) {
		fprintf(stderr, "%s: %s\n", vd.prog, err.msg);
		return 1;
	}
	printf("listening on %s:%u\n", ip, bound);
	if (vd.client_api)
		printf("client API on %s\n", api_where);
	if (vd.keyprovider)
		printf("key provider on %s\n", kp_where);
	if (vd.metrics)
		printf("metrics on %s\n", metrics_where);
	if (vd.kbs)
		printf("KBS on %s://%s\n", vd.kbs_insecure_http ? "http" : "https", kbs_where);
	fflush(stdout);
	vd_serve_run();
	return 1;
}
