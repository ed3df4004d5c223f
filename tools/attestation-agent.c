/* attestation-agent - the guest's agent (docs/attestation-agent.md): serves
 * ocicrypt's key-provider UnWrapKey and the GetResource service over gRPC,
 * each answered by the KBC aa_kbc_params names.
 *
 *   attestation-agent [--keyprovider_sock ADDR] [--getresource_sock ADDR]
 *                     [--aa_kbc_params KBC::URI] [options]     the daemon
 *   attestation-agent --cmd [options] < input.json             ocicrypt cmd
 *   attestation-agent get-resource [--getresource_sock ADDR]
 *                     [--aa_kbc_params KBC::URI] [-O FILE] PATH   a client
 *   attestation-agent unwrap [--keyprovider_sock ADDR]
 *                     [--aa_kbc_params KBC::URI] ANNOTATION       a client
 *
 * aa_kbc_params comes from the flag, else AA_KBC_PARAMS, else the config
 * file, else agent.aa_kbc_params= on the kernel command line (as kata
 * passes it), else from each request's dc parameter. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "agent.h"
#include "bytes.h"
#include "config_args.h"
#include "file.h"
#include "json_util.h"
#include "kp_client.h"
#include "log.h"
#include "pb.h"
#include "unary.h"

#define KEYPROVIDER "/keyprovider.KeyProviderService/"
#define GETRESOURCE "/getresource.GetResourceService/GetResource"
#define MAX_KP_INPUT (64u * 1024u * 1024u)
#define MAX_OPTIONS 64

static const char *prog = "attestation-agent";

static struct {
	const char *kp_sock, *gr_sock, *params, *provider, *cmdline, *out_file;
	bool cmd;
	struct grpc_unary_limits grpc;
	struct aa_kbc_conf conf;
	const char *opts[MAX_OPTIONS + 1];
	size_t nopts;
	char cmdline_params[1024];
} aa = {
	.kp_sock = "127.0.0.1:50000",
	.gr_sock = "127.0.0.1:50001",
	.cmdline = "/proc/cmdline",
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [options]                  serve UnWrapKey and GetResource (gRPC)\n"
"       %s --cmd [options] < in.json  one key-provider request (ocicrypt cmd)\n"
"       %s get-resource [options] [-O FILE] PATH\n"
"                                     ask a running agent for a resource\n"
"       %s unwrap [options] ANNOTATION\n"
"                                     ask a running agent to unwrap a layer's\n"
"                                     key-provider annotation (its base64\n"
"                                     packets); prints the layer options\n"
"\n"
"  --keyprovider_sock ADDR    key provider gRPC address (default 127.0.0.1:50000;\n"
"                             unix:///path for a unix socket)\n"
"  --getresource_sock ADDR    GetResource gRPC address (default 127.0.0.1:50001)\n"
"  --aa_kbc_params KBC::URI   the KBC, e.g. eaa_kbc::10.0.0.1:20002 (see --list);\n"
"                             eaa_kbc and cc_kbc take up to 8 replicas,\n"
"                             comma-separated, tried when one is unreachable\n"
"  --attester NAME            our evidence (default: detect the TEE)\n"
"  --broker-pubkey FILE       verdictd's pinned TLS key (PEM public key or cert)\n"
"  --broker-ca FILE           the CA that issued verdictd's certificate (PEM);\n"
"                             the certificate must name verdictd's host\n"
"                             (subjectAltName DNS or IP) or --broker-name\n"
"  --broker-name NAME         the DNS name or IP verdictd's certificate must\n"
"                             carry (default: the host in aa_kbc_params)\n"
"  --broker-verifier NAME     verify verdictd's evidence with this verifier;\n"
"                             needs --broker-policy\n"
"  --broker-policy FILE       Rego policy over verdictd's verified claims:\n"
"                             data.policy.allow must be true; debug TEEs are\n"
"                             refused whatever it says\n"
"  --broker-tcb-status LIST   accepted tcb_status claims of verdictd, comma-\n"
"                             separated (default UpToDate)\n"
"  --broker-timeout SECONDS   bound on each connect, read and write to\n"
"                             verdictd (default 60)\n"
"  --insecure-broker          accept any verdictd (warned on every connection)\n"
"  --allow-sample             allow sample_kbc and the sample attester (tests)\n"
"  --kbs-sample-form FORM     cc_kbc's sample evidence: signed (ours, default)\n"
"                             or trustee (trustee's unsigned JSON: proves\n"
"                             nothing; for a KBS that takes only that)\n"
"  --ttl SECONDS              reuse an attested channel this long (default:\n"
"                             the agent's lifetime)\n"
"  --offline-keys FILE        offline_fs_kbc keys\n"
"                             (default /etc/aa-offline_fs_kbc-keys.json)\n"
"  --offline-resources FILE   offline_fs_kbc resources\n"
"                             (default /etc/aa-offline_fs_kbc-resources.json)\n"
"  --provider NAME            our name in dc parameters (attestation-agent)\n"
"  --workers N                gRPC calls served at once per service (default 8);\n"
"                             one KBC holds at most N - 1 of them\n"
"  --request-timeout SECONDS  cancel a gRPC caller that has not sent its\n"
"                             request by then (default 10)\n"
"  -o, --option K=V           librats-tls instance option\n"
"  --fresh                    bind verdictd's hello random into our evidence, and\n"
"                             verdictd's evidence, if any, must bind ours\n"
"                             (-o tls.fresh=1; alias --require-nonce)\n"
"  --config FILE              \"option = value\" lines (long option names)\n"
"  --log-level LEVEL          debug, info, warn, error (default info)\n"
"  --list                     list the KBCs\n",
		prog, prog, prog, prog);
}

static bool add_opt(const char *kv)
{
	if (aa.nopts == MAX_OPTIONS)
		return false;
	aa.opts[aa.nopts++] = kv;
	return true;
}

/* agent.aa_kbc_params=... on the kernel command line, as kata sets it. */
static const char *cmdline_params(void)
{
	uint8_t *raw;
	size_t n;
	char *p, *end;

	if (!file_read(aa.cmdline, 65536, &raw, &n, NULL))
		return NULL;
	raw[n] = '\0';
	for (p = (char *)raw; (p = strstr(p, "agent.aa_kbc_params=")) != NULL; p++) {
		if (p == (char *)raw || p[-1] == ' ') {
			p += strlen("agent.aa_kbc_params=");
			end = p + strcspn(p, " \n");
			snprintf(aa.cmdline_params, sizeof(aa.cmdline_params), "%.*s",
				 (int)(end - p), p);
			break;
		}
	}
	free(raw);
	return aa.cmdline_params[0] ? aa.cmdline_params : NULL;
}

