/* fanout.c - read a stream once, hash it on helper threads (fanout.h).
 *
 * The caller's thread reads chunk i into slot i % RING, publishes it
 * (produced = i + 1), then runs each() on it. A sink's thread hashes
 * chunks in order and counts them in done. Slot i % RING is read again
 * for chunk i + RING only when every sink's done has passed i, and each()
 * ran on the caller's thread before that, so no chunk is overwritten
 * while someone still reads it. */
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fanout.h"

#define CHUNK (256u * 1024u)
#define RING 8u

struct fanout {
	pthread_mutex_t mu;
	pthread_cond_t moved; /* produced, done, eof or stop changed */
	uint8_t *buf;         /* RING slots of CHUNK bytes */
	size_t len[RING];
	uint64_t produced;    /* chunks published */
	bool eof;             /* nothing more will be published */
	bool stop;            /* give up: a sink or the caller failed */
};

struct worker {
	struct fanout *f;
	struct fanout_sink *sink;
	uint64_t done; /* chunks hashed (under f->mu) */
	bool threaded, failed;
	pthread_t tid;
};

static bool sink_update(const struct fanout_sink *s, const uint8_t *p, size_t n)
{
	return s->md ? EVP_DigestUpdate(s->md, p, n) == 1 : EVP_MAC_update(s->mac, p, n) == 1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct fanout *f = w->f;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		uint64_t i;
		size_t n;
		bool ok;

		while (w->done == f->produced && !f->eof && !f->stop)
			pthread_cond_wait(&f->moved, &f->mu);
		if (f->stop || w->done == f->produced)
			break;
		i = w->done;
		n = f->len[i % RING];
		pthread_mutex_unlock(&f->mu);
		ok = sink_update(w->sink, f->buf + (size_t)(i % RING) * CHUNK, n);
		pthread_mutex_lock(&f->mu);
		w->done = i + 1;
		if (!ok)
			w->failed = f->stop = true;
		pthread_cond_broadcast(&f->moved);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* Under f->mu: may chunk i go into its slot (every sink done with i - RING)? */
static bool slot_free(const struct worker *w, size_t nsinks, uint64_t i)
{
	for (size_t k = 0; k < nsinks; k++)
		if (w[k].done + RING <= i)
			return false;
	return true;
}

static bool read_chunk(int fd, uint8_t *p, size_t *n, const char *what, struct eaa_err *err)
{
	ssize_t got;

	do
		got = read(fd, p, CHUNK);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return eaa_fail(err, EAA_E_IO, "reading %s: %s", what, strerror(errno));
	*n = (size_t)got;
	return true;
}

bool fanout_run(int fd, const char *what, struct fanout_sink *sinks, size_t nsinks,
		fanout_each each, void *arg, struct eaa_err *err)
{
	struct fanout f = { .produced = 0 };
	struct worker w[FANOUT_MAX_SINKS];
	bool ok = true, failed = false;
	size_t k;

	if (nsinks > FANOUT_MAX_SINKS)
		return eaa_fail(err, EAA_E_INVALID, "fanout: %zu sinks (at most %d)", nsinks,
				FANOUT_MAX_SINKS);
	f.buf = malloc((size_t)RING * CHUNK);
	if (!f.buf)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.moved, NULL);
	memset(w, 0, sizeof(w));
	for (k = 0; k < nsinks; k++) {
		w[k].f = &f;
		w[k].sink = &sinks[k];
		w[k].threaded = pthread_create(&w[k].tid, NULL, worker_main, &w[k]) == 0;
	}
	for (uint64_t i = 0;; i++) {
		uint8_t *slot = f.buf + (size_t)(i % RING) * CHUNK;
		size_t n = 0;
		bool stop;

		pthread_mutex_lock(&f.mu);
		while (!f.stop && !slot_free(w, nsinks, i))
			pthread_cond_wait(&f.moved, &f.mu);
		stop = f.stop;
		pthread_mutex_unlock(&f.mu);
		if (stop || !read_chunk(fd, slot, &n, what, err)) {
			ok = false;
			break;
		}
		if (n == 0)
			break;
		pthread_mutex_lock(&f.mu);
		f.len[i % RING] = n;
		f.produced = i + 1;
		pthread_cond_broadcast(&f.moved);
		pthread_mutex_unlock(&f.mu);
		for (k = 0; k < nsinks; k++) {
			if (w[k].threaded)
				continue;
			pthread_mutex_lock(&f.mu);
			if (!sink_update(w[k].sink, slot, n))
				w[k].failed = f.stop = true;
			w[k].done = i + 1;
			pthread_mutex_unlock(&f.mu);
		}
		if (!each(arg, slot, n, err)) {
			ok = false;
			break;
		}
	}
	pthread_mutex_lock(&f.mu);
	f.eof = true;
	if (!ok)
		f.stop = true;
	pthread_cond_broadcast(&f.moved);
	pthread_mutex_unlock(&f.mu);
	for (k = 0; k < nsinks; k++) {
		if (w[k].threaded)
			pthread_join(w[k].tid, NULL);
		failed |= w[k].failed;
	}
	if (failed)
		ok = eaa_fail_ssl(err, EAA_E_CRYPTO, what);
	pthread_cond_destroy(&f.moved);
	pthread_mutex_destroy(&f.mu);
	free(f.buf);
	return ok;
}
