/* attesters/tpm.c - the `tpm` attester: a TPM 2.0 quote of selected PCRs
 * by the TPM's attestation key, its qualifyingData the SHA-256 librats-tls
 * binds (the first 32 bytes of the user data).
 *
 * Options:
 *   tpm.tcti=CONF   the tpm2-tss TCTI (default device:/dev/tpmrm0; tests use
 *                   swtpm:path=SOCKET)
 *   tpm.pcrs=LIST   the PCRs to quote (default 0-7 of the SHA-256 bank;
 *                   "sha1:0-7+sha256:0-7,16" names banks)
 *   tpm.eventlog=FILE  the TCG event log sent with each quote, read afresh
 *                   each time (default, with the default TCTI, the
 *                   firmware's log in securityfs when it can be read;
 *                   "none" sends none)
 * The verifier must trust the AK (`eaa-tpm ak` prints it). Never chosen
 * automatically: a TPM is no confidential computing TEE by itself. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "file.h"
#include "internal.h"
#include "tpm_esys.h"
#include "tpm_eventlog.h"
#include "tpm_quote.h"

#define FIRMWARE_LOG "/sys/kernel/security/tpm0/binary_bios_measurements"

struct tpm_attester {
	struct tpm_dev *dev;
	TPML_PCR_SELECTION sel;
	char *eventlog;         /* NULL: none */
	pthread_mutex_t lock;   /* one command sequence at a time */
};

static void tpm_cleanup(void *state)
{
	struct tpm_attester *s = state;

	if (s) {
		tpm_close(s->dev);
		free(s->eventlog);
		pthread_mutex_destroy(&s->lock);
	}
	free(s);
}

static bool tpm_init(const struct rats_opts *opts, void **state, struct eaa_err *err)
{
	const char *tcti = rats_opt(opts, "tpm", "tcti");
	const char *pcrs = rats_opt(opts, "tpm", "pcrs");
	const char *log = rats_opt(opts, "tpm", "eventlog");
	struct tpm_attester *s = calloc(1, sizeof(*s));

	if (!s)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	pthread_mutex_init(&s->lock, NULL);
	if (!log && !tcti && access(FIRMWARE_LOG, R_OK) == 0)
		log = FIRMWARE_LOG;
	if (log && strcmp(log, "none") != 0 && !(s->eventlog = strdup(log))) {
		tpm_cleanup(s);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	if (!tpm_pcr_selection_parse(pcrs ? pcrs : "0-7", &s->sel, err)) {
		tpm_cleanup(s);
		return eaa_err_prefix(err, "tpm.pcrs");
	}
	if (!tpm_open(tcti ? tcti : TPM_TCTI_DEFAULT, &s->dev, err)) {
		tpm_cleanup(s);
		return eaa_err_prefix(err, "tpm attester");
	}
	*state = s;
	return true;
}

static bool tpm_collect(void *state, const uint8_t user_data[RATS_USER_DATA_LEN],
			struct wr *evidence, struct wr *endorsements, struct eaa_err *err)
{
	struct tpm_attester *s = state;
	uint8_t *log = NULL;
	size_t n = 0;
	bool ok;

	/* the log before the quote: events it lacks show as a mismatch at
	 * the verifier, never as unverified claims */
	if (s->eventlog && !file_read(s->eventlog, TPM_EVENTLOG_MAX, &log, &n, err))
		return eaa_err_prefix(err, "tpm attester: tpm.eventlog");
	pthread_mutex_lock(&s->lock);
	ok = tpm_quote(s->dev, user_data, 32, &s->sel, evidence, err);
	pthread_mutex_unlock(&s->lock);
	ok = ok && (!log || tpm_quote_append_log(evidence, log, n, err));
	/* the evidence extension also holds the claims-buffer and framing */
	if (ok && log && evidence->len > RATS_MAX_EXTENSION - 4096)
		ok = eaa_fail(err, EAA_E_INVALID, "the event log %s (%zu bytes) makes the "
			      "evidence larger than an RA-TLS certificate carries (%d KiB); "
			      "send none with tpm.eventlog=none", s->eventlog, n,
			      RATS_MAX_EXTENSION / 1024);
	free(log);
	return ok || eaa_err_prefix(err, "tpm attester");
}

static const char *const attester_keys[] = { "tcti", "pcrs", "eventlog", NULL };

const struct rats_attester rats_attester_tpm = {
	.name = "tpm",
	.keys = attester_keys,
	.tag = TAG_TPM,
	.init = tpm_init,
	.collect = tpm_collect,
	.cleanup = tpm_cleanup,
};
