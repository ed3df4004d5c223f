/* bench-agent - key calls through the attestation agent over gRPC, as a
 * container runtime makes them, their rate and latency:
 *
 *   bench-agent [--callers N] [--calls N] [--resource | --mixed]
 *               [--agent-workers N] [--agent-log-level LEVEL] [BIN_DIR]
 *                                                       (default build/bin)
 *
 * A real verdictd (sample verifier, --mutual, a policy that allows, one
 * key, one resource; bench/verdictd_run.c) and a real attestation-agent
 * (eaa_kbc to that verdictd, the sample attester, verdictd's TLS key
 * pinned) run on loopback. Each caller is a thread with its own gRPC
 * connection to the agent (two in --mixed: one per service), making its
 * calls one after another:
 *
 *   UnWrapKey (default): keyunwrap of a layer's key-provider packet, as
 *     ocicrypt sends it for "provider:attestation-agent"; the packet was
 *     wrapped by verdictd's key provider (keywrap, as skopeo asks it), and
 *     the reply must hold the layer options that were wrapped;
 *   --resource: GetResource of default/security-policy/test naming the
 *     agent's KBC, as image-rs asks for a policy; the reply must be the
 *     bytes verdictd holds;
 *   --mixed: each caller alternates the two (half start with each).
 *
 * The agent attests once (one call of each kind before the clock), each
 * caller connects, and the clock starts when every caller is ready. Latency is per call, from the call's start to its
 * checked reply. Printed: the calls answered as expected per second, their
 * p50 and p99, the failures (a refusal is one; the first reasons shown),
 * the attested channels verdictd saw, CPU per call of the agent, verdictd
 * and the callers, and the load average. --broker-rtt-ms MS: verdictd is
 * reached through a relay in this process that delays each direction by
 * MS / 2 (a network path's round trip, which loopback lacks; its rate is
 * not bounded by the delay). --agent-workers: the agent's
 * --workers (0: its default); --agent-log-level: its --log-level (default
 * warn: info logs a line per call); --keep: keep the state directory and
 * the logs.
 *
 * --h2load: the calls are made by nghttp2's h2load (a well-kept HTTP/2
 * load generator, much lighter per call than a gRPC client) instead: N
 * connections, one call outstanding on each, the same request message
 * every time. h2load does not read gRPC trailers, so each call's success
 * is checked by its reply's size: every reply must carry the message a
 * checked call got (a refusal carries none), and the agent's log must
 * hold no refusal. Latency comes from h2load's per-request log. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "bytes.h"
#include "codec.h"
#include "json_util.h"
#include "keyprovider.h"
#include "kp_packet.h"
#include "kp_client.h"
#include "pb.h"
#include "unary.h"
#include "verdictd_run.h"

#define UNWRAP "/keyprovider.KeyProviderService/UnWrapKey"
#define GETRESOURCE "/getresource.GetResourceService/GetResource"
#define RESOURCE "default/security-policy/test"
#define KID "default/key/1"
#define CALL_TIMEOUT_S 60
#define MAX_CALLERS 1024

enum kind { K_UNWRAP, K_RESOURCE, K_FAILED };
enum mode { M_UNWRAP, M_RESOURCE, M_MIXED };

static const char resource[] =
	"{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{"
	"\"registry.example.com/app\":[{\"type\":\"sigstoreSigned\",\"keyPath\":"
	"\"/run/image-security/cosign/cosign.pub\"}]}}}";

static struct bench_vd vd;
static struct wr unwrap_req, resource_req;  /* the gRPC messages */
static char opts[256];                     /* the layer options wrapped */
static char kp_addr[64], gr_addr[64];
static int broker_port;                    /* verdictd's, or the relay's */

/* ---- what the calls carry ---- */

/* The layer options as ocicrypt makes them, wrapped by verdictd's key
 * provider into the packet of the layer's annotation. *pkt is malloc'd. */
