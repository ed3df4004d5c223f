/* verdict_derive.c - the command line of `verdict --derive TEE`:
 *
 *   verdict --derive sgx --enclave enclave.signed.so --print
 *   verdict --derive snp --ovmf OVMF.fd --vcpus 4 --vcpu-type EPYC-v4 \
 *           --set-opa-reference snpData
 *
 * The TEE's row (derive.h) says which inputs it takes; this file parses
 * them, runs the derivation, and prints the fragment or merges it into the
 * stored document through verdictd's client API (refmerge.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "derive.h"
#include "refmerge.h"
#include "verdict_derive.h"

#define MAX_OPTS 64

enum { O_DERIVE = 0x200, O_PRINT, O_SET, O_REPLACE, O_API, O_TOKEN, O_HELP, O_TEE };

static void usage(FILE *f, const struct derive_tee *only)
{
	size_t i, k;

	fprintf(f,
"Usage: verdict --derive TEE [INPUTS] [--print | --set-opa-reference NAME [--replace]]\n"
"Compute the reference values TEE should measure from the owner's artifacts\n"
"(docs/reference-values.md), and print them (default) as a fragment of the\n"
"stored document, or merge them into it through verdictd's client API:\n"
"lists gain the new values, nothing is dropped; --replace overwrites.\n"
"  -c, --client-api ADDR:PORT, --token-file FILE   as for the other commands\n");
	for (i = 0; derive_tees[i]; i++) {
		const struct derive_tee *t = derive_tees[i];

		if (only && only != t)
			continue;
		fprintf(f, "TEE %s (%s): %s\n", t->name,
			t->reference ? t->reference : "--print only", t->summary);
		for (k = 0; t->opts[k].name; k++)
			fprintf(f, "  --%s %s\n", t->opts[k].name, t->opts[k].help);
	}
}

/* The TEE named by --derive TEE or --derive=TEE, or NULL. */
static const char *tee_named(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--derive") == 0)
			return i + 1 < argc ? argv[i + 1] : "";
		if (strncmp(argv[i], "--derive=", 9) == 0)
			return argv[i] + 9;
	}
	return NULL;
}

static int merge_and_set(const struct derive_tee *t, const char *name,
			 json_t *frag, bool replace, const struct verdict_api *api)
{
	struct eaa_err err;
	json_error_t je;
	json_t *doc;
	char *text, *out;
	size_t n;
	int rc;

	if (replace) {
		doc = json_incref(frag);
	} else {
		if (!(text = api->get_reference(name, &n)))
			return 1;
		doc = json_loadb(text, n, 0, &je);
		free(text);
		if (!doc) {
			fprintf(stderr, "verdict: stored %s: not JSON (line %d: %s)\n", name,
				je.line, je.text);
			return 1;
		}
		if (!refmerge(doc, frag, stderr, &err)) {
			fprintf(stderr, "verdict: %s: %s\n", name, err.msg);
			json_decref(doc);
			return 1;
		}
	}
	out = json_dumps(doc, JSON_INDENT(4) | JSON_SORT_KEYS);
	json_decref(doc);
	if (!out) {
		fprintf(stderr, "verdict: out of memory\n");
		return 1;
	}
	rc = api->set_reference(name, out, strlen(out));
	free(out);
	if (rc == 0)
		fprintf(stderr, "verdict: %s values %s %s\n", t->name,
			replace ? "replaced" : "merged into", name);
	return rc;
}

