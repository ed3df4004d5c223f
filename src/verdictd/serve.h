/* serve.h - verdictd's serving core: the attestation listener (attested
 * TLS, the EAA protocol) and the client API (verdict), served by one event
 * loop and a bounded pool of worker threads.
 *
 * The loop is one epoll instance that the workers wait on together; each
 * socket is registered one-shot, so exactly one worker owns a connection
 * while it is being served, and none while it waits for bytes. A worker
 * takes the next ready socket, does what can be done without blocking (a
 * handshake step, which may verify evidence and decide the policy; reading
 * a request; answering it; writing the reply), and re-arms the socket for
 * what it waits on next. An idle channel therefore costs its TLS state, its
 * decision record and no thread; a slow or stalled peer holds no worker.
 *
 * Deadlines are deadline.h's, absolute: the handshake from accept, the
 * request from its first byte to its reply, idle time, and the channel's
 * lifetime; the reaper shuts a late socket down and the worker its event
 * wakes closes it. The connection caps are the reaper tables' sizes:
 * beyond them a new socket is closed at once.
 *
 * Decisions: the claims callback (vd_serve_claims_cb) fills the decision
 * record of the channel whose handshake step is running on that thread;
 * the channel is served only as that record says, and the record is taken
 * again before a request when the store or the policy changed
 * (decide.h). */
#ifndef EAA_VD_SERVE_H
#define EAA_VD_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include "decide.h"
#include "deadline.h"
#include "resource_policy.h"
#include "store.h"
#include "rats-tls/api.h"

struct vd_serve_conf {
	rats_tls_handle handle;  /* a server handle whose claims_cb is
				    vd_serve_claims_cb (arg: decider) */
	bool mutual;             /* agents present evidence (--mutual) */
	struct vd_store *store;
	struct vd_decider *decider;
	struct vd_rpolicy *rpolicy;
	size_t max_request;      /* one EAA request's bytes */
	int idle_timeout, handshake_timeout, request_timeout, channel_ttl;
	struct vd_watch *conns;  /* the attestation listener's table (cap) */
	int max_connections;     /* its size, for the log line */
	int workers;             /* threads serving both listeners */
	int lfd;                 /* the attestation listener's socket */
	int api_lfd;             /* the client API's, or -1 */
	struct vd_watch *api_conns; /* with api_lfd */
	const char *token;       /* the client API token (64 hex digits) */
};

/* The client API: connections at once, and the deadline of each (from
 * accept to its reply). */
#define VD_API_MAX_CONNECTIONS 16
#define VD_API_DEADLINE 30

/* The default worker count: twice the online CPUs, at least 4. */
int vd_serve_default_workers(void);

/* rats_tls_conf_t.claims_cb for verdictd's handle; claims_cb_arg is the
 * decider. It decides the peer (decide.h), logs the decision in one line
 * and counts it; 0 (accept) only when the decision allows. */
int vd_serve_claims_cb(void *decider, const rats_tls_claims_t *claims);

/* The event loop with its listeners and conf->workers - 1 worker threads,
 * already serving; false (err filled) when it cannot start. conf must
 * outlive the process. */
bool vd_serve_start(const struct vd_serve_conf *conf, struct eaa_err *err);
/* The calling thread becomes the last worker; never returns. */
void vd_serve_run(void);

#endif