static int parse(int argc, char **argv)
{
	enum { O_KP = 0x100, O_GR, O_PARAMS, O_ATTESTER, O_PUBKEY, O_VERIFIER, O_INSECURE,
	       O_SAMPLE, O_TTL, O_KEYS, O_RES, O_PROVIDER, O_CONFIG, O_LOG, O_LIST,
	       O_CMD, O_CMDLINE, O_CA, O_NAME, O_POLICY, O_TCB, O_BTIMEOUT, O_WORKERS,
	       O_RTIMEOUT, O_FRESH, O_SAMPLE_FORM };
	static const struct option longs[] = {
		{ "keyprovider_sock", required_argument, NULL, O_KP },
		{ "getresource_sock", required_argument, NULL, O_GR },
		{ "aa_kbc_params", required_argument, NULL, O_PARAMS },
		{ "attester", required_argument, NULL, O_ATTESTER },
		{ "broker-pubkey", required_argument, NULL, O_PUBKEY },
		{ "broker-verifier", required_argument, NULL, O_VERIFIER },
		{ "broker-ca", required_argument, NULL, O_CA },
		{ "broker-name", required_argument, NULL, O_NAME },
		{ "broker-policy", required_argument, NULL, O_POLICY },
		{ "broker-tcb-status", required_argument, NULL, O_TCB },
		{ "broker-timeout", required_argument, NULL, O_BTIMEOUT },
		{ "workers", required_argument, NULL, O_WORKERS },
		{ "request-timeout", required_argument, NULL, O_RTIMEOUT },
		{ "insecure-broker", no_argument, NULL, O_INSECURE },
		{ "allow-sample", no_argument, NULL, O_SAMPLE },
		{ "kbs-sample-form", required_argument, NULL, O_SAMPLE_FORM },
		{ "ttl", required_argument, NULL, O_TTL },
		{ "offline-keys", required_argument, NULL, O_KEYS },
		{ "offline-resources", required_argument, NULL, O_RES },
		{ "provider", required_argument, NULL, O_PROVIDER },
		{ "option", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "log-level", required_argument, NULL, O_LOG },
		{ "list", no_argument, NULL, O_LIST },
		{ "cmd", no_argument, NULL, O_CMD },
		{ "kernel-cmdline", required_argument, NULL, O_CMDLINE },
		{ "fresh", no_argument, NULL, O_FRESH },
		{ "require-nonce", no_argument, NULL, O_FRESH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum eaa_log_level level = EAA_LOG_INFO;
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "o:O:h", longs, NULL)) != -1) {
		bool ok = true;

		switch (c) {
		case O_KP: aa.kp_sock = optarg; break;
		case O_GR: aa.gr_sock = optarg; break;
		case O_PARAMS: aa.params = optarg; break;
		case O_ATTESTER: aa.conf.attester = optarg; break;
		case O_PUBKEY: aa.conf.broker_pubkey = optarg; break;
		case O_VERIFIER: aa.conf.broker_verifier = optarg; break;
		case O_CA: aa.conf.broker_ca = optarg; break;
		case O_NAME: aa.conf.broker_name = optarg; break;
		case O_POLICY: aa.conf.broker_policy = optarg; break;
		case O_TCB: aa.conf.broker_tcb = optarg; break;
		case O_BTIMEOUT:
			v = strtol(optarg, &end, 10);
			ok = *optarg && !*end && v > 0 && v <= 3600;
			aa.conf.broker_timeout = (int)v;
			break;
		case O_WORKERS:
			v = strtol(optarg, &end, 10);
			ok = *optarg && !*end && v > 0 && v <= 64;
			aa.grpc.workers = (unsigned)v;
			break;
		case O_RTIMEOUT:
			v = strtol(optarg, &end, 10);
			ok = *optarg && !*end && v > 0 && v <= 3600;
			aa.grpc.recv_timeout_s = (int)v;
			break;
		case O_INSECURE: aa.conf.insecure_broker = true; break;
		case O_SAMPLE: aa.conf.allow_sample = true; break;
		case O_SAMPLE_FORM:
			ok = strcmp(optarg, "signed") == 0 || strcmp(optarg, "trustee") == 0;
			aa.conf.kbs_sample_trustee = strcmp(optarg, "trustee") == 0;
			break;
		case O_TTL:
			aa.conf.ttl = strtol(optarg, &end, 10);
			ok = *optarg && !*end && aa.conf.ttl >= 0;
			break;
		case O_KEYS: aa.conf.keys_file = optarg; break;
		case O_RES: aa.conf.resources_file = optarg; break;
		case O_PROVIDER: aa.provider = optarg; break;
		case 'o': ok = add_opt(optarg); break;
		case O_FRESH: ok = add_opt("tls.fresh=1"); break;
		case 'O': aa.out_file = optarg; break;
		case O_CONFIG: break; /* read by config_args */
		case O_LOG: ok = eaa_log_parse_level(optarg, &level); break;
		case O_CMD: aa.cmd = true; break;
		case O_CMDLINE: aa.cmdline = optarg; break;
		case O_LIST:
			for (size_t i = 0; aa_kbcs[i]; i++)
				printf("%-16s %s\n", aa_kbcs[i]->name, aa_kbcs[i]->what);
			return 1;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "%s: bad value for option: %s\n", prog, optarg);
			return 2;
		}
	}
	eaa_log_set_level(level);
	aa.opts[aa.nopts] = NULL;
	aa.conf.options = aa.opts;
	if (!aa.params)
		aa.params = getenv("AA_KBC_PARAMS");
	if (!aa.params)
		aa.params = cmdline_params();
	return 0;
}

