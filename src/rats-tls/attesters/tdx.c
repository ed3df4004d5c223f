/* attesters/tdx.c - the `tdx_ecdsa` attester: a TDX quote from the kernel's
 * configfs-tsm interface, or on kernels without it from the /dev/tdx_guest
 * quote ioctl, its report_data set to what librats-tls binds.
 *
 * Options:
 *   tdx_ecdsa.tsm=PATH     configfs-tsm report directory (default
 *                          /sys/kernel/config/tsm/report), or an existing
 *                          report entry to reuse (tests point it at an
 *                          emulation); naming it disables the fallback
 *   tdx_ecdsa.device=PATH  the legacy device (default /dev/tdx_guest), used
 *                          when the default configfs-tsm directory is absent
 * The quote is parsed before it leaves: a TSM that answered with another
 * TEE's report or other report_data is an error here, not at the peer.
 * Chosen automatically when /dev/tdx_guest exists. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "internal.h"
#include "quote.h"
#include "tdx_legacy.h"
#include "tsm.h"

struct tdx_attester {
	char *tsm;
	char *device;
	bool tsm_named;
};

static bool tdx_detect(void)
{
	return access("/dev/tdx_guest", F_OK) == 0;
}

static void tdx_cleanup(void *state)
{
	struct tdx_attester *s = state;

	if (s) {
		free(s->tsm);
		free(s->device);
	}
	free(s);
}

static bool tdx_init(const struct rats_opts *opts, void **state,
		     struct eaa_err *err)
{
	const char *tsm = rats_opt(opts, "tdx_ecdsa", "tsm");
	const char *dev = rats_opt(opts, "tdx_ecdsa", "device");
	struct tdx_attester *s = calloc(1, sizeof(*s));

	if (!s || !(s->tsm = strdup(tsm ? tsm : TSM_DEFAULT_ROOT)) ||
	    !(s->device = strdup(dev ? dev : "/dev/tdx_guest"))) {
		tdx_cleanup(s);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	s->tsm_named = tsm != NULL;
	*state = s;
	return true;
}

static bool tdx_collect(void *state, const uint8_t user_data[RATS_USER_DATA_LEN],
			struct wr *evidence, struct wr *endorsements, struct eaa_err *err)
{
	struct tdx_attester *s = state;
	struct quote q;
	size_t start = evidence->len;
	struct stat st;

	/* configfs-tsm when present (or named); else the legacy ioctl. */
	if (s->tsm_named || stat(s->tsm, &st) == 0) {
		if (!tsm_report(s->tsm, "tdx_guest", user_data,
				RATS_USER_DATA_LEN, QUOTE_MAX_LEN, evidence, NULL, 0,
				err))
			return eaa_err_prefix(err, "tdx_ecdsa attester");
	} else if (!tdx_legacy_quote(s->device, user_data, evidence, err)) {
		return eaa_err_prefix(err, "tdx_ecdsa attester (no %s)", s->tsm);
	}
	if (!quote_parse(evidence->buf + start, evidence->len - start, &q, err))
		return eaa_err_prefix(err, "tdx_ecdsa attester: the TSM's "
				      "report");
	if (q.tee_type != QUOTE_TEE_TDX)
		return eaa_fail(err, EAA_E_TEE_MISMATCH, "tdx_ecdsa attester: "
				"the TSM returned a %s quote", quote_tee_name(&q));
	if (CRYPTO_memcmp(q.tdx.report_data, user_data, 64) != 0)
		return eaa_fail(err, EAA_E_BINDING, "tdx_ecdsa attester: the "
				"TSM's quote carries other report_data than we "
				"wrote");
	return true;
}

static const char *const attester_keys[] = { "tsm", "device", NULL };

const struct rats_attester rats_attester_tdx_ecdsa = {
	.name = "tdx_ecdsa",
	.keys = attester_keys,
	.tag = TAG_INTEL_QUOTE,
	.detect = tdx_detect,
	.init = tdx_init,
	.collect = tdx_collect,
	.cleanup = tdx_cleanup,
};
