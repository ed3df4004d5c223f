/* deadline.c - connection deadlines enforced by one reaper thread (see
 * deadline.h). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include "deadline.h"
#include "log.h"

struct slot {
	int fd;
	bool used, expired;
	int64_t deadline, limit; /* CLOCK_MONOTONIC, ms */
	const char *why;
};

struct vd_watch {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t reaper;
	const char *what;
	int64_t next; /* when the reaper wakes next */
	size_t cap, used;
	struct slot slots[];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *reap(void *arg)
{
	struct vd_watch *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		int64_t now = now_ms(), next = now + 1000;
		struct timespec until;
		size_t i;

		for (i = 0; i < w->cap; i++) {
			struct slot *s = &w->slots[i];

			if (!s->used || s->expired)
				continue;
			if (s->deadline <= now) {
				/* wakes the handler blocked on the socket; it
				 * closes the descriptor itself */
				shutdown(s->fd, SHUT_RDWR);
				s->expired = true;
				LOG_WARN("%s: closing a connection: %s deadline passed",
					 w->what, s->why);
			} else if (s->deadline < next) {
				next = s->deadline;
			}
		}
		w->next = next;
		until.tv_sec = next / 1000;
		until.tv_nsec = (next % 1000) * 1000000;
		pthread_cond_timedwait(&w->wake, &w->lock, &until);
	}
	return NULL;
}

struct vd_watch *vd_watch_new(size_t cap, const char *what)
{
	struct vd_watch *w = calloc(1, sizeof(*w) + cap * sizeof(struct slot));
	pthread_condattr_t ca;

	if (!w)
		return NULL;
	w->cap = cap;
	w->what = what;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->reaper, NULL, reap, w) != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	pthread_detach(w->reaper);
	return w;
}

/* Called with the lock held: the reaper sleeps until w->next, so an
 * earlier deadline wakes it. */
static void arm(struct vd_watch *w, struct slot *s, int seconds, const char *why)
{
	int64_t d = now_ms() + (int64_t)seconds * 1000;

	if (s->limit && d > s->limit) {
		d = s->limit;
		why = "channel lifetime";
	}
	s->deadline = d;
	s->why = why;
	if (d < w->next)
		pthread_cond_signal(&w->wake);
}

int vd_watch_add(struct vd_watch *w, int fd, int seconds, const char *why)
{
	size_t i;
	int slot = -1;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->cap && w->used < w->cap; i++)
		if (!w->slots[i].used) {
			w->slots[i] = (struct slot){ .fd = fd, .used = true };
			arm(w, &w->slots[i], seconds, why);
			w->used++;
			slot = (int)i;
			break;
		}
	pthread_mutex_unlock(&w->lock);
	return slot;
}

void vd_watch_set(struct vd_watch *w, int slot, int seconds, const char *why)
{
	pthread_mutex_lock(&w->lock);
	if (!w->slots[slot].expired)
		arm(w, &w->slots[slot], seconds, why);
	pthread_mutex_unlock(&w->lock);
}

void vd_watch_limit(struct vd_watch *w, int slot, int seconds)
{
	struct slot *s = &w->slots[slot];

	pthread_mutex_lock(&w->lock);
	s->limit = now_ms() + (int64_t)seconds * 1000;
	if (!s->expired && s->deadline > s->limit)
		arm(w, s, seconds, "channel lifetime");
	pthread_mutex_unlock(&w->lock);
}

bool vd_watch_expired(struct vd_watch *w, int slot)
{
	bool e;

	pthread_mutex_lock(&w->lock);
	e = w->slots[slot].expired;
	pthread_mutex_unlock(&w->lock);
	return e;
}

void vd_watch_remove(struct vd_watch *w, int slot)
{
	pthread_mutex_lock(&w->lock);
	w->slots[slot].used = false;
	w->used--;
	pthread_mutex_unlock(&w->lock);
}

size_t vd_watch_count(struct vd_watch *w)
{
	size_t n;

	pthread_mutex_lock(&w->lock);
	n = w->used;
	pthread_mutex_unlock(&w->lock);
	return n;
}