/* ---- the services ---- */

static bool keyprovider(void *arg, const char *method, const uint8_t *req, size_t n,
			struct wr *reply, struct eaa_err *err)
{
	const uint8_t *json;
	size_t jn;
	char *out;

	if (strcmp(method, KEYPROVIDER "WrapKey") == 0)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "the attestation agent only "
				"unwraps: encrypt with verdictd's key provider");
	if (strcmp(method, KEYPROVIDER "UnWrapKey") != 0)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "unknown method %.200s", method);
	if (!pb_get_bytes(req, n, 1, &json, &jn))
		return eaa_fail(err, EAA_E_FORMAT, "the request is not a key-provider message");
	if (!aa_agent_keyprovider(arg, (const char *)json, jn, &out, err))
		return false;
	pb_put_bytes(reply, 1, out, strlen(out));
	OPENSSL_cleanse(out, strlen(out));
	free(out);
	return !reply->failed || eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

/* A call the agent answered without a worker: the reply (the message's
 * one bytes field) goes back from the KBC's reader thread; a channel that
 * failed in transit sends the call to a worker, whose synchronous path
 * attests anew. */
static void answered(void *arg, enum aa_async_result r, const uint8_t *out, size_t n,
		     const struct eaa_err *err)
{
	struct grpc_unary_call *call = arg;
	struct wr reply;

	if (r == AA_ASYNC_RETRY) {
		grpc_unary_retry(call);
		return;
	}
	if (r == AA_ASYNC_FAILED) {
		grpc_unary_answer(call, NULL, 0, err);
		return;
	}
	wr_init(&reply);
	pb_put_bytes(&reply, 1, out, n);
	if (reply.failed)
		grpc_unary_answer(call, NULL, 0,
				  &(struct eaa_err){ EAA_E_NOMEM, "out of memory" });
	else
		grpc_unary_answer(call, reply.buf, reply.len, NULL);
	if (reply.buf)
		OPENSSL_cleanse(reply.buf, reply.len);
	wr_free(&reply);
}

