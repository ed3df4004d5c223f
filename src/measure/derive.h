/* derive.h - `verdict --derive TEE`: the reference values a TEE should
 * measure, computed from the owner's artifacts (a signed enclave, OVMF and
 * kernel, a TDVF image, a known-good quote). docs/reference-values.md.
 *
 * Each TEE is one row of derive_tees[] (derive.c): its name, the stored
 * document its values go to, the options it takes and a run function. The
 * dispatcher (tools/verdict_derive.c) parses the command line against the
 * row's options, calls run, and prints the fragment or merges it into the
 * stored document (refmerge.h). A TEE's code never parses argv itself. */
#ifndef EAA_MEASURE_DERIVE_H
#define EAA_MEASURE_DERIVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "err.h"

#define DERIVE_MAX_INPUTS 64

/* One option a TEE takes: --NAME VALUE, or --NAME alone when !has_arg.
 * Repeatable options may be given several times (derive_args). */
struct derive_opt {
	const char *name;
	bool has_arg;
	bool repeat;
	const char *help;        /* one line, "FILE  the OVMF image" */
};

/* The options given, in order; values are argv's (not copied). */
struct derive_input {
	size_t n;
	struct {
		const char *name;
		const char *value;       /* NULL for a flag */
	} v[DERIVE_MAX_INPUTS];
};

/* The last value of --name, or NULL when it was not given. */
const char *derive_arg(const struct derive_input *in, const char *name);
/* Every value of a repeatable --name, in order; returns how many (at most
 * max are stored). */
size_t derive_args(const struct derive_input *in, const char *name,
		   const char **vals, size_t max);
bool derive_flag(const struct derive_input *in, const char *name);
/* --name as an unsigned number (decimal or 0x hex) no larger than max;
 * *out = dflt when absent. False with err naming the option otherwise. */
bool derive_u64(const struct derive_input *in, const char *name, uint64_t max,
		uint64_t dflt, uint64_t *out, struct eaa_err *err);

struct derive_tee {
	const char *name;            /* "sgx", "sev", "sev-es", "csv", "snp", "tdx" */
	const char *reference;       /* the stored document, "sgxData"; NULL:
				      * verdictd keeps none (--print only) */
	const char *summary;         /* one line for --help */
	const struct derive_opt *opts; /* ends with { NULL } */
	/* The fragment, shaped like the stored document (same field names
	 * and encodings), owned by the caller; what the owner should know
	 * besides (a debug enclave, the attribute mask) as lines on info.
	 * NULL with err set when an input is refused. */
	json_t *(*run)(const struct derive_input *in, FILE *info,
		       struct eaa_err *err);
};

extern const struct derive_tee derive_sev;
extern const struct derive_tee derive_csv;
extern const struct derive_tee derive_tdx;
extern const struct derive_tee derive_sgx;
extern const struct derive_tee derive_seves;
extern const struct derive_tee derive_snp;

/* The table, ending with { NULL }; and a row by name (NULL: unknown). */
extern const struct derive_tee *const derive_tees[];
const struct derive_tee *derive_find(const char *name);

#endif