static void wrap_layer(uint8_t **pkt, size_t *n)
{
	uint8_t symkey[32], nonce[16], digest[32];
	char root[512], *in = NULL, *out = NULL, *k, *s, *d, *o, *kid;
	json_t *j, *ann;
	struct vd_store *st;
	struct eaa_err err;

	if (RAND_bytes(symkey, sizeof(symkey)) != 1 || RAND_bytes(nonce, sizeof(nonce)) != 1 ||
	    RAND_bytes(digest, sizeof(digest)) != 1)
		bench_die("random", NULL);
	s = base64_encode(symkey, sizeof(symkey), false);
	o = base64_encode(nonce, sizeof(nonce), false);
	d = hex_encode(digest, sizeof(digest));
	if (!s || !o || !d)
		bench_die("out of memory", NULL);
	snprintf(opts, sizeof(opts), "{\"symkey\":\"%s\",\"digest\":\"sha256:%s\","
		 "\"cipheroptions\":{\"nonce\":\"%s\"}}", s, d, o);
	k = base64_encode(opts, strlen(opts), false);
	kid = base64_encode(KID, strlen(KID), false);
	if (!k || !kid || asprintf(&in, "{\"op\":\"keywrap\",\"keywrapparams\":{\"ec\":"
				    "{\"Parameters\":{\"attestation-agent\":[\"%s\"]},"
				    "\"DecryptConfig\":{\"Parameters\":{}}},\"optsdata\":\"%s\"}}",
				    kid, k) < 0)
		bench_die("out of memory", NULL);
	if (!(st = vd_store_open(bench_vd_path(&vd, "root", root, sizeof(root)), &err)) ||
	    !vd_kp_handle(st, "attestation-agent", VD_KP_WRAP, in, strlen(in), &out, &err))
		bench_die("keywrap", err.msg);
	j = json_loads(out, 0, NULL);
	ann = json_object_get(json_object_get(j, "keywrapresults"), "annotation");
	if (!json_get_bytes(ann, KP_MAX_BYTES, pkt, n))
		bench_die("keywrap", "no keywrapresults.annotation");
	json_decref(j);
	vd_store_close(st);
	free(out);
	free(in);
	free(kid);
	free(k);
	free(d);
	free(o);
	free(s);
}

/* The two requests: UnWrapKey as ocicrypt sends it (no KBC in dc: the
 * agent's own), GetResource as image-rs does (path, KBC name, KBS URI). */
static void requests(const uint8_t *pkt, size_t n)
{
	struct aa_kp_provider p = { .name = "attestation-agent" };
	char *in = aa_kp_unwrap_input(&p, pkt, n), uri[64];

	if (!in)
		bench_die("out of memory", NULL);
	wr_init(&unwrap_req);
	pb_put_bytes(&unwrap_req, 1, in, strlen(in));
	free(in);
	snprintf(uri, sizeof(uri), "127.0.0.1:%d", broker_port);
	wr_init(&resource_req);
	pb_put_bytes(&resource_req, 1, RESOURCE, strlen(RESOURCE));
	pb_put_bytes(&resource_req, 2, "eaa_kbc", 7);
	pb_put_bytes(&resource_req, 3, uri, strlen(uri));
	if (unwrap_req.failed || resource_req.failed)
		bench_die("out of memory", NULL);
}

/* ---- a link with a round-trip time, between the agent and verdictd ---- */

/* Bytes in one direction, each chunk passed on half the round trip after
 * it arrived; chunks are queued, so the link's rate is not bounded by
 * its delay (what a network path does, which loopback cannot show). */
struct hop {
	int from, to;
	double delay;
};

struct chunk {
	struct chunk *next;
	double due;
	size_t len;
	char data[16384];
};

static void *hop_main(void *arg)
{
	struct hop *h = arg;
	struct chunk *head = NULL, **tail = &head, *c;
	bool open = true;

	while (open || head) {
		struct pollfd p = { .fd = h->from, .events = POLLIN };
		double now = bench_now(), left;
		struct timespec wait;
		ssize_t n;

		while (head && head->due <= now) {
			if (write(h->to, head->data, head->len) != (ssize_t)head->len)
				open = false;
			c = head;
			if (!(head = head->next))
				tail = &head;
			free(c);
		}
		if (!open) {
			if (!head)
				break;
			continue;
		}
		/* until the next chunk is due, or bytes come */
		left = head && head->due > bench_now() ? head->due - bench_now() : 0;
		wait.tv_sec = (time_t)left;
		wait.tv_nsec = (long)((left - (double)wait.tv_sec) * 1e9);
		if (ppoll(&p, 1, head ? &wait : NULL, NULL) <= 0)
			continue;
		if (!(c = malloc(sizeof(*c))))
			bench_die("out of memory", NULL);
		if ((n = read(h->from, c->data, sizeof(c->data))) <= 0) {
			free(c);
			open = false;
			continue;
		}
		c->len = (size_t)n;
		c->due = bench_now() + h->delay;
		c->next = NULL;
		*tail = c;
		tail = &c->next;
	}
	while (head) {
		c = head;
		head = head->next;
		free(c);
	}
	shutdown(h->to, SHUT_WR);
	return NULL;
}

struct relay {
	int lfd;
	double delay;
};

/* Each connection to the relay is passed on to verdictd, both ways. */
static void *relay_main(void *arg)
{
	struct relay *r = arg;
	struct sockaddr_in vd_addr = { .sin_family = AF_INET,
				       .sin_port = htons((uint16_t)vd.port),
				       .sin_addr.s_addr = htonl(0x7f000001) };
	int one = 1;

	for (;;) {
		int a = accept(r->lfd, NULL, NULL), b = socket(AF_INET, SOCK_STREAM, 0);
		struct hop *up = malloc(sizeof(*up)), *down = malloc(sizeof(*down));
		pthread_t t;

		if (a < 0 || b < 0 || !up || !down ||
		    connect(b, (struct sockaddr *)&vd_addr, sizeof(vd_addr)) != 0)
			bench_die("relay", "cannot reach verdictd");
		setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		*up = (struct hop){ a, b, r->delay };
		*down = (struct hop){ b, a, r->delay };
		/* the hops live as long as the bench (freed at exit) */
		if (pthread_create(&t, NULL, hop_main, up) != 0 ||
		    pthread_detach(t) != 0 || pthread_create(&t, NULL, hop_main, down) != 0 ||
		    pthread_detach(t) != 0)
			bench_die("pthread_create", NULL);
	}
	return NULL;
}