/* UnWrapKey on the server's event loop, when the KBC can answer it
 * without a worker (an attested eaa_kbc channel); anything else goes to
 * keyprovider() on a worker. */
static bool keyprovider_start(void *arg, const char *method, const uint8_t *req, size_t n,
			      struct grpc_unary_call *call)
{
	const uint8_t *json;
	size_t jn;

	return strcmp(method, KEYPROVIDER "UnWrapKey") == 0 &&
	       pb_get_bytes(req, n, 1, &json, &jn) &&
	       aa_agent_keyprovider_async(arg, (const char *)json, jn, answered, call);
}

/* GetResource the same way, for the default KBC. */
static bool getresource_start(void *arg, const char *method, const uint8_t *req, size_t n,
			      struct grpc_unary_call *call)
{
	const uint8_t *path, *kbc, *uri;
	size_t pn, kn, un;
	char spath[512], params[600];

	if (strcmp(method, GETRESOURCE) != 0 || !pb_get_bytes(req, n, 1, &path, &pn) ||
	    !pb_get_bytes(req, n, 2, &kbc, &kn) || !pb_get_bytes(req, n, 3, &uri, &un) ||
	    pn >= sizeof(spath) || kn + un + 3 > sizeof(params) || memchr(path, '\0', pn) ||
	    memchr(kbc, '\0', kn) || memchr(uri, '\0', un))
		return false;
	memcpy(spath, path, pn);
	spath[pn] = '\0';
	params[0] = '\0';
	if (kn)
		snprintf(params, sizeof(params), "%.*s::%.*s", (int)kn, kbc, (int)un, uri);
	return aa_agent_resource_async(arg, params, spath, answered, call);
}

/* getresource.GetResourceRequest {1: ResourcePath, 2: KbcName, 3: KbsUri}
 * -> GetResourceResponse {1: Resource}. */
static bool getresource(void *arg, const char *method, const uint8_t *req, size_t n,
			struct wr *reply, struct eaa_err *err)
{
	const uint8_t *path, *kbc, *uri;
	size_t pn, kn, un;
	char *spath = NULL, *params = NULL;
	uint8_t *data = NULL;
	size_t dn;
	bool ok = false;

