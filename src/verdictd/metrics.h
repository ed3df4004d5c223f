/* metrics.h - verdictd's counters and the Prometheus endpoint that shows
 * them (--metrics ADDR:PORT; docs/verdictd.md lists every metric).
 *
 * Counting is a relaxed atomic add into fixed arrays: any thread may count
 * at any time, with or without the endpoint running, and nothing allocates
 * or locks. Every label value comes from a fixed set below (the TEEs, the
 * EAA commands, the results), never from the bytes a peer sent, so the
 * number of series is bounded whatever peers do. The endpoint shows only
 * these numbers and the store's generation: no claims, names or keys. */
#ifndef EAA_VD_METRICS_H
#define EAA_VD_METRICS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include "eaa.h"
#include "err.h"
#include "store.h"

/* How a connection's TLS handshake ended. */
enum vd_hs_result {
	VD_HS_ATTESTED,   /* the peer's evidence verified and the policy allowed it */
	VD_HS_UNATTESTED, /* no evidence asked (verdictd runs without --mutual) */
	VD_HS_REFUSED,    /* evidence verified, the TEE's policy refused it */
	VD_HS_FAILED,     /* TLS or evidence verification failed */
	VD_HS_TIMEOUT,    /* the handshake deadline passed */
	VD_HS_COUNT
};

/* A monotonic timestamp, to pass back to the counters below. */
uint64_t vd_metrics_clock(void);

/* A connection on the attestation listener began (+1) or ended (-1). */
void vd_metrics_connection(int delta);
/* A connection closed at accept: --max-connections were being served. */
void vd_metrics_rejected(void);
/* A handshake that began at `since` ended with `r`. */
void vd_metrics_handshake(enum vd_hs_result r, uint64_t since);
/* A decision, begun at `since`, on evidence that `verifier` checked. */
void vd_metrics_decision(const char *verifier, bool allow, uint64_t since);
/* A request, from its complete frame (at `since`) to its reply, for
 * command (vd_eaa_commands[] index; VD_EAA_UNKNOWN) with status. */
void vd_metrics_request(int command, enum vd_reply_status status, uint64_t since);

/* Serve GET /metrics on the listening socket lfd (taken over, closed on
 * failure) from a thread of its own, reading the generation from s; at
 * most max_conns connections at once, each closed after timeout seconds
 * idle. */
bool vd_metrics_serve(int lfd, struct vd_store *s, unsigned max_conns, unsigned timeout,
		      struct eaa_err *err);

/* The exposition text (Prometheus text format 0.0.4), malloc'd; NULL when
 * memory runs out. */
char *vd_metrics_render(struct vd_store *s, size_t *len);

/* libmicrohttpd's external logger for verdictd's endpoints (cls: the
 * endpoint's name, a static string): its lines at debug level. */
void vd_mhd_log(void *cls, const char *fmt, va_list ap) EAA_PRINTF(2, 0);

#endif
