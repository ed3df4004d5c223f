/* bench-keyrelease - key releases by a real verdictd (sample TEE, mutual),
 * their rate and latency, in three modes:
 *
 *   bench-keyrelease [-c CLIENTS] [-n RELEASES] [--persistent | --plain]
 *                    [--idle CHANNELS] [BIN_DIR]            (default build/bin)
 *
 * new channels (default): each release is a new connection, the attested
 *   handshake, the policy decision, a Decrypt request and its reply; with
 *   --plain, the same number of plain OpenSSL TLS 1.3 connections (same key
 *   type, mutual, same request and reply) in the same run, and the ratio
 *   (--plain-workers N: its accepting threads, by default two per core;
 *   --rounds R: the two alternate R times, by default 4);
 * --workers N: verdictd's worker threads (by default its own default);
 * --persistent: each client attests once, then sends its RELEASES Decrypt
 *   requests on that one channel (what an agent does after its first
 *   attestation); latency is per request, from write to reply;
 *   --client-threads T drives the clients' channels from T threads, each an
 *   epoll loop over its share (one request outstanding per channel, as
 *   with a thread each), instead of a blocking thread per client: a lighter
 *   load generator, as agents on other machines would be;
 * --idle N: N attested channels opened (one release each) and held; then
 *   verdictd's resident memory per channel from /proc, and the latency of
 *   new clients (connect to reply) while they are held.
 *
 * -c and -n are also --clients and --releases. Prints releases per second
 * and the p50/p99 latency. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "json_util.h"
#include "plain_tls.h"
#include "verdictd_run.h"
#include "rats-tls/api.h"

static struct bench_vd vd;
static char key_opt[300];
static int port;

/* verdictd's --workers (0: its default) */
static int vd_workers;

static void start(const char *bin, int max_conn, int idle)
{
	char maxc[16], idles[16], workers[16];
	const char *extra[] = { "--max-connections", maxc, "--idle-timeout", idles,
				vd_workers ? "--workers" : NULL, workers, NULL };

	snprintf(maxc, sizeof(maxc), "%d", max_conn);
	snprintf(idles, sizeof(idles), "%d", idle);
	snprintf(workers, sizeof(workers), "%d", vd_workers);
	bench_vd_start(&vd, bin, NULL, extra);
	port = vd.port;
}

static const char request[] =
	"{\"command\":\"Decrypt\",\"blobs\":[{\"kid\":\"default/key/1\",\"encrypted_data\":"
	"\"BOq7Hv6RPgTCtogbBK0sn8SuZYF9zN34WA==\",\"algorithm\":\"A256GCM\","
	"\"key_length\":256,\"iv\":\"MDEyMzQ1Njc4OTAx\"}]}";
/* verdictd's test vector, decrypted: base64 of "test_data" */
static const char expect[] = "dGVzdF9kYXRh";

static rats_tls_handle client_handle(void)
{
	const char *opts[] = { key_opt, NULL };
	rats_tls_conf_t conf = { .api_version = RATS_TLS_API_VERSION,
				 .flags = RATS_TLS_CONF_FLAGS_MUTUAL,
				 .log_level = RATS_TLS_LOG_LEVEL_NONE, .options = opts };
	rats_tls_handle h;

	strcpy(conf.attester_type, "sample");
	strcpy(conf.verifier_type, "nullverifier");
	return rats_tls_init(&conf, &h) == RATS_TLS_ERR_NONE ? h : NULL;
}

/* A new attested channel to verdictd, or NULL (*fd closed). */
static rats_tls_conn *channel(rats_tls_handle h, int *fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(0x7f000001) };
	rats_tls_conn *conn;
	int one = 1;

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	if (*fd < 0)
		return NULL;
	/* one small request at a time: do not let Nagle hold it back */
	setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(*fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    rats_tls_conn_open(h, *fd, &conn) != RATS_TLS_ERR_NONE) {
		close(*fd);
		*fd = -1;
		return NULL;
	}
	return conn;
}

/* One Decrypt request on the channel and its reply (copied to out if
 * given, for the plain baseline to answer the same bytes). */
