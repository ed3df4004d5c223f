/* metrics.c - verdictd's counters and their Prometheus text endpoint,
 * served by libmicrohttpd (see metrics.h). It owns the counters only: it
 * never sees a request's bytes, a peer's claims or the store's contents,
 * just the labels the callers pick from the fixed sets. */
#include <fcntl.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "decide.h"
#include "log.h"
#include "metrics.h"

/* Latency buckets, in seconds: a key release on an open channel takes
 * well under a millisecond, a handshake with evidence some milliseconds, a
 * Rego decision anything up to the handshake deadline. */
static const double bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
				 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

/* Per bucket (not cumulative: summed when shown), the last one past every
 * bound; the sum in nanoseconds. */
struct hist {
	_Atomic uint64_t bucket[NBOUNDS + 1];
	_Atomic uint64_t sum_ns;
};

static const char *const hs_names[VD_HS_COUNT] = {
	"attested", "unattested", "refused", "failed", "timeout",
};
static const char *const status_names[VD_REPLY_STATUS_COUNT] = {
	"ok", "fail", "refused",
};

#define NTEE (VD_TEE_COUNT + 1)           /* the TEEs, then "unknown" */
#define NCMD (VD_EAA_NCOMMANDS + 1)       /* the commands, then "unknown" */

static struct {
	_Atomic int64_t open;
	_Atomic uint64_t total, rejected;
	_Atomic uint64_t handshakes[VD_HS_COUNT];
	_Atomic uint64_t decisions[NTEE][2]; /* [tee][allowed] */
	_Atomic uint64_t requests[NCMD][VD_REPLY_STATUS_COUNT];
	struct hist hs_time, decision_time, request_time[NCMD];
} m;

#define ADD(x, n) atomic_fetch_add_explicit(&(x), (n), memory_order_relaxed)
#define GET(x) atomic_load_explicit(&(x), memory_order_relaxed)

uint64_t vd_metrics_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void observe(struct hist *h, uint64_t since)
{
	uint64_t now = vd_metrics_clock(), ns = now > since ? now - since : 0;
	double s = (double)ns / 1e9;
	size_t i = 0;

	while (i < NBOUNDS && s > bounds[i])
		i++;
	ADD(h->bucket[i], 1);
	ADD(h->sum_ns, ns);
}

void vd_metrics_connection(int delta)
{
	ADD(m.open, delta);
	if (delta > 0)
		ADD(m.total, 1);
}

void vd_metrics_rejected(void)
{
	ADD(m.rejected, 1);
}

void vd_metrics_handshake(enum vd_hs_result r, uint64_t since)
{
	if ((unsigned)r >= VD_HS_COUNT)
		r = VD_HS_FAILED;
	ADD(m.handshakes[r], 1);
	observe(&m.hs_time, since);
}

void vd_metrics_decision(const char *verifier, bool allow, uint64_t since)
{
	enum vd_tee t;
	size_t i = vd_tee_of_verifier(verifier, &t) ? (size_t)t : VD_TEE_COUNT;

	ADD(m.decisions[i][allow], 1);
	observe(&m.decision_time, since);
}

void vd_metrics_request(int command, enum vd_reply_status status, uint64_t since)
{
	size_t c = command >= 0 && command < VD_EAA_NCOMMANDS ? (size_t)command :
		   VD_EAA_UNKNOWN;

	if ((unsigned)status >= VD_REPLY_STATUS_COUNT)
		status = VD_REPLY_FAIL;
	ADD(m.requests[c][status], 1);
	observe(&m.request_time[c], since);
}

/* ---- the text format ---- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name_bucket{labels,le=...}, name_sum, name_count; labels is "" or
 * `k="v",` (with its comma). */
static void hist_lines(FILE *f, const char *name, const char *labels, struct hist *h)
{
	uint64_t cum = 0, sum = GET(h->sum_ns);
	size_t i;

	for (i = 0; i < NBOUNDS; i++) {
		cum += GET(h->bucket[i]);
		fprintf(f, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels, bounds[i],
			(unsigned long long)cum);
	}
	cum += GET(h->bucket[NBOUNDS]);
	fprintf(f, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels, (unsigned long long)cum);
	/* the labels without their trailing comma */
	if (*labels)
		fprintf(f, "%s_sum{%.*s} %.9f\n%s_count{%.*s} %llu\n", name,
			(int)strlen(labels) - 1, labels, (double)sum / 1e9, name,
			(int)strlen(labels) - 1, labels, (unsigned long long)cum);
	else
		fprintf(f, "%s_sum %.9f\n%s_count %llu\n", name, (double)sum / 1e9, name,
			(unsigned long long)cum);
}

static const char *tee_label(size_t i)
{
	return i < VD_TEE_COUNT ? vd_tee_name((enum vd_tee)i) : "unknown";
}

static const char *command_label(size_t i)
{
	return i < VD_EAA_NCOMMANDS ? vd_eaa_commands[i] : "unknown";
}