	if (strcmp(method, GETRESOURCE) != 0)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "unknown method %.200s", method);
	if (!pb_get_bytes(req, n, 1, &path, &pn) || !pb_get_bytes(req, n, 2, &kbc, &kn) ||
	    !pb_get_bytes(req, n, 3, &uri, &un))
		return eaa_fail(err, EAA_E_FORMAT, "the request is not a GetResourceRequest");
	if (!(spath = strndup((const char *)path, pn)) ||
	    (kn && asprintf(&params, "%.*s::%.*s", (int)kn, kbc, (int)un, uri) < 0)) {
		params = NULL;
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	} else if (strlen(spath) != pn || (params && strlen(params) != kn + un + 2)) {
		eaa_fail(err, EAA_E_FORMAT, "GetResourceRequest: a field is not text");
	} else if (aa_agent_resource(arg, params, spath, &data, &dn, err)) {
		pb_put_bytes(reply, 1, data, dn);
		ok = !reply->failed || eaa_fail(err, EAA_E_NOMEM, "out of memory");
		OPENSSL_cleanse(data, dn);
	}
	free(data);
	free(spath);
	free(params);
	return ok;
}

/* Serve until SIGINT or SIGTERM. *busy: a call was still in its round
 * trip when the agent stopped, so the agent must not be freed under it. */
static int serve(struct aa_agent *agent, bool *busy)
{
	struct grpc_unary_server *kp, *gr;
	struct eaa_err err;
	sigset_t set;
	int port, sig;
	bool kp_done, gr_done;

	*busy = false;
	/* blocked before any thread starts, so every thread inherits the
	 * mask and the signal reaches sigwait below instead of killing the
	 * process (and skipping the wipe of its keys) from another thread */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!(kp = grpc_unary_serve_async(aa.kp_sock, "key provider", keyprovider,
					  keyprovider_start, agent, &aa.grpc, &port, &err))) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return 1;
	}
	printf("key provider on port %d\n", port);
	if (!(gr = grpc_unary_serve_async(aa.gr_sock, "get-resource", getresource,
					  getresource_start, agent, &aa.grpc, &port, &err))) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		*busy = !grpc_unary_stop(kp, 3);
		return 1;
	}
	printf("get-resource on port %d\n", port);
	fflush(stdout);
	sigwait(&set, &sig);
	LOG_INFO("signal %d: stopping", sig);
	/* the calls in progress end before the agent (and the keys it holds)
	 * is freed; one stuck on a broker is not waited for past this */
	grpc_unary_shutdown(kp);
	grpc_unary_shutdown(gr);
	kp_done = grpc_unary_stop(kp, 3);
	gr_done = grpc_unary_stop(gr, 3);
	*busy = !kp_done || !gr_done;
	if (*busy)
		LOG_WARN("stopping with a request still in progress");
	return 0;
}

/* ocicrypt's cmd protocol: one input on stdin, the output on stdout. */
static int cmd_once(struct aa_agent *agent)
{
	struct eaa_err err;
	struct wr w;
	char buf[65536], *out = NULL;
	ssize_t got;
	int rc = 1;

	wr_init(&w);
	while ((got = read(0, buf, sizeof(buf))) > 0 && w.len < MAX_KP_INPUT)
		wr_bytes(&w, buf, (size_t)got);
	if (w.failed || w.len >= MAX_KP_INPUT)
		fprintf(stderr, "%s: input too large or out of memory\n", prog);
	else if (!aa_agent_keyprovider(agent, (const char *)w.buf, w.len, &out, &err))
		fprintf(stderr, "%s: %s\n", prog, err.msg);
	else if (fputs(out, stdout) < 0 || fflush(stdout) != 0)
		fprintf(stderr, "%s: cannot write the output\n", prog);
	else
		rc = 0;
	if (out)
		OPENSSL_cleanse(out, strlen(out));
	free(out);
	wr_free(&w);
	return rc;
}

