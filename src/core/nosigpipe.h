/* nosigpipe.h - a write to a socket whose peer has gone raises SIGPIPE,
 * whose default action ends the process. A library must not kill its
 * caller for that: around each write it blocks SIGPIPE in the calling
 * thread, and a SIGPIPE the write raised is taken from the pending set
 * before the mask is restored (as libpq does); the write itself fails
 * with EPIPE, which the caller reports. OpenSSL's socket BIO writes with
 * write(2), so MSG_NOSIGNAL is not available to us. */
#ifndef EAA_NOSIGPIPE_H
#define EAA_NOSIGPIPE_H

#include <signal.h>
#include <stdbool.h>

struct sigpipe_guard {
	sigset_t old;
	bool was_pending, blocked;
};

void sigpipe_block(struct sigpipe_guard *g);
void sigpipe_restore(struct sigpipe_guard *g);

#endif
