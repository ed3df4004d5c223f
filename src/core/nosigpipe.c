/* nosigpipe.c - SIGPIPE held back around socket writes (nosigpipe.h). */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include "nosigpipe.h"

static bool pipe_pending(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t pipe;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	g->blocked = pthread_sigmask(SIG_BLOCK, &pipe, &g->old) == 0;
	/* one that was already pending is the caller's, not ours to take */
	g->was_pending = g->blocked && pipe_pending();
}

void sigpipe_restore(struct sigpipe_guard *g)
{
	const struct timespec now = { 0, 0 };
	sigset_t pipe;
	int saved = errno;

	if (!g->blocked)
		return;
	if (!g->was_pending && pipe_pending()) {
		sigemptyset(&pipe);
		sigaddset(&pipe, SIGPIPE);
		while (sigtimedwait(&pipe, NULL, &now) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
	errno = saved;
}