static bool release(rats_tls_conn *conn, char *out, size_t cap)
{
	char buf[2048];
	size_t len = sizeof(request) - 1;

	if (rats_tls_conn_write(conn, request, &len) != RATS_TLS_ERR_NONE)
		return false;
	len = sizeof(buf) - 1;
	if (rats_tls_conn_read(conn, buf, &len) != RATS_TLS_ERR_NONE)
		return false;
	buf[len] = '\0';
	if (out && len < cap)
		memcpy(out, buf, len + 1);
	return strstr(buf, expect) != NULL;
}

/* A whole release on a new channel: connect to reply, then close. */
static bool release_new(rats_tls_handle h)
{
	int fd;
	rats_tls_conn *conn = channel(h, &fd);
	bool ok;

	if (!conn)
		return false;
	ok = release(conn, NULL, 0);
	rats_tls_conn_close(conn);
	close(fd);
	return ok;
}

enum mode { NEW, PERSISTENT, PLAIN };

struct client {
	enum mode mode;
	int n, failed;
	double *lat;
	rats_tls_handle *h;  /* this client's, kept from round to round */
};

static pthread_barrier_t ready;   /* every client set up: start the clock */
static SSL_CTX *plain_ctx;
static int plain_port;

static void *run(void *arg)
{
	struct client *c = arg;
	rats_tls_conn *conn = NULL;
	int fd = -1;

	/* the handle and its first channel (the client's attested
	 * certificate made) are set up outside the clock, as an agent's
	 * are before its first layer */
	if (c->mode != PLAIN && !*c->h && (!(*c->h = client_handle()) || !release_new(*c->h)))
		c->failed = c->n;
	if (c->mode == PERSISTENT && !c->failed && !(conn = channel(*c->h, &fd)))
		c->failed = c->n;
	pthread_barrier_wait(&ready);
	for (int i = 0; i < c->n && c->failed < c->n; i++) {
		double t0 = bench_now();
		bool ok = c->mode == PLAIN ? plain_release(plain_ctx, plain_port, request,
							   sizeof(request) - 1, expect)
			: c->mode == PERSISTENT ? release(conn, NULL, 0) : release_new(*c->h);

		c->lat[i] = bench_now() - t0;
		if (!ok)
			c->failed++;
	}
	if (conn) {
		rats_tls_conn_close(conn);
		close(fd);
	}
	return NULL;
}

/* ---- --client-threads: channels driven by epoll loops ---- */

struct evchan {
	rats_tls_conn *conn;
	int fd, done, n, failed;
	double t0, *lat;
	size_t have;
	char buf[2048];
};

struct evthread {
	struct evchan *ch;
	int nch;
};

static bool ev_send(struct evchan *c)
{
	size_t len = sizeof(request) - 1;

	c->t0 = bench_now();
	/* a small request on a socket whose buffer is empty: written whole */
	return rats_tls_conn_write(c->conn, request, &len) == RATS_TLS_ERR_NONE &&
	       len == sizeof(request) - 1;
}

/* A release ended (ok or not): record it, then send the next if any.
 * False once the channel is finished. */
static bool ev_next(struct evchan *c, bool ok)
{
	c->lat[c->done++] = bench_now() - c->t0;
	if (!ok)
		c->failed++;
	c->have = 0;
	if (c->done == c->n)
		return false;
	if (!ev_send(c)) {
		c->failed += c->n - c->done;
		return false;
	}
	return true;
}

/* Read what the channel has; false once it is finished or broken. */
static bool ev_readable(struct evchan *c)
{
	for (;;) {
		size_t len = sizeof(c->buf) - 1 - c->have;
		rats_tls_err_t rc = rats_tls_conn_read(c->conn, c->buf + c->have, &len);
		long frame;

		if (rc == EAA_E_WANT_READ || rc == EAA_E_WANT_WRITE)
			return true;
		if (rc != RATS_TLS_ERR_NONE || len == 0 ||
		    (c->have += len) == sizeof(c->buf) - 1 ||
		    (frame = json_frame(c->buf, c->have)) < 0) {
			c->failed += c->n - c->done;
			return false;
		}
		if (frame > 0) {
			c->buf[frame] = '\0';
			/* one request outstanding: nothing may follow the reply */
			if (!ev_next(c, (size_t)frame == c->have && strstr(c->buf, expect)))
				return false;
		}
	}
}

