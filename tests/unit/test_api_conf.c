/* test_api_conf.c - what rats_tls_init accepts: instance options must name a
 * key their instance declares (a typo must not switch a check off), and a
 * handle's log level governs that handle's messages only, never the
 * program's level nor another handle's. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "log.h"
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
		"tpm.ak=/x", "tpm.tcti=swtpm", "tls.fresh=1", "tls.fresh=0",
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

/* Everything written to stderr while fn runs. */
static char *stderr_of(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/eaa-log-XXXXXX", *buf = calloc(1, 4096);
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	if (!buf || fd < 0 || saved < 0)
		exit(2);
	fflush(stderr);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, 4095, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

/* A call that fails on the handle: the failure is logged at debug. */
static void bad_open(void *h)
{
	rats_tls_conn *c;

	rats_tls_conn_open(h, -1, &c);
}

static void program_logs(void *arg)
{
	(void)arg;
	LOG_WARN("program warn");
	LOG_ERROR("program error");
}

static void test_log_level_per_handle(void)
{
	rats_tls_conf_t loud = client(NULL, RATS_TLS_LOG_LEVEL_DEBUG);
	rats_tls_conf_t quiet = client(NULL, RATS_TLS_LOG_LEVEL_NONE);
	rats_tls_handle a = NULL, b = NULL;
	char *out;

	eaa_log_set_level(EAA_LOG_ERROR); /* the program's own choice */
	CHECK(rats_tls_init(&loud, &a) == RATS_TLS_ERR_NONE);
	CHECK(rats_tls_init(&quiet, &b) == RATS_TLS_ERR_NONE);
	if (!a || !b)
		return;
	CHECK_MSG(eaa_log_get_level() == EAA_LOG_ERROR,
		  "a handle changed the program's level to %d", eaa_log_get_level());

	/* a was made first, b last: each still logs at its own level. */
	out = stderr_of(bad_open, a);
	CHECK_MSG(strstr(out, "[debug] rats_tls_conn_open: bad argument"),
		  "debug handle logged \"%s\"", out);
	free(out);
	out = stderr_of(bad_open, b);
	CHECK_MSG(out[0] == '\0', "silent handle logged \"%s\"", out);
	free(out);

	/* and the program's messages follow the program's level */
	out = stderr_of(program_logs, NULL);
	CHECK_MSG(!strstr(out, "program warn") && strstr(out, "program error"),
		  "program logged \"%s\"", out);
	free(out);

	/* a level outside the enum is refused, not ignored */
	loud.log_level = (rats_tls_log_level_t)42;
	CHECK(rats_tls_init(&loud, &a) == EAA_E_CONFIG &&
	      strstr(rats_tls_last_error(), "log_level"));
	rats_tls_cleanup(a);
	rats_tls_cleanup(b);
}

int main(void)
{
	test_unknown_options();
	test_log_level_per_handle();
	return test_summary();
}
