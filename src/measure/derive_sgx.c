/* derive_sgx.c - `verdict --derive sgx`: sgxData's values (mrEnclave,
 * mrSigner, productId, svn) from a signed enclave or its SIGSTRUCT, after
 * the SIGSTRUCT's own signature verifies. docs/reference-values.md, "SGX". */
#include <stdlib.h>
#include "codec.h"
#include "derive.h"
#include "file.h"
#include "sgx_elf.h"
#include "sigstruct.h"

#define MAX_ENCLAVE (1024u * 1024u * 1024u)

static const struct derive_opt sgx_opts[] = {
	{ "enclave", true, false, "FILE  the signed enclave (.signed.so; its sgx_metadata note)" },
	{ "sigstruct", true, false, "FILE  a raw 1808-byte SIGSTRUCT (sgx_sign dump -cssfile, Gramine's .sig)" },
	{ "allow-debug", false, false, "   derive even for an enclave that only launches as debug" },
	{ NULL, false, false, NULL },
};

/* ["<base64>"] */
static json_t *b64_list(const uint8_t *p, size_t n)
{
	char *s = base64_encode(p, n, false);
	json_t *a = json_array();

	if (!s || !a || json_array_append_new(a, json_string(s)) != 0) {
		free(s);
		json_decref(a);
		return NULL;
	}
	free(s);
	return a;
}

/* The SIGSTRUCT's bytes (a copy the caller frees) from --enclave or
 * --sigstruct; what was read goes to info. */
static uint8_t *sigstruct_bytes(const struct derive_input *in, FILE *info,
				size_t *len, struct eaa_err *err)
{
	const char *enclave = derive_arg(in, "enclave"), *raw = derive_arg(in, "sigstruct");
	struct sgx_elf_meta m;
	struct rd copy;
	uint8_t *img, *out;
	size_t n;

	if (!enclave == !raw) {
		eaa_fail(err, EAA_E_CONFIG, "give one of --enclave FILE or --sigstruct FILE");
		return NULL;
	}
	if (raw) {
		if (!file_read_regular(raw, 64 * 1024, &out, len, err)) {
			eaa_err_prefix(err, "--sigstruct %s", raw);
			return NULL;
		}
		fprintf(info, "sgx: SIGSTRUCT %s\n", raw);
		return out;
	}
	if (!file_read_regular(enclave, MAX_ENCLAVE, &img, &n, err)) {
		eaa_err_prefix(err, "--enclave %s", enclave);
		return NULL;
	}
	out = NULL;
	if (!sgx_elf_metadata(img, n, &m, err)) {
		eaa_err_prefix(err, "--enclave %s", enclave);
	} else if (!(out = malloc(SIGSTRUCT_SIZE))) {
		eaa_fail(err, EAA_E_NOMEM, "SIGSTRUCT");
	} else {
		copy = m.sigstruct;
		if (!rd_bytes(&copy, out, SIGSTRUCT_SIZE)) {
			free(out);
			out = NULL;
			eaa_fail(err, EAA_E_FORMAT, "--enclave %s: SIGSTRUCT", enclave);
		} else {
			*len = SIGSTRUCT_SIZE;
			fprintf(info, "sgx: enclave %s: metadata version %u.%u (%u entr%s), "
				"enclave size 0x%llx\n", enclave, (unsigned)(m.version >> 32),
				(unsigned)m.version, m.entries, m.entries == 1 ? "y" : "ies",
				(unsigned long long)m.enclave_size);
		}
	}
	free(img);
	return out;
}

static json_t *sgx_run(const struct derive_input *in, FILE *info, struct eaa_err *err)
{
	struct sigstruct s;
	uint8_t *css;
	size_t n = 0;
	json_t *frag;
	bool ok;

	if (!(css = sigstruct_bytes(in, info, &n, err)))
		return NULL;
	ok = sigstruct_read(&s, css, n, err);
	free(css);
	if (!ok)
		return NULL;
	fprintf(info, "sgx: the SIGSTRUCT's signature verifies\n");
	sigstruct_describe(&s, info);
	if (sigstruct_debug_only(&s)) {
		if (!derive_flag(in, "allow-debug")) {
			eaa_fail(err, EAA_E_REJECTED,
				 "the SIGSTRUCT enforces the DEBUG attribute: this enclave only "
				 "launches as a debug enclave, which the default sgxPolicy refuses "
				 "(--allow-debug derives its values anyway)");
			return NULL;
		}
		fprintf(info, "sgx: WARNING: a debug-only enclave (--allow-debug): its memory "
			"is readable by the host, and the default sgxPolicy refuses it\n");
	}
	frag = json_pack("{s:o*, s:o*, s:I, s:I}", "mrEnclave", b64_list(s.mr_enclave, 32),
			 "mrSigner", b64_list(s.mr_signer, 32), "productId",
			 (json_int_t)s.isv_prod_id, "svn", (json_int_t)s.isv_svn);
	if (!frag || json_object_size(frag) != 4) {
		json_decref(frag);
		eaa_fail(err, EAA_E_NOMEM, "sgxData fragment");
		return NULL;
	}
	return frag;
}

const struct derive_tee derive_sgx = {
	.name = "sgx",
	.reference = "sgxData",
	.summary = "mrEnclave, mrSigner, productId, svn from a signed enclave or its SIGSTRUCT "
		   "(whose RSA-3072 signature must verify)",
	.opts = sgx_opts,
	.run = sgx_run,
};