static void *run_events(void *arg)
{
	struct evthread *t = arg;
	struct epoll_event evs[64];
	int ep = epoll_create1(0), open = 0;

	if (ep < 0)
		bench_die("epoll_create1", NULL);
	for (int i = 0; i < t->nch; i++) {
		struct evchan *c = &t->ch[i];
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = c };

		if (!c->conn)
			continue;
		if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) != 0 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) != 0)
			bench_die("epoll_ctl", NULL);
	}
	pthread_barrier_wait(&ready);
	for (int i = 0; i < t->nch; i++) {
		if (t->ch[i].conn && ev_send(&t->ch[i]))
			open++;
		else
			t->ch[i].failed = t->ch[i].n;
	}
	while (open > 0) {
		int k = epoll_wait(ep, evs, 64, 10000);

		if (k <= 0) {
			fprintf(stderr, "bench-keyrelease: no reply in 10 s\n");
			for (int i = 0; i < t->nch; i++)
				t->ch[i].failed += t->ch[i].n - t->ch[i].done;
			break;
		}
		for (int i = 0; i < k; i++) {
			struct evchan *c = evs[i].data.ptr;

			if (!ev_readable(c)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				open--;
			}
		}
	}
	close(ep);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Latencies of every release in one mode, over one or more rounds. */
struct result {
	double *lat, seconds, rate, p50, p99;
	size_t count;
	int failed;
};

/* clients threads of n releases each in mode, their latencies appended to
 * r; the clock starts when they all have their channel (persistent) or at
 * once. */
static rats_tls_handle *handles; /* one per client */

static void measure(enum mode mode, int clients, int n, struct result *r)
{
	struct client *cl = calloc((size_t)clients, sizeof(*cl));
	pthread_t *t = calloc((size_t)clients, sizeof(*t));
	double t0;

	if (!cl || !t)
		bench_die("out of memory", NULL);
	if (pthread_barrier_init(&ready, NULL, (unsigned)clients + 1) != 0)
		bench_die("barrier", NULL);
	for (int i = 0; i < clients; i++) {
		cl[i] = (struct client){ mode, n, 0, r->lat + r->count + (size_t)i * (size_t)n,
					 &handles[i] };
		if (pthread_create(&t[i], NULL, run, &cl[i]) != 0)
			bench_die("pthread_create", NULL);
	}
	pthread_barrier_wait(&ready);
	t0 = bench_now();
	for (int i = 0; i < clients; i++) {
		pthread_join(t[i], NULL);
		r->failed += cl[i].failed;
	}
	r->seconds += bench_now() - t0;
	r->count += (size_t)clients * (size_t)n;
	pthread_barrier_destroy(&ready);
	free(cl);
	free(t);
}

/* The persistent mode with --client-threads: clients channels (each with
 * its own handle, attested outside the clock as in run()), n releases
 * each, driven by nthreads epoll loops; latencies appended to r. */
static void measure_events(int clients, int nthreads, int n, struct result *r)
{
	struct evchan *ch = calloc((size_t)clients, sizeof(*ch));
	struct evthread *et = calloc((size_t)nthreads, sizeof(*et));
	pthread_t *t = calloc((size_t)nthreads, sizeof(*t));
	double t0;

	if (!ch || !et || !t)
		bench_die("out of memory", NULL);
	for (int i = 0; i < clients; i++) {
		ch[i] = (struct evchan){ .n = n, .fd = -1,
					 .lat = r->lat + r->count + (size_t)i * (size_t)n };
		if (!(handles[i] = client_handle()) || !release_new(handles[i]) ||
		    !(ch[i].conn = channel(handles[i], &ch[i].fd)))
			bench_die("a client's first attested channel", NULL);
	}
	/* channel i to thread i % nthreads: each thread's share is a run of
	 * the array, so sort it that way */
	for (int k = 0, i = 0; k < nthreads; k++) {
		et[k].ch = ch + i;
		et[k].nch = clients / nthreads + (k < clients % nthreads);
		i += et[k].nch;
	}
	if (pthread_barrier_init(&ready, NULL, (unsigned)nthreads + 1) != 0)
		bench_die("barrier", NULL);
	for (int k = 0; k < nthreads; k++)
		if (pthread_create(&t[k], NULL, run_events, &et[k]) != 0)
			bench_die("pthread_create", NULL);
	pthread_barrier_wait(&ready);
	t0 = bench_now();
	for (int k = 0; k < nthreads; k++)
		pthread_join(t[k], NULL);
	r->seconds += bench_now() - t0;
	for (int i = 0; i < clients; i++) {
		/* a failed channel's unmeasured releases count as failed, not
		 * as latencies */
		for (int j = ch[i].done; j < n; j++)
			ch[i].lat[j] = 0;
		r->failed += ch[i].failed;
		rats_tls_conn_close(ch[i].conn);
		close(ch[i].fd);
	}
	r->count += (size_t)clients * (size_t)n;
	pthread_barrier_destroy(&ready);
	free(ch);
	free(et);
	free(t);
}