int verdict_derive(int argc, char **argv, const struct verdict_api *api)
{
	static const struct option common[] = {
		{ "derive", required_argument, NULL, O_DERIVE },
		{ "print", no_argument, NULL, O_PRINT },
		{ "set-opa-reference", required_argument, NULL, O_SET },
		{ "replace", no_argument, NULL, O_REPLACE },
		{ "client-api", required_argument, NULL, O_API },
		{ "token-file", required_argument, NULL, O_TOKEN },
		{ "help", no_argument, NULL, O_HELP },
	};
	const char *name = tee_named(argc, argv), *set = NULL;
	const char *addr = NULL, *token = NULL;
	struct option longs[MAX_OPTS + 1];
	const struct derive_tee *t;
	struct derive_input in = { 0 };
	struct eaa_err err;
	bool print = false, replace = false;
	size_t nc = sizeof(common) / sizeof(common[0]), k;
	json_t *frag;
	int c, rc;

	if (!name || !(t = derive_find(name))) {
		if (name && *name)
			fprintf(stderr, "verdict: --derive %s: unknown TEE\n", name);
		usage(stderr, NULL);
		return 2;
	}
	memcpy(longs, common, sizeof(common));
	for (k = 0; t->opts[k].name; k++) {
		if (nc + k >= MAX_OPTS)
			return 2;
		longs[nc + k] = (struct option){ t->opts[k].name,
			t->opts[k].has_arg ? required_argument : no_argument,
			NULL, O_TEE + (int)k };
	}
	longs[nc + k] = (struct option){ NULL, 0, NULL, 0 };
	/* getopt_long takes "--sigstruc" for --sigstruct: a typo of one TEE's
	 * input must not pass for another input, so only whole names do */
	for (c = 1; c < argc && strcmp(argv[c], "--") != 0; c++) {
		const char *a = argv[c];
		size_t len, j;

		if (strncmp(a, "--", 2) != 0)
			continue;
		len = strcspn(a + 2, "=");
		for (j = 0; longs[j].name; j++)
			if (strlen(longs[j].name) == len && strncmp(longs[j].name, a + 2, len) == 0)
				break;
		if (!longs[j].name) {
			fprintf(stderr, "verdict: --derive %s: unknown option %.*s\n", t->name,
				(int)len + 2, a);
			usage(stderr, t);
			return 2;
		}
		/* skip the value of an option that takes one as the next word */
		if (longs[j].has_arg == required_argument && !strchr(a, '='))
			c++;
	}
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "c:h", longs, NULL)) != -1) {
		switch (c) {
		case O_DERIVE: break;
		case O_PRINT: print = true; break;
		case O_SET: set = optarg; break;
		case O_REPLACE: replace = true; break;
		case 'c': case O_API: addr = optarg; break;
		case O_TOKEN: token = optarg; break;
		case 'h': case O_HELP: usage(stdout, t); return 0;
		case '?': usage(stderr, t); return 2;
		default: {
			const struct derive_opt *o = &t->opts[c - O_TEE];

			if (!o->repeat && derive_flag(&in, o->name)) {
				fprintf(stderr, "verdict: --%s given twice\n", o->name);
				return 2;
			}
			if (in.n == DERIVE_MAX_INPUTS) {
				fprintf(stderr, "verdict: too many inputs\n");
				return 2;
			}
			in.v[in.n].name = o->name;
			in.v[in.n++].value = o->has_arg ? optarg : NULL;
		}
		}
	}
	if (optind != argc) {
		fprintf(stderr, "verdict: --derive: unexpected operand %s\n", argv[optind]);
		return 2;
	}
	if (print && set) {
		fprintf(stderr, "verdict: --print or --set-opa-reference, not both\n");
		return 2;
	}
	if (set && !t->reference) {
		fprintf(stderr, "verdict: --derive %s: verdictd keeps no %s reference (no verifier of "
			"its evidence: the KBS that launches the guest checks it); use --print\n",
			t->name, t->name);
		return 2;
	}
	if (set && strcmp(set, t->reference) != 0) {
		fprintf(stderr, "verdict: --derive %s gives %s, not %s\n", t->name, t->reference, set);
		return 2;
	}
	if (replace && !set) {
		fprintf(stderr, "verdict: --replace goes with --set-opa-reference\n");
		return 2;
	}
	if (!(frag = t->run(&in, stderr, &err))) {
		fprintf(stderr, "verdict: --derive %s: %s\n", t->name, err.msg);
		return 1;
	}
	if (set) {
		api->connect_to(addr, token);
		rc = merge_and_set(t, set, frag, replace, api);
	} else {
		char *s = json_dumps(frag, JSON_INDENT(4) | JSON_SORT_KEYS);

		rc = s ? (printf("%s\n", s), 0) : 1;
		free(s);
	}
	json_decref(frag);
	return rc;
}
