/* test_vd_metrics.c - verdictd's counters as text (metrics.h): each call
 * lands in its series, and what a peer could choose (a verifier name, a
 * command index or status out of range) lands in a fixed "unknown" or
 * "fail" series, never in a label of its own. The text format itself is
 * read by Prometheus's parser in tests/integration/test_metrics.sh. */
#include <stdlib.h>
#include "metrics.h"
#include "test.h"

static struct vd_store *s;

/* The value of the sample line that starts with `series ` in a fresh
 * rendering; -1 if there is none. */
static long long value(const char *series)
{
	size_t len, n = strlen(series);
	char *text = vd_metrics_render(s, &len), *p;
	long long v = -1;

	for (p = text; p && (p = strstr(p, series)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == ' ') {
			v = atoll(p + n + 1);
			break;
		}
	free(text);
	return v;
}

static bool lacks(const char *part)
{
	size_t len;
	char *text = vd_metrics_render(s, &len);
	bool ok = text && !strstr(text, part) && strlen(text) == len;

	free(text);
	return ok;
}

int main(void)
{
	char root[] = "/tmp/vd-metrics-XXXXXX";
	struct eaa_err err;
	uint64_t t0;

	if (!mkdtemp(root) || !(s = vd_store_open(root, &err)))
		return 1;
	t0 = vd_metrics_clock();
	CHECK(value("verdictd_connections_total") == 0);
	vd_metrics_connection(1);
	vd_metrics_connection(1);
	vd_metrics_connection(-1);
	vd_metrics_rejected();
	CHECK(value("verdictd_connections_total") == 2);
	CHECK(value("verdictd_connections_open") == 1);
	CHECK(value("verdictd_connections_rejected_total") == 1);

	vd_metrics_handshake(VD_HS_ATTESTED, t0);
	vd_metrics_handshake(VD_HS_TIMEOUT, t0);
	vd_metrics_handshake((enum vd_hs_result)42, t0);
	CHECK(value("verdictd_handshakes_total{result=\"attested\"}") == 1);
	CHECK(value("verdictd_handshakes_total{result=\"timeout\"}") == 1);
	CHECK(value("verdictd_handshakes_total{result=\"failed\"}") == 1);
	CHECK(value("verdictd_handshake_duration_seconds_count") == 3);
	CHECK(value("verdictd_handshake_duration_seconds_bucket{le=\"+Inf\"}") == 3);

	vd_metrics_decision("sample", true, t0);
	vd_metrics_decision("sgx_ecdsa", false, t0);
	vd_metrics_decision("tdx", false, t0);
	vd_metrics_decision("evil\"} 1\nverdictd_x", false, t0);
	vd_metrics_decision(NULL, false, t0);
	CHECK(value("verdictd_decisions_total{tee=\"sample\",result=\"allowed\"}") == 1);
	CHECK(value("verdictd_decisions_total{tee=\"sgx\",result=\"refused\"}") == 1);
	CHECK(value("verdictd_decisions_total{tee=\"tdx\",result=\"refused\"}") == 1);
	CHECK(value("verdictd_decisions_total{tee=\"unknown\",result=\"refused\"}") == 2);
	CHECK(value("verdictd_decision_duration_seconds_count") == 5);
	CHECK(lacks("evil") && lacks("verdictd_x"));

	vd_metrics_request(2, VD_REPLY_OK, t0);              /* Decrypt */
	vd_metrics_request(VD_EAA_UNKNOWN, VD_REPLY_REFUSED, t0);
	vd_metrics_request(-1, VD_REPLY_OK, t0);
	vd_metrics_request(1000, (enum vd_reply_status)9, t0);
	CHECK(value("verdictd_requests_total{command=\"Decrypt\",status=\"ok\"}") == 1);
	CHECK(value("verdictd_requests_total{command=\"unknown\",status=\"refused\"}") == 1);
	CHECK(value("verdictd_requests_total{command=\"unknown\",status=\"ok\"}") == 1);
	CHECK(value("verdictd_requests_total{command=\"unknown\",status=\"fail\"}") == 1);
	CHECK(value("verdictd_request_duration_seconds_count{command=\"unknown\"}") == 3);
	CHECK(value("verdictd_request_duration_seconds_count{command=\"Decrypt\"}") == 1);
	CHECK(value("verdictd_request_duration_seconds_count{command=\"Get KEK\"}") == 0);

	/* every write raises the generation the endpoint shows */
	{
		long long g = value("verdictd_policy_generation");
		static const uint8_t key[32];

		CHECK(g >= 0);
		CHECK(vd_key_set(s, "default/key/1", key, &err));
		CHECK(value("verdictd_policy_generation") > g);
	}
	vd_store_close(s);
	test_rm_rf(root);
	return test_summary();
}