static void finish(struct result *r)
{
	qsort(r->lat, r->count, sizeof(*r->lat), cmp);
	r->rate = (double)r->count / r->seconds;
	r->p50 = r->lat[r->count / 2] * 1e3;
	r->p99 = r->lat[r->count * 99 / 100] * 1e3;
	free(r->lat);
}

static struct result new_result(int clients, int n)
{
	struct result r = { .lat = calloc((size_t)clients * (size_t)n, sizeof(double)) };

	if (!r.lat)
		bench_die("out of memory", NULL);
	return r;
}

static void print(const char *what, int clients, int n, struct result r)
{
	printf("%s: clients %d, %d releases each: %.0f releases/s, p50 %.2f ms, "
	       "p99 %.2f ms, %d failed\n", what, clients, n, r.rate, r.p50, r.p99, r.failed);
}

/* A field of /proc/PID/status in kB (or a count), -1 if absent. */
static long proc_status(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			v = atol(line + len + 1);
			break;
		}
	fclose(f);
	return v;
}

/* verdictd's resident anonymous memory in KiB, split into thread stacks
 * (mappings of exactly the default stack size, RLIMIT_STACK: glibc puts the
 * guard page beside it) and the rest (malloc's heap and arenas). */
static void proc_anon(pid_t pid, long *stacks, long *nstacks, long *other)
{
	char path[64], line[512];
	struct rlimit st;
	unsigned long lo, hi, stack_kib = 8192;
	int kind = 0; /* 0 not anonymous, 1 stack-sized, 2 other */
	FILE *f;

	if (getrlimit(RLIMIT_STACK, &st) == 0 && st.rlim_cur != RLIM_INFINITY)
		stack_kib = st.rlim_cur / 1024;
	*stacks = *nstacks = *other = 0;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char perm[8], name[256] = "";
		long kib;

		/* a mapping's first line; its fields' lines follow */
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perm, name) >= 3) {
			bool anon = !name[0] || !strcmp(name, "[heap]");

			kind = !anon || perm[0] != 'r' ? 0 : (hi - lo) / 1024 == stack_kib ? 1 : 2;
			if (kind == 1)
				(*nstacks)++;
		} else if (sscanf(line, "Rss: %ld kB", &kib) == 1) {
			if (kind == 1)
				*stacks += kib;
			else if (kind == 2)
				*other += kib;
		}
	}
	fclose(f);
}

struct opener {
	int from, to, failed;
	rats_tls_conn **conns;
	int *fds;
};

static void *open_some(void *arg)
{
	struct opener *o = arg;
	rats_tls_handle h = client_handle();

	for (int i = o->from; i < o->to; i++) {
		o->conns[i] = h ? channel(h, &o->fds[i]) : NULL;
		if (!o->conns[i] || !release(o->conns[i], NULL, 0))
			o->failed++;
	}
	/* the handle stays: its channels are still open (freed at exit) */
	return NULL;
}

/* Open n attested channels (one release each) from a few threads, hold
 * them, and measure verdictd's memory and a new client's latency. */