char *vd_metrics_render(struct vd_store *s, size_t *len)
{
	char *text = NULL, labels[64];
	size_t i, j;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	family(f, "verdictd_connections_open", "gauge",
	       "Connections on the attestation listener being served now.");
	fprintf(f, "verdictd_connections_open %lld\n", (long long)GET(m.open));
	family(f, "verdictd_connections_total", "counter",
	       "Connections accepted on the attestation listener.");
	fprintf(f, "verdictd_connections_total %llu\n", (unsigned long long)GET(m.total));
	family(f, "verdictd_connections_rejected_total", "counter",
	       "Connections closed at accept because --max-connections were being served.");
	fprintf(f, "verdictd_connections_rejected_total %llu\n",
		(unsigned long long)GET(m.rejected));

	family(f, "verdictd_handshakes_total", "counter",
	       "TLS handshakes on the attestation listener, by how they ended.");
	for (i = 0; i < VD_HS_COUNT; i++)
		fprintf(f, "verdictd_handshakes_total{result=\"%s\"} %llu\n", hs_names[i],
			(unsigned long long)GET(m.handshakes[i]));
	family(f, "verdictd_handshake_duration_seconds", "histogram",
	       "From accept to the end of the handshake (evidence and policy included).");
	hist_lines(f, "verdictd_handshake_duration_seconds", "", &m.hs_time);

	family(f, "verdictd_decisions_total", "counter",
	       "Key-release decisions (in handshakes and after store changes), by TEE and result.");
	for (i = 0; i < NTEE; i++)
		for (j = 0; j < 2; j++)
			fprintf(f, "verdictd_decisions_total{tee=\"%s\",result=\"%s\"} %llu\n",
				tee_label(i), j ? "allowed" : "refused",
				(unsigned long long)GET(m.decisions[i][j]));
	family(f, "verdictd_decision_duration_seconds", "histogram",
	       "One decision: the TEE's policy evaluated over the peer's claims.");
	hist_lines(f, "verdictd_decision_duration_seconds", "", &m.decision_time);

	family(f, "verdictd_requests_total", "counter",
	       "EAA requests on attestation channels, by command and status.");
	for (i = 0; i < NCMD; i++)
		for (j = 0; j < VD_REPLY_STATUS_COUNT; j++)
			fprintf(f, "verdictd_requests_total{command=\"%s\",status=\"%s\"} %llu\n",
				command_label(i), status_names[j],
				(unsigned long long)GET(m.requests[i][j]));
	family(f, "verdictd_request_duration_seconds", "histogram",
	       "One EAA request, from its last byte to its reply, by command.");
	for (i = 0; i < NCMD; i++) {
		snprintf(labels, sizeof(labels), "command=\"%s\",", command_label(i));
		hist_lines(f, "verdictd_request_duration_seconds", labels, &m.request_time[i]);
	}

	family(f, "verdictd_policy_generation", "gauge",
	       "The store's generation: it grows on every write to policies, "
	       "reference values, keys or resources.");
	fprintf(f, "verdictd_policy_generation %llu\n",
		(unsigned long long)vd_store_generation(s));
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---- the endpoint ---- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned code, char *body,
			       size_t len, const char *type, bool owned)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ok;

	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ok = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ok;
}

/* GET /metrics and nothing else: any other path is 404, any other method
 * 405, and a request body is never read. */
static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload, size_t *upload_size, void **state)
{
	static char not_found[] = "not found: verdictd serves only /metrics here\n";
	static char not_allowed[] = "method not allowed: only GET and HEAD\n";
	const char *plain = "text/plain; charset=utf-8";
	char *text;
	size_t len;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed,
			       sizeof(not_allowed) - 1, plain, false);
	if (strcmp(url, "/metrics") != 0)
		return respond(c, MHD_HTTP_NOT_FOUND, not_found, sizeof(not_found) - 1,
			       plain, false);
	if (!(text = vd_metrics_render(cls, &len)))
		return MHD_NO;
	return respond(c, MHD_HTTP_OK, text, len,
		       "text/plain; version=0.0.4; charset=utf-8", true);
}

/* libmicrohttpd's complaints (a client over the connection limit, a
 * malformed request) are the client's problem, not the operator's: debug,
 * after the endpoint's name (cls). */
void vd_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[300];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	LOG_DEBUG("%s: %s", (const char *)cls, line);
}

bool vd_metrics_serve(int lfd, struct vd_store *s, unsigned max_conns, unsigned timeout,
		      struct eaa_err *err)
{
	struct MHD_Daemon *d;
	int fl = fcntl(lfd, F_GETFL);

	if (fl < 0 || fcntl(lfd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(lfd);
		return eaa_fail(err, EAA_E_IO, "metrics endpoint: cannot make its socket non-blocking");
	}
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     answer, s,
			     /* first, or MHD logs the options before it on its own */
			     MHD_OPTION_EXTERNAL_LOGGER, vd_mhd_log, "metrics endpoint",
			     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)lfd,
			     MHD_OPTION_CONNECTION_LIMIT, max_conns,
			     MHD_OPTION_CONNECTION_TIMEOUT, timeout,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
			     MHD_OPTION_END);
	if (!d) {
		close(lfd);
		return eaa_fail(err, EAA_E_IO, "metrics endpoint: libmicrohttpd did not start");
	}
	/* it serves until the process ends */
	return true;
}
