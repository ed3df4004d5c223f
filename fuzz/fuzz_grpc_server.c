/* fuzz_grpc_server - the gRPC server (src/grpc/server.c) over arbitrary
 * bytes from a caller: after HTTP/2's client preface, the input is what
 * the caller sends (frames as they come: nghttp2 parses them, our
 * callbacks gather requests, check headers and message framing, and
 * answer). The loop's functions run here, in one thread, against one end
 * of a socket pair; the handler echoes a bounded part of the request, or
 * refuses one that starts with 'x' (a message with bytes gRPC percent-
 * encodes). It must never crash, leak, or hold more request bytes than
 * its quota; every call it takes is answered or dropped with its stream. */
#include <sys/ioctl.h>
#include "../src/grpc/server.c"

static bool echo(void *arg, const char *method, const uint8_t *req, size_t n,
		 struct wr *reply, struct eaa_err *err)
{
	(void)arg;
	(void)method;
	if (n && req[0] == 'x')
		return eaa_fail(err, EAA_E_REJECTED, "refused: %% \x01 \xff %.*s", (int)n,
				(const char *)req);
	wr_bytes(reply, req, n > 64 ? 64 : n);
	return true;
}

static struct grpc_unary_server *server(void)
{
	static struct grpc_unary_server *g;

	if (g)
		return g;
	eaa_log_set_level(EAA_LOG_ERROR);
	g = calloc(1, sizeof(*g));
	g->lim.workers = 1;
	g->lim.max_message = 4096;
	g->lim.recv_timeout_s = 10;
	g->quota = (g->lim.max_message + PREFIX) * 2;
	g->fn = echo;
	snprintf(g->what, sizeof(g->what), "fuzz");
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->work, NULL);
	pthread_cond_init(&g->idle, NULL);
	g->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	return g;
}

/* What the server wrote, read and dropped so its socket never fills. */
static void drain(int fd)
{
	uint8_t buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	struct grpc_unary_server *g = server();
	struct conn *c;
	int sv[2];
	size_t off = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
		return 0;
	if (!(c = conn_new(g, sv[0]))) {
		close(sv[1]);
		return 0;
	}
	(void)!write(sv[1], preface, sizeof(preface) - 1);
	/* the input in pieces of at most 4 KiB, each read, answered and
	 * written as one turn of the loop would */
	for (;;) {
		size_t n = size - off > 4096 ? 4096 : size - off;
		ssize_t w = n ? write(sv[1], data + off, n) : 0;
		int pending;

		if (w < 0)
			break;
		off += (size_t)w;
		while (ioctl(c->fd, FIONREAD, &pending) == 0 && pending > 0)
			if (!conn_read(c)) {
				c->dead = true;
				break;
			}
		/* the workers' part, here: every queued call served */
		while (g->qhead) {
			struct grpc_unary_call *k = g->qhead;

			g->qhead = k->next;
			if (!g->qhead)
				g->qtail = NULL;
			k->state = C_RUNNING;
			serve(g, k);
			k->state = C_DONE;
			k->next = g->done;
			g->done = k;
		}
		deliver(g);
		touch(c);
		flush_dirty(g); /* may close c */
		drain(sv[1]);
		if (!g->conns || off == size)
			break;
	}
	while (g->conns)
		conn_close(g->conns);
	g->dirty = NULL;
	if (g->held != 0)
		abort(); /* request bytes counted but not given back */
	close(sv[1]);
	return 0;
}