static int idle(pid_t pid, int n)
{
	enum { OPENERS = 8, PROBES = 50 };
	rats_tls_conn **conns = calloc((size_t)n, sizeof(*conns));
	int *fds = calloc((size_t)n, sizeof(*fds));
	struct opener o[OPENERS];
	pthread_t t[OPENERS];
	double lat[PROBES], t0, opened;
	long base, held, threads_base, threads_held, st0, nst0, heap0, st1, nst1, heap1;
	rats_tls_handle h = client_handle();
	int failed = 0;

	if (!conns || !fds || !h)
		bench_die("idle: setup", NULL);
	/* warm verdictd up (policy compiled, allocator arenas in use) */
	for (int i = 0; i < 64; i++)
		if (!release_new(h))
			bench_die("idle: warm-up release", NULL);
	base = proc_status(pid, "VmRSS");
	threads_base = proc_status(pid, "Threads");
	proc_anon(pid, &st0, &nst0, &heap0);
	t0 = bench_now();
	for (int i = 0; i < OPENERS; i++) {
		o[i] = (struct opener){ n * i / OPENERS, n * (i + 1) / OPENERS, 0, conns, fds };
		if (pthread_create(&t[i], NULL, open_some, &o[i]) != 0)
			bench_die("pthread_create", NULL);
	}
	for (int i = 0; i < OPENERS; i++) {
		pthread_join(t[i], NULL);
		failed += o[i].failed;
	}
	opened = bench_now() - t0;
	held = proc_status(pid, "VmRSS");
	threads_held = proc_status(pid, "Threads");
	proc_anon(pid, &st1, &nst1, &heap1);
	for (int i = 0; i < PROBES; i++) {
		double s = bench_now();

		if (!release_new(h))
			failed++;
		lat[i] = (bench_now() - s) * 1e3;
	}
	qsort(lat, PROBES, sizeof(*lat), cmp);
	printf("idle: %d attested channels opened in %.1f s (%d failed); verdictd RSS "
	       "%ld KiB before, %ld KiB held: %.1f KiB per channel; threads %ld -> %ld\n",
	       n, opened, failed, base, held, (double)(held - base) / n, threads_base,
	       threads_held);
	printf("idle: of which thread stacks %.1f KiB per channel (%ld -> %ld stack mappings), "
	       "heap and malloc arenas %.1f KiB per channel\n", (double)(st1 - st0) / n,
	       nst0, nst1, (double)(heap1 - heap0) / n);
	printf("idle: %d new clients one after another while held (connect to reply): "
	       "p50 %.2f ms, max %.2f ms\n", PROBES, lat[PROBES / 2], lat[PROBES - 1]);
	for (int i = 0; i < n; i++)
		if (conns[i]) {
			rats_tls_conn_close(conns[i]);
			close(fds[i]);
		}
	free(conns);
	free(fds);
	rats_tls_cleanup(h);
	return failed;
}

/* Enough descriptors for n channels here and in verdictd (inherited). */
static void raise_nofile(int n)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) != 0)
		bench_die("getrlimit", NULL);
	if (r.rlim_max != RLIM_INFINITY && r.rlim_max < (rlim_t)n + 256) {
		fprintf(stderr, "%s: --idle %d needs %d open files, the hard limit is %lu\n",
			program_invocation_short_name, n, n + 256, (unsigned long)r.rlim_max);
		exit(2);
	}
	r.rlim_cur = r.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &r) != 0)
		bench_die("setrlimit", NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [-c|--clients N] [-n|--releases N] [--persistent | --plain]\n"
		   "       [--idle CHANNELS] [--plain-workers N] [--rounds R] [--workers N]\n"
		   "       [--client-threads T (with --persistent)]\n"
		   "       [BIN_DIR]\n",
		program_invocation_short_name);
}