/* A relay on loopback with rtt_ms of round-trip time; its port. */
static int relay_start(double rtt_ms)
{
	static struct relay r;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t al = sizeof(a);
	pthread_t t;

	r.delay = rtt_ms / 2e3;
	if ((r.lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(r.lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(r.lfd, 16) != 0 ||
	    getsockname(r.lfd, (struct sockaddr *)&a, &al) != 0)
		bench_die("relay", NULL);
	if (pthread_create(&t, NULL, relay_main, &r) != 0)
		bench_die("relay", "pthread_create");
	pthread_detach(t);
	return ntohs(a.sin_port);
}

/* ---- the agent ---- */

static pid_t agent_pid;

/* however the bench ends, the agent does not outlive it */
static void agent_kill(void)
{
	if (agent_pid > 0) {
		kill(agent_pid, SIGTERM);
		waitpid(agent_pid, NULL, 0);
		agent_pid = 0;
	}
}

static void agent_start(const char *bin, int workers, const char *level)
{
	char exe[512], params[64], key[600], pin[600], log[512], w[16], line[256];
	const char *argv[32] = { exe, "--keyprovider_sock", "127.0.0.1:0", "--getresource_sock",
				 "127.0.0.1:0", "--aa_kbc_params", params, "--attester", "sample",
				 "--allow-sample", "-o", key, "--broker-pubkey", pin,
				 "--log-level", level };
	size_t n = 16;
	int fds[2], lfd;
	FILE *f;

	snprintf(exe, sizeof(exe), "%s/attestation-agent", bin);
	snprintf(params, sizeof(params), "eaa_kbc::127.0.0.1:%d", broker_port);
	snprintf(key, sizeof(key), "sample.key=%s/key.pem", vd.dir);
	bench_vd_path(&vd, "vd_pub.pem", pin, sizeof(pin));
	if (workers) {
		snprintf(w, sizeof(w), "%d", workers);
		argv[n++] = "--workers";
		argv[n++] = w;
	}
	argv[n] = NULL;
	if ((lfd = open(bench_vd_path(&vd, "agent.log", log, sizeof(log)),
			O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0 || pipe(fds) != 0)
		bench_die(log, NULL);
	if ((agent_pid = fork()) < 0)
		bench_die("fork", NULL);
	atexit(agent_kill);
	if (agent_pid == 0) {
		dup2(fds[1], 1);
		dup2(lfd, 2);
		close(fds[0]);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	close(lfd);
	/* "key provider on port N", then "get-resource on port N" */
	if (!(f = fdopen(fds[0], "r")) || !fgets(line, sizeof(line), f) ||
	    !strstr(line, "key provider on port"))
		bench_die("the agent did not start", log);
	snprintf(kp_addr, sizeof(kp_addr), "127.0.0.1:%d", atoi(strrchr(line, ' ') + 1));
	if (!fgets(line, sizeof(line), f) || !strstr(line, "get-resource on port"))
		bench_die("the agent did not start", log);
	snprintf(gr_addr, sizeof(gr_addr), "127.0.0.1:%d", atoi(strrchr(line, ' ') + 1));
	fclose(f);
}

/* ---- the callers ---- */

struct caller {
	int idx, n, failed;
	enum mode mode;
	double *lat;
	unsigned char *kinds;
	struct grpc_unary_client *kp, *gr;
	char why[300];          /* the first failure */
};

static pthread_barrier_t ready;

static bool reply_ok(enum kind k, uint8_t *reply, size_t n, struct eaa_err *err);

/* One call, its reply checked. */
static bool call(struct caller *c, enum kind k, struct eaa_err *err)
{
	const struct wr *req = k == K_UNWRAP ? &unwrap_req : &resource_req;
	uint8_t *reply = NULL;
	size_t n;

	if (!grpc_unary_client_call(k == K_UNWRAP ? c->kp : c->gr,
				    k == K_UNWRAP ? UNWRAP : GETRESOURCE, req->buf, req->len,
				    CALL_TIMEOUT_S, &reply, &n, err))
		return false;
	return reply_ok(k, reply, n, err);
}

/* A reply (malloc'd, freed here) checked: the resource verdictd holds, or
 * the layer options that were wrapped. */
static bool reply_ok(enum kind k, uint8_t *reply, size_t n, struct eaa_err *err)
{
	uint8_t *got = NULL;
	const uint8_t *msg;
	size_t mn, gn;
	json_t *j;
	bool ok;

	if (!pb_get_bytes(reply, n, 1, &msg, &mn)) {
		free(reply);
		return eaa_fail(err, EAA_E_FORMAT, "the reply is not the service's message");
	}
	if (k == K_RESOURCE) {
		ok = mn == sizeof(resource) - 1 && memcmp(msg, resource, mn) == 0;
		free(reply);
		return ok || eaa_fail(err, EAA_E_FORMAT, "GetResource: not the resource "
				      "verdictd holds");
	}
	j = json_loadb((const char *)msg, mn, 0, NULL);
	ok = json_get_bytes(json_object_get(json_object_get(j, "keyunwrapresults"), "optsdata"),
			    4096, &got, &gn) && gn == strlen(opts) && memcmp(got, opts, gn) == 0;
	json_decref(j);
	free(got);
	free(reply);
	return ok || eaa_fail(err, EAA_E_FORMAT, "UnWrapKey: not the layer options wrapped");
}

static enum kind kind_of(const struct caller *c, int i)
{
	if (c->mode == M_MIXED)
		return (enum kind)((i + c->idx) % 2);
	return c->mode == M_UNWRAP ? K_UNWRAP : K_RESOURCE;
}

static void failed(struct caller *c, const struct eaa_err *err)
{
	if (!c->failed++)
		snprintf(c->why, sizeof(c->why), "%s", err->msg);
}

static void *run(void *arg)
{
	struct caller *c = arg;
	struct eaa_err err;

	/* connected before the clock, as a runtime's connection to its agent
	 * is */
	if (c->mode != M_RESOURCE && (!(c->kp = grpc_unary_client_open(kp_addr, &err)) ||
				      !grpc_unary_client_connect(c->kp, CALL_TIMEOUT_S, &err)))
		failed(c, &err);
	if (c->mode != M_UNWRAP && !c->failed &&
	    (!(c->gr = grpc_unary_client_open(gr_addr, &err)) ||
	     !grpc_unary_client_connect(c->gr, CALL_TIMEOUT_S, &err)))
		failed(c, &err);
	if (c->failed)
		c->failed = c->n; /* none of its calls made */
	pthread_barrier_wait(&ready);
	for (int i = 0; i < c->n && c->failed < c->n; i++) {
		enum kind k = kind_of(c, i);
		double t0 = bench_now();

		if (call(c, k, &err))
			c->kinds[i] = (unsigned char)k;
		else
			failed(c, &err);
		c->lat[i] = bench_now() - t0;
	}
	grpc_unary_client_close(c->kp);
	grpc_unary_client_close(c->gr);
	return NULL;
}

/* ---- --client-threads: the callers' calls from T completion-queue
 * loops, one call outstanding per channel, as gRPC's async API makes them
 * (a lighter load generator than a blocking thread per caller) ---- */

struct acall {
	struct caller *c;
	grpc_channel *ch;
	grpc_call *call;
	grpc_byte_buffer *out, *in;
	grpc_metadata_array initial, trailing;
	grpc_status_code status;
	grpc_slice details;
	int i;                  /* the call being made, of c->n */
	double t0;
};

struct athread {
	struct acall *calls;
	int n;
	grpc_completion_queue *cq;
};

static bool astart(struct acall *a, grpc_completion_queue *cq)
{
	enum kind k = kind_of(a->c, a->i);
	const struct wr *req = k == K_UNWRAP ? &unwrap_req : &resource_req;
	grpc_slice m = grpc_slice_from_static_string(k == K_UNWRAP ? UNWRAP : GETRESOURCE);
	grpc_slice s = grpc_slice_from_copied_buffer((const char *)req->buf, req->len);
	grpc_op ops[6];

	a->out = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	a->in = NULL;
	a->details = grpc_empty_slice();
	grpc_metadata_array_init(&a->initial);
	grpc_metadata_array_init(&a->trailing);
	a->call = grpc_channel_create_call(a->ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, m, NULL,
					   gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = a->out;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &a->initial;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &a->in;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &a->trailing;
	ops[5].data.recv_status_on_client.status = &a->status;
	ops[5].data.recv_status_on_client.status_details = &a->details;
	a->t0 = bench_now();
	return a->call && grpc_call_start_batch(a->call, ops, 6, a, NULL) == GRPC_CALL_OK;
}

/* The call a ended (ok: its batch completed): checked, its latency kept. */
static void aend(struct acall *a, bool ok)
{
	enum kind k = kind_of(a->c, a->i);
	struct eaa_err err = { 0 };
	uint8_t *reply = NULL;
	size_t n = 0;

	a->c->lat[a->i] = bench_now() - a->t0;
	if (ok && a->status == GRPC_STATUS_OK && a->in) {
		grpc_byte_buffer_reader rd;
		grpc_slice all;

		if (grpc_byte_buffer_reader_init(&rd, a->in)) {
			all = grpc_byte_buffer_reader_readall(&rd);
			grpc_byte_buffer_reader_destroy(&rd);
			n = GRPC_SLICE_LENGTH(all);
			if ((reply = malloc(n + 1)))
				memcpy(reply, GRPC_SLICE_START_PTR(all), n);
			grpc_slice_unref(all);
		}
		if (reply && reply_ok(k, reply, n, &err))
			a->c->kinds[a->i] = (unsigned char)k;
		else
			failed(a->c, &err);
	} else {
		eaa_fail(&err, EAA_E_IO, "gRPC status %d", (int)a->status);
		failed(a->c, &err);
	}
	grpc_slice_unref(a->details);
	grpc_metadata_array_destroy(&a->initial);
	grpc_metadata_array_destroy(&a->trailing);
	if (a->in)
		grpc_byte_buffer_destroy(a->in);
	grpc_byte_buffer_destroy(a->out);
	grpc_call_unref(a->call);
	a->call = NULL;
}

static void *run_async(void *arg)
{
	struct athread *t = arg;
	int open = 0;

	pthread_barrier_wait(&ready);
	for (int i = 0; i < t->n; i++)
		if (astart(&t->calls[i], t->cq))
			open++;
	while (open > 0) {
		grpc_event ev = grpc_completion_queue_next(t->cq, gpr_time_add(
			gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_seconds(CALL_TIMEOUT_S,
									  GPR_TIMESPAN)), NULL);
		struct acall *a = ev.tag;

		if (ev.type != GRPC_OP_COMPLETE)
			bench_die("--client-threads", "no call completed in time");
		aend(a, ev.success);
		if (++a->i < a->c->n && astart(a, t->cq))
			continue;
		open--;
	}
	return NULL;
}

/* Every caller's calls from nthreads loops; the callers' channels made
 * and connected before the barrier, as run()'s are. */
static void measure_async(struct caller *cl, int callers, int nthreads, pthread_t *tid,
			  struct athread *th, struct acall *calls)
{
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	grpc_arg arg = { .type = GRPC_ARG_INTEGER, .key = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL,
			 .value.integer = 1 };
	grpc_channel_args args = { .num_args = 1, .args = &arg };

	for (int i = 0; i < callers; i++) {
		calls[i] = (struct acall){ .c = &cl[i] };
		calls[i].ch = grpc_channel_create(cl[i].mode == M_RESOURCE ? gr_addr : kp_addr,
						  creds, &args);
		for (int w = 0; w < 100 && grpc_channel_check_connectivity_state(calls[i].ch, 1) !=
						   GRPC_CHANNEL_READY; w++) {
			grpc_completion_queue *q = grpc_completion_queue_create_for_next(NULL);
			char tag;

			grpc_channel_watch_connectivity_state(
				calls[i].ch, grpc_channel_check_connectivity_state(calls[i].ch, 0),
				gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
					     gpr_time_from_millis(100, GPR_TIMESPAN)), q, &tag);
			grpc_completion_queue_next(q, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
			grpc_completion_queue_shutdown(q);
			while (grpc_completion_queue_next(q, gpr_inf_future(GPR_CLOCK_REALTIME),
							  NULL).type != GRPC_QUEUE_SHUTDOWN)
				;
			grpc_completion_queue_destroy(q);
		}
	}
	grpc_channel_credentials_release(creds);
	for (int k = 0, i = 0; k < nthreads; k++) {
		th[k].calls = calls + i;
		th[k].n = callers / nthreads + (k < callers % nthreads);
		th[k].cq = grpc_completion_queue_create_for_next(NULL);
		i += th[k].n;
		if (pthread_create(&tid[k], NULL, run_async, &th[k]) != 0)
			bench_die("pthread_create", NULL);
	}
}

static void async_done(int callers, int nthreads, struct athread *th, struct acall *calls)
{
	for (int k = 0; k < nthreads; k++) {
		grpc_completion_queue_shutdown(th[k].cq);
		while (grpc_completion_queue_next(th[k].cq, gpr_inf_future(GPR_CLOCK_REALTIME),
						  NULL).type != GRPC_QUEUE_SHUTDOWN)
			;
		grpc_completion_queue_destroy(th[k].cq);
	}
	for (int i = 0; i < callers; i++)
		grpc_channel_destroy(calls[i].ch);
}

/* ---- h2load as the callers ---- */

/* "<what> N" in h2load's output: N, or -1. */
static long long h2load_num(const char *out, const char *after)
{
	const char *p = strstr(out, after);

	return p ? strtoll(p + strlen(after), NULL, 10) : -1;
}

static int cmp(const void *a, const void *b);

/* Run h2load for callers x per calls of kind k; false when a call was not
 * answered as a checked call is. */
static bool run_h2load(enum kind k, int callers, int per)
{
	const struct wr *req = k == K_UNWRAP ? &unwrap_req : &resource_req;
	const char *method = k == K_UNWRAP ? UNWRAP : GETRESOURCE;
	const char *addr = k == K_UNWRAP ? kp_addr : gr_addr;
	char reqf[512], logf[512], outf[512], url[256], n[32], c[32], *out = NULL, line[256];
	uint8_t prefix[5] = { 0 }, *reply = NULL; /* reply_ok frees it */
	size_t replyn = 0, total = (size_t)callers * (size_t)per, m = 0, outn = 0;
	double a0, v0, a1, v1, t0, secs, *lat, hcpu;
	long long done, ok2xx, data;
	struct grpc_unary_client *cl;
	struct rusage ru;
	struct eaa_err err;
	FILE *f;
	pid_t pid;
	int st, fd;
	bool ok = true;

	/* what a checked call gets back */
	if (!(cl = grpc_unary_client_open(addr, &err)) ||
	    !grpc_unary_client_call(cl, method, req->buf, req->len, CALL_TIMEOUT_S, &reply,
				    &replyn, &err) || !reply_ok(k, reply, replyn, &err))
		bench_die("the call h2load repeats", err.msg);
	grpc_unary_client_close(cl); /* reply_ok freed the reply */
	prefix[1] = (uint8_t)(req->len >> 24);
	prefix[2] = (uint8_t)(req->len >> 16);
	prefix[3] = (uint8_t)(req->len >> 8);
	prefix[4] = (uint8_t)req->len;
	bench_vd_path(&vd, "h2load.req", reqf, sizeof(reqf));
	bench_vd_path(&vd, "h2load.log", logf, sizeof(logf));
	bench_vd_path(&vd, "h2load.out", outf, sizeof(outf));
	if ((fd = open(reqf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, prefix, 5) != 5 || write(fd, req->buf, req->len) != (ssize_t)req->len ||
	    close(fd) != 0)
		bench_die(reqf, NULL);
	snprintf(url, sizeof(url), "http://%s%s", addr, method);
	snprintf(n, sizeof(n), "%zu", total);
	snprintf(c, sizeof(c), "%d", callers);
	a0 = bench_proc_cpu(agent_pid);
	v0 = bench_proc_cpu(vd.pid);
	t0 = bench_now();
	if ((pid = fork()) < 0)
		bench_die("fork", NULL);
	if (pid == 0) {
		if ((fd = open(outf, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execlp("h2load", "h2load", "-n", n, "-c", c, "-m", "1", "-t", "1", "-d", reqf,
		       "-H", "content-type: application/grpc", "-H", "te: trailers",
		       "--log-file", logf, url, (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		bench_die("h2load failed (is nghttp2-client installed?)", outf);
	secs = bench_now() - t0;
	a1 = bench_proc_cpu(agent_pid);
	v1 = bench_proc_cpu(vd.pid);
	hcpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (!(f = fopen(outf, "r")))
		bench_die(outf, NULL);
	out = calloc(1, 1 << 16);
	if (!out)
		bench_die("out of memory", NULL);
	outn = fread(out, 1, (1 << 16) - 1, f);
	out[outn] = '\0';
	fclose(f);
	done = h2load_num(out, "started, ");
	ok2xx = h2load_num(out, "status codes: ");
	{
		const char *p = strstr(out, "traffic:"), *q = p ? strstr(p, "headers") : NULL;

		q = q ? strchr(q, ',') : NULL;
		q = q ? strchr(q, '(') : NULL;
		data = q ? strtoll(q + 1, NULL, 10) : -1;
	}
	/* each line: start (us since the epoch), status, duration (us) */
	if (!(lat = calloc(total, sizeof(*lat))) || !(f = fopen(logf, "r")))
		bench_die(logf, NULL);
	while (m < total && fgets(line, sizeof(line), f)) {
		char *tab = strrchr(line, '\t');

		if (tab)
			lat[m++] = strtod(tab + 1, NULL) / 1e3;
	}
	fclose(f);
	qsort(lat, m, sizeof(*lat), cmp);
	printf("%s through h2load, %d connections x %d calls: %.0f calls/s, p50 %.2f ms, "
	       "p99 %.2f ms\n", k == K_UNWRAP ? "UnWrapKey" : "GetResource", callers, per,
	       (double)total / secs, m ? lat[m / 2] : 0, m ? lat[m * 99 / 100] : 0);
	printf("CPU per call made: agent %.0f us, verdictd %.0f us, h2load %.0f us "
	       "(%.2f s of %.2f s wall)\n", (a1 - a0) / (double)total * 1e6,
	       (v1 - v0) / (double)total * 1e6, hcpu / (double)total * 1e6,
	       (a1 - a0) + (v1 - v0) + hcpu, secs);
	/* every call answered, each with the checked call's reply */
	if (done != (long long)total || ok2xx != (long long)total || m != total ||
	    data != (long long)(total * (5 + replyn))) {
		printf("h2load: %lld done, %lld HTTP 2xx, %zu logged, %lld data bytes "
		       "(want %zu each of %zu + 5)\n", done, ok2xx, m, data, total, replyn);
		ok = false;
	}
	if (bench_vd_count(&vd, "agent.log", "refused") != 0) {
		printf("the agent refused calls: see %s\n", bench_vd_path(&vd, "agent.log", line,
									   sizeof(line)));
		ok = false;
	}
	free(lat);
	free(out);
	return ok;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* p50 and p99 in ms of the answered calls of kind k (k < 0: both); a
 * refusal is quick and would flatter them. Returns how many there are. */
static size_t percentiles(const double *lat, const unsigned char *kinds, size_t n, int k,
			  double *p50, double *p99)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));
	size_t m = 0;

	if (!v)
		bench_die("out of memory", NULL);
	for (size_t i = 0; i < n; i++)
		if (kinds[i] != K_FAILED && (k < 0 || kinds[i] == k))
			v[m++] = lat[i];
	qsort(v, m, sizeof(*v), cmp);
	*p50 = m ? v[m / 2] * 1e3 : 0;
	*p99 = m ? v[m * 99 / 100] * 1e3 : 0;
	free(v);
	return m;
}

static void load(const char *when)
{
	char buf[128] = "";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f && fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
	printf("load average %s: %s\n", when, buf);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--callers N] [--calls N] [--resource | --mixed]\n"
		   "       [--agent-workers N] [--agent-log-level LEVEL] [--broker-rtt-ms MS]\n"
		   "       [--client-threads T | --h2load (not with --mixed)] [--keep] [BIN_DIR]\n",
		program_invocation_short_name);
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "callers", required_argument, NULL, 'c' },
		{ "calls", required_argument, NULL, 'n' },
		{ "resource", no_argument, NULL, 'r' },
		{ "mixed", no_argument, NULL, 'm' },
		{ "agent-workers", required_argument, NULL, 'w' },
		{ "agent-log-level", required_argument, NULL, 'l' },
		{ "keep", no_argument, NULL, 'k' },
		{ "broker-rtt-ms", required_argument, NULL, 't' },
		{ "client-threads", required_argument, NULL, 'T' },
		{ "h2load", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const mode_name[] = { "UnWrapKey", "GetResource",
						 "UnWrapKey and GetResource alternating" };
	const char *bin = "build/bin", *level = "warn";
	int callers = 64, per = 500, workers = 0, c, modes = 0, total_failed = 0, cthreads = 0;
	enum mode mode = M_UNWRAP;
	bool keep = false, h2 = false;
	struct caller *cl;
	pthread_t *t;
	struct athread *th = NULL;
	struct acall *acalls = NULL;
	double *lat, t0, secs, p50, p99, a0, v0, s0, a1, v1, s1, rtt_ms = 0;
	unsigned char *kinds;
	uint8_t kek[32], *pkt;
	size_t pktn, total, answered;
	struct eaa_err err;
	long attested;

	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'c': callers = atoi(optarg); break;
		case 'n': per = atoi(optarg); break;
		case 'r': modes++; mode = M_RESOURCE; break;
		case 'm': modes++; mode = M_MIXED; break;
		case 'w': workers = atoi(optarg); break;
		case 'l': level = optarg; break;
		case 'k': keep = true; break;
		case 't': rtt_ms = atof(optarg); break;
		case 'T': cthreads = atoi(optarg); break;
		case 'H': h2 = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		bin = argv[optind++];
	if (optind < argc || callers < 1 || callers > MAX_CALLERS || per < 1 || per > 1000000 ||
	    workers < 0 || workers > 64 || modes > 1 || rtt_ms < 0 || rtt_ms > 1000 ||
	    cthreads < 0 || cthreads > callers || (cthreads && mode == M_MIXED) ||
	    (h2 && (cthreads || mode == M_MIXED))) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (RAND_bytes(kek, sizeof(kek)) != 1)
		bench_die("random", NULL);
	bench_vd_prepare(&vd, "bench-agent", kek);
	bench_vd_write(&vd, "root/resources/" RESOURCE, resource, sizeof(resource) - 1);
	wrap_layer(&pkt, &pktn);
	bench_vd_start(&vd, bin, "verdictd.log", NULL);
	broker_port = rtt_ms > 0 ? relay_start(rtt_ms) : vd.port;
	requests(pkt, pktn);
	free(pkt);
	agent_start(bin, workers, level);

	/* the first attestation, and one call of each kind, off the clock */
	{
		struct caller w = { .mode = M_MIXED };

		if (!(w.kp = grpc_unary_client_open(kp_addr, &err)) || !call(&w, K_UNWRAP, &err) ||
		    !(w.gr = grpc_unary_client_open(gr_addr, &err)) || !call(&w, K_RESOURCE, &err))
			bench_die("warm-up call", err.msg);
		grpc_unary_client_close(w.kp);
		grpc_unary_client_close(w.gr);
	}

	if (h2) {
		bool ok;

		load("before");
		ok = run_h2load(mode == M_RESOURCE ? K_RESOURCE : K_UNWRAP, callers, per);
		load("after");
		printf("attested channels verdictd allowed: %ld\n",
		       bench_vd_count(&vd, "verdictd.log", "allowed sample peer"));
		agent_kill();
		if (!bench_vd_finish(&vd) || !ok)
			return 1;
		wr_free(&unwrap_req);
		wr_free(&resource_req);
		return 0;
	}
	cl = calloc((size_t)callers, sizeof(*cl));
	t = calloc((size_t)callers, sizeof(*t));
	total = (size_t)callers * (size_t)per;
	lat = calloc(total, sizeof(*lat));
	kinds = malloc(total);
	if (!cl || !t || !lat || !kinds)
		bench_die("out of memory", NULL);
	memset(kinds, K_FAILED, total); /* until answered */
	if (pthread_barrier_init(&ready, NULL, (unsigned)(cthreads ? cthreads : callers) + 1) != 0)
		bench_die("barrier", NULL);
	load("before");
	for (int i = 0; i < callers; i++)
		cl[i] = (struct caller){ .idx = i, .n = per, .mode = mode,
					 .lat = lat + (size_t)i * (size_t)per,
					 .kinds = kinds + (size_t)i * (size_t)per };
	if (cthreads) {
		if (!(th = calloc((size_t)cthreads, sizeof(*th))) ||
		    !(acalls = calloc((size_t)callers, sizeof(*acalls))))
			bench_die("out of memory", NULL);
		grpc_init();
		measure_async(cl, callers, cthreads, t, th, acalls);
	} else {
		for (int i = 0; i < callers; i++)
			if (pthread_create(&t[i], NULL, run, &cl[i]) != 0)
				bench_die("pthread_create", NULL);
	}
	pthread_barrier_wait(&ready);
	a0 = bench_proc_cpu(agent_pid);
	v0 = bench_proc_cpu(vd.pid);
	s0 = bench_self_cpu();
	t0 = bench_now();
	for (int i = 0; i < (cthreads ? cthreads : callers); i++)
		pthread_join(t[i], NULL);
	secs = bench_now() - t0;
	if (cthreads) {
		async_done(callers, cthreads, th, acalls);
		grpc_shutdown();
		printf("callers: %d channels from %d completion-queue threads\n", callers, cthreads);
	}
	a1 = bench_proc_cpu(agent_pid);
	v1 = bench_proc_cpu(vd.pid);
	s1 = bench_self_cpu();
	load("after");

	for (int i = 0; i < callers; i++)
		total_failed += cl[i].failed;
	answered = percentiles(lat, kinds, total, -1, &p50, &p99);
	printf("%s, %d callers x %d calls%s: %.0f calls/s, p50 %.2f ms, p99 %.2f ms, "
	       "%d failed\n", mode_name[mode], callers, per,
	       rtt_ms > 0 ? ", verdictd behind a link" : "", (double)answered / secs, p50,
	       p99, total_failed);
	if (rtt_ms > 0)
		printf("  (a link of %.2f ms round trip between the agent and verdictd)\n", rtt_ms);
	if (mode == M_MIXED)
		for (int k = K_UNWRAP; k <= K_RESOURCE; k++) {
			size_t m = percentiles(lat, kinds, total, k, &p50, &p99);

			printf("  %s: %zu calls, p50 %.2f ms, p99 %.2f ms\n", mode_name[k], m,
			       p50, p99);
		}
	printf("CPU per call made: agent %.0f us, verdictd %.0f us, callers %.0f us "
	       "(%.2f s of %.2f s wall)\n", (a1 - a0) / (double)total * 1e6,
	       (v1 - v0) / (double)total * 1e6, (s1 - s0) / (double)total * 1e6,
	       (a1 - a0) + (v1 - v0) + (s1 - s0), secs);
	attested = bench_vd_count(&vd, "verdictd.log", "allowed sample peer");
	printf("attested channels verdictd allowed: %ld\n", attested);
	for (int i = 0, shown = 0; i < callers && shown < 3; i++)
		if (cl[i].why[0]) {
			printf("  caller %d: %d failed, first: %s\n", i, cl[i].failed, cl[i].why);
			shown++;
		}

	agent_kill();
	if (keep) {
		kill(vd.pid, SIGTERM);
		waitpid(vd.pid, NULL, 0);
		vd.pid = 0;
		printf("kept %s\n", vd.dir);
	} else if (!bench_vd_finish(&vd)) {
		return 1;
	}
	pthread_barrier_destroy(&ready);
	free(th);
	free(acalls);
	wr_free(&unwrap_req);
	wr_free(&resource_req);
	free(cl);
	free(t);
	free(lat);
	free(kinds);
	return total_failed ? 1 : 0;
}
