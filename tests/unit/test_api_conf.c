/* test_api_conf.c - what rats_tls_init accepts: instance options must name a
 * key their instance declares (a typo must not switch a check off). */
#include "rats-tls/api.h"
#include "test.h"

static rats_tls_conf_t client(const char *const *opts, rats_tls_log_level_t level)
{
	rats_tls_conf_t c = { .api_version = RATS_TLS_API_VERSION,
			      .log_level = level, .verifier_type = "nullverifier",
			      .options = opts };
	return c;
}

/* init with one option: the code, and the message in *msg. */
static rats_tls_err_t init_with(const char *opt, const char **msg)
{
	const char *opts[] = { opt, NULL };
	rats_tls_conf_t c = client(opts, RATS_TLS_LOG_LEVEL_NONE);
	rats_tls_handle h = NULL;
	rats_tls_err_t rc = rats_tls_init(&c, &h);

	*msg = rats_tls_last_error();
	if (rc == RATS_TLS_ERR_NONE)
		rats_tls_cleanup(h);
	return rc;
}

static void test_unknown_options(void)
{
	static const struct {
		const char *opt, *named;
	} bad[] = {
		/* the typo that used to turn pinning off */
		{ "tls.peer_pubky=/etc/eaa/broker.pem", "\"tls.peer_pubky\"" },
		{ "sgx_ecdsa.allow_no_colateral=1", "\"sgx_ecdsa.allow_no_colateral\"" },
		{ "sample.trusts=/x", "\"sample.trusts\"" },
		{ "sampel.key=/x", "no instance \"sampel\"" },
		{ "crypto.engine=x", "\"crypto.engine\"" },
		{ "tls.=x", "expected instance.key=value" },
		{ "tls=1", "expected instance.key=value" },
		{ "key=a.b", "expected instance.key=value" },
	};
	/* Keys some instance declares, whether or not it is in use. */
	static const char *const good[] = {
		"sample.key=/x",
		"sample.trust=/x", "sample.measurement=00", "tdx.collateral=/x",
		"tdx_ecdsa.tsm=/x", "tdx_ecdsa.allow_no_collateral=1",
		"sev_snp.vcek=/x", "sev_snp.product=Milan", "csv.hsk_cek=/x",
		"tpm.ak=/x", "tpm.tcti=swtpm",
	};
	const char *msg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rats_tls_err_t rc = init_with(bad[i].opt, &msg);

		CHECK_MSG(rc == EAA_E_CONFIG && strstr(msg, bad[i].named),
			  "%s: rc %d \"%s\", want config naming %s", bad[i].opt,
			  rc, msg, bad[i].named);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		rats_tls_err_t rc = init_with(good[i], &msg);

		CHECK_MSG(rc == RATS_TLS_ERR_NONE, "%s: %s", good[i], msg);
	}
}

int main(void)
{
	test_unknown_options();
	return test_summary();
}