int main(int argc, char **argv)
{
	static const char key[] = "01234567890123456789012345678901";
	static const struct option longs[] = {
		{ "clients", required_argument, NULL, 'c' },
		{ "releases", required_argument, NULL, 'n' },
		{ "persistent", no_argument, NULL, 'p' },
		{ "plain", no_argument, NULL, 'P' },
		{ "plain-workers", required_argument, NULL, 'w' },
		{ "idle", required_argument, NULL, 'i' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "workers", required_argument, NULL, 'W' },
		{ "client-threads", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bin = "build/bin";
	int clients = 1, per = 200, idle_n = 0, workers = 0, rounds = 0, c, failed = 0;
	int client_threads = 0;
	bool persistent = false, plain = false;
	pid_t plain_pid = 0;
	char reply[2048];

	while ((c = getopt_long(argc, argv, "c:n:h", longs, NULL)) != -1) {
		switch (c) {
		case 'c': clients = atoi(optarg); break;
		case 'n': per = atoi(optarg); break;
		case 'p': persistent = true; break;
		case 'P': plain = true; break;
		case 'w': workers = atoi(optarg); break;
		case 'i': idle_n = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'W': vd_workers = atoi(optarg); break;
		case 'T': client_threads = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		bin = argv[optind++];
	if (optind < argc || clients < 1 || clients > 4096 || per < 1 || idle_n < 0 ||
	    idle_n + clients + 256 > 65536 /* verdictd's --max-connections bound */ ||
	    workers < 0 || rounds < 0 || vd_workers < 0 || vd_workers > 1024 ||
	    (persistent && plain) || client_threads < 0 || client_threads > clients ||
	    (client_threads && !persistent)) {
		usage(stderr);
		return 2;
	}
	/* a bounded pool, two accepting threads per core */
	if (!workers)
		workers = (int)sysconf(_SC_NPROCESSORS_ONLN) * 2;
	if (!rounds)
		rounds = plain ? 4 : 1;
	if (rounds > per) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(idle_n + clients);
	bench_vd_prepare(&vd, "bench-keyrelease", (const uint8_t *)key);
	snprintf(key_opt, sizeof(key_opt), "sample.key=%s/key.pem", vd.dir);
	/* room for every client and held channel, idle ones kept while the
	 * new clients are measured */
	start(bin, idle_n + clients + 256, idle_n ? 3600 : 60);

	if (!(handles = calloc((size_t)clients, sizeof(*handles))))
		bench_die("out of memory", NULL);
	if (idle_n) {
		failed += idle(vd.pid, idle_n);
	} else if (persistent) {
		struct result r = new_result(clients, per);

		double cpu0 = bench_proc_cpu(vd.pid), self0 = bench_self_cpu();

		if (client_threads)
			measure_events(clients, client_threads, per, &r);
		else
			measure(PERSISTENT, clients, per, &r);
		finish(&r);
		print(client_threads ? "persistent channels (epoll clients)" :
				       "persistent channels", clients, per, r);
		if (client_threads)
			printf("clients: %d channels on %d epoll threads\n", clients,
			       client_threads);
		/* what a release costs the server, whatever share of the
		 * cores it gets beside the clients on the same machine */
		printf("verdictd CPU: %.1f us per release; the clients': %.1f us\n",
		       (bench_proc_cpu(vd.pid) - cpu0) * 1e6 / ((double)clients * per),
		       (bench_self_cpu() - self0) * 1e6 / ((double)clients * per));
		failed += r.failed;
	} else {
		struct result a = new_result(clients, per), p = new_result(clients, per);

		if (plain) {
			/* the baseline answers the bytes verdictd answers */
			rats_tls_handle h = client_handle();
			int fd = -1;
			rats_tls_conn *conn = h ? channel(h, &fd) : NULL;

			if (!conn || !release(conn, reply, sizeof(reply)))
				bench_die("a first release for the baseline's reply", NULL);
			rats_tls_conn_close(conn);
			close(fd);
			rats_tls_cleanup(h);
			plain_pid = plain_server_start(workers, reply, &plain_port, &plain_ctx);
		}
		/* with the baseline, alternate in rounds, so that what else
		 * the machine runs weighs on both alike */
		for (int i = 0; i < rounds; i++) {
			int n = per * (i + 1) / rounds - per * i / rounds;

			if (plain)
				measure(PLAIN, clients, n, &p);
			measure(NEW, clients, n, &a);
		}
		finish(&a);
		if (plain) {
			finish(&p);
			print("plain TLS 1.3 (baseline)", clients, per, p);
			failed += p.failed;
		} else {
			free(p.lat);
		}
		print("new attested channels", clients, per, a);
		failed += a.failed;
		if (plain)
			printf("new attested channels / plain TLS 1.3: %.2fx; attested p99/p50 %.2f, "
			       "plain p99/p50 %.2f (plain server: %d accepting threads; %d rounds)\n",
			       a.rate / p.rate, a.p99 / a.p50, p.p99 / p.p50, workers, rounds);
	}
	for (int i = 0; i < clients; i++)
		if (handles[i])
			rats_tls_cleanup(handles[i]);
	free(handles);
	if (plain_pid) {
		kill(plain_pid, SIGTERM);
		waitpid(plain_pid, NULL, 0);
		SSL_CTX_free(plain_ctx);
	}
	if (!bench_vd_finish(&vd))
		return 1;
	return failed ? 1 : 0;
}