/* get-resource: a client of a running agent's GetResource. */
static int get_resource(const char *path)
{
	const char *sep = aa.params ? strstr(aa.params, "::") : NULL;
	uint8_t *reply = NULL;
	const uint8_t *data;
	size_t n, dn;
	struct eaa_err err;
	struct wr req;
	int rc = 1;

	wr_init(&req);
	pb_put_bytes(&req, 1, path, strlen(path));
	if (sep) {
		pb_put_bytes(&req, 2, aa.params, (size_t)(sep - aa.params));
		pb_put_bytes(&req, 3, sep + 2, strlen(sep + 2));
	}
	if (req.failed) {
		fprintf(stderr, "%s: out of memory\n", prog);
	} else if (!grpc_unary_call(aa.gr_sock, GETRESOURCE, req.buf, req.len, 60, &reply,
				    &n, &err)) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
	} else if (!pb_get_bytes(reply, n, 1, &data, &dn)) {
		fprintf(stderr, "%s: the reply is not a GetResourceResponse\n", prog);
	} else if (aa.out_file ? !file_write_atomic(aa.out_file, data, dn, 0600, &err) :
		   fwrite(data, 1, dn, stdout) != dn || fflush(stdout) != 0) {
		fprintf(stderr, "%s: %s\n", prog, aa.out_file ? err.msg : "cannot write");
	} else {
		rc = 0;
	}
	free(reply);
	wr_free(&req);
	return rc;
}

/* The arguments with the config file's: they live as long as the process
 * (kept here, so leak checkers see them held). */
static char **args;

/* unwrap: a client of a running agent's UnWrapKey, as ocicrypt calls it. */
static int unwrap(const char *annotation)
{
	struct aa_kp_provider p = { .grpc = (char *)aa.kp_sock, .dc = (char *)aa.params };
	struct eaa_err err;
	uint8_t *opts;
	size_t n;
	int rc = 1;

	snprintf(p.name, sizeof(p.name), "%s", aa.provider ? aa.provider : "attestation-agent");
	if (!aa_kp_unwrap_annotation(&p, annotation, &opts, &n, &err)) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return 1;
	}
	if (fwrite(opts, 1, n, stdout) == n && fflush(stdout) == 0)
		rc = 0;
	else
		fprintf(stderr, "%s: cannot write\n", prog);
	OPENSSL_cleanse(opts, n);
	free(opts);
	return rc;
}

int main(int argc, char **argv)
{
	struct aa_agent *agent;
	struct eaa_err err;
	bool busy = false;
	int rc;

	/* verdictd may close a reused channel at any time (idle timeout,
	 * restart); writing to it must fail with EPIPE, which the KBC
	 * handles by attesting anew, not kill the agent */
	signal(SIGPIPE, SIG_IGN);
	/* KEKs, layer options and resources travel in jansson's strings */
	json_wipe_on_free();
	if (!(argv = args = config_args(prog, &argc, argv)))
		return 2;
	if ((rc = parse(argc, argv)) != 0)
		return rc == 1 ? 0 : 2;
	if (optind < argc && strcmp(argv[optind], "get-resource") == 0) {
		if (optind + 2 != argc) {
			usage(stderr);
			return 2;
		}
		return get_resource(argv[optind + 1]);
	}
	if (optind < argc && strcmp(argv[optind], "unwrap") == 0) {
		if (optind + 2 != argc) {
			usage(stderr);
			return 2;
		}
		return unwrap(argv[optind + 1]);
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* one KBC never holds every worker of a service */
	aa.conf.max_callers = (aa.grpc.workers ? aa.grpc.workers : GRPC_UNARY_DEFAULT_WORKERS) - 1;
	if (!aa.conf.max_callers)
		aa.conf.max_callers = 1;
	if (!(agent = aa_agent_new(aa.params, aa.provider, &aa.conf, &err))) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return 2;
	}
	if (aa.conf.insecure_broker)
		LOG_WARN("--insecure-broker: the broker (%s) is not authenticated; anyone on the "
			 "path can answer as it", aa.params ? aa.params : "none configured");
	rc = aa.cmd ? cmd_once(agent) : serve(agent, &busy);
	if (busy) {
		/* a worker is still inside the agent: neither free it nor run
		 * the exit handlers (OpenSSL's cleanup) under that thread */
		fflush(NULL);
		_exit(rc);
	}
	aa_agent_free(agent);
	return rc;
}
