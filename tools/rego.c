/* rego - evaluate a Rego query by hand, as `opa eval` does.
 *
 *   rego eval -d policy.rego -d data.json [-i input.json] [-f json|raw|pretty]
 *             [--strict-builtin-errors] [--v0-compatible|--v1-compatible]
 *             [--fail|--fail-defined] 'data.policy.allow'
 *   rego builtins        (the built-in functions, name/arity)
 *
 * -d takes .rego and .json files, or directories of them (not recursive).
 * JSON data files merge into one document. Exit 0 on success, 1 on an
 * error (or with --fail/--fail-defined as in opa), 2 on a usage error. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "builtins.h"
#include "eaa/rego.h"
#include "file.h"

#define MAX_FILE (64u * 1024u * 1024u)

static const char *prog = "rego";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s eval [options] QUERY\n"
"       %s builtins\n"
"Evaluate a Rego query and print the result as JSON, as `opa eval` does.\n"
"  -d, --data PATH          a .rego policy or .json data file, or a directory\n"
"                           of them (may be repeated)\n"
"  -i, --input FILE         the input document (JSON)\n"
"      --inputs FILE        JSON Lines: evaluate once per input line, print one\n"
"                           line each: the value (compact, keys sorted),\n"
"                           undefined, or error: MESSAGE (differential tests)\n"
"  -f, --format FMT         json (default: the result set), pretty (indented\n"
"                           result set) or raw (each expression's value)\n"
"      --strict-builtin-errors  built-in errors stop the evaluation\n"
"      --v0-compatible      parse policies as Rego v0 (default: per module,\n"
"      --v1-compatible      v1 when it uses if/contains or imports rego.v1)\n"
"      --fail               exit 1 when the result is undefined\n"
"      --fail-defined       exit 1 when the result is defined\n"
"      --max-steps N        evaluation step limit (default 10000000)\n"
"      --explain            when the result is false or undefined, say why on\n"
"                           stderr: each definition tried and the expression\n"
"                           that failed in it, with its values (stdout stays\n"
"                           as without it)\n"
"  -h, --help\n", prog, prog);
}

struct load {
	struct rego_builder *b;
	enum rego_syntax syntax;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool load_file(struct load *l, const char *path)
{
	struct rego_error re;
	struct eaa_err e;
	uint8_t *buf;
	size_t n;
	bool ok = true;

	if (!file_read(path, MAX_FILE, &buf, &n, &e)) {
		fprintf(stderr, "%s: %s\n", prog, e.msg);
		return false;
	}
	if (ends_with(path, ".rego")) {
		ok = rego_builder_add_module(l->b, path, (const char *)buf, n,
					     l->syntax, &re);
		if (!ok)
			fprintf(stderr, "%s: %s\n", prog, re.msg);
	} else if (!rego_builder_add_data(l->b, (const char *)buf, n, &re)) {
		/* our own JSON reader: numbers keep their digits */
		fprintf(stderr, "%s: %s: %s\n", prog, path, re.msg);
		ok = false;
	}
	free(buf);
	return ok;
}

static bool load_path(struct load *l, const char *path)
{
	struct stat st;
	struct dirent **ents;
	char sub[4096];
	int n, i;
	bool ok = true;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s: %m\n", prog, path);
		return false;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(l, path);
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %m\n", prog, path);
		return false;
	}
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (ok && (ends_with(name, ".rego") || ends_with(name, ".json"))) {
			snprintf(sub, sizeof(sub), "%s/%s", path, name);
			ok = load_file(l, sub);
		}
		free(ents[i]);
	}
	free(ents);
	return ok;
}

/* --inputs: one evaluation per line of a JSON Lines file, one answer
 * line each, so that a differential test compares thousands of inputs
 * without a process each. */
static int eval_lines(const struct rego_query *q, const char *path,
		      const struct rego_limits *lim)
{
	struct eaa_err e;
	uint8_t *all;
	size_t n;
	char *line, *next, *out = NULL;

	if (!file_read(path, 1u << 30, &all, &n, &e)) {
		fprintf(stderr, "%s: %s\n", prog, e.msg);
		return 1;
	}
	for (line = (char *)all; line < (char *)all + n; line = next) {
		struct rego_error re;
		enum rego_result res;
		char *nl = memchr(line, '\n', (size_t)((char *)all + n - line));

		next = nl ? nl + 1 : (char *)all + n;
		if (next - line <= 1)
			continue;
		res = rego_query_eval(q, line, (size_t)((nl ? nl : next) - line), lim, &out, &re);
		if (res == REGO_ERROR)
			printf("error: %s\n", re.msg);
		else if (res == REGO_UNDEFINED || !out)
			printf("undefined\n");
		else
			printf("%s\n", out);
		free(out);
		out = NULL;
	}
	free(all);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* --explain: why the query is false or undefined, on stderr. */
static bool print_explanation(const struct rego_query *q, const char *input,
			      size_t ninput, const struct rego_limits *lim)
{
	char why[REGO_EXPLAIN_CAP];
	struct rego_error re;

	if (rego_query_eval_explain(q, input, ninput, lim, NULL, why, sizeof(why),
				    &re) == REGO_ERROR) {
		fprintf(stderr, "%s: %s\n", prog, re.msg);
		return false;
	}
	if (why[0])
		fprintf(stderr, "%s\n", why);
	return true;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "strict-builtin-errors", no_argument, NULL, 'S' },
		{ "v0-compatible", no_argument, NULL, '0' },
		{ "v1-compatible", no_argument, NULL, '1' },
		{ "fail", no_argument, NULL, 'F' },
		{ "fail-defined", no_argument, NULL, 'D' },
		{ "max-steps", required_argument, NULL, 'm' },
		{ "inputs", required_argument, NULL, 'I' },
		{ "explain", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *paths[64], *input_path = NULL, *inputs_path = NULL, *format = "json";
	struct rego_limits lim = { 0 };
	struct load l = { NULL, REGO_SYNTAX_AUTO };
	struct rego_error re;
	struct rego_policy *p = NULL;
	struct rego_query *q = NULL;
	enum rego_result res;
	uint8_t *input = NULL;
	size_t npaths = 0, ninput = 0;
	char *out = NULL;
	bool fail_undef = false, fail_def = false, explain = false;
	int c, status = 1;

	while ((c = getopt_long(argc, argv, "d:i:f:h", longs, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (npaths == sizeof(paths) / sizeof(*paths)) {
				fprintf(stderr, "%s: too many -d\n", prog);
				return 2;
			}
			paths[npaths++] = optarg;
			break;
		case 'i': input_path = optarg; break;
		case 'I': inputs_path = optarg; break;
		case 'f': format = optarg; break;
		case 'S': lim.strict = true; break;
		case '0': l.syntax = REGO_SYNTAX_V0; break;
		case '1': l.syntax = REGO_SYNTAX_V1; break;
		case 'F': fail_undef = true; break;
		case 'D': fail_def = true; break;
		case 'E': explain = true; break;
		case 'm': lim.max_steps = strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind == 1 && strcmp(argv[optind], "builtins") == 0) {
		for (size_t g = 0; g < rb_ngroups; g++)
			for (const struct rb_def *d = rb_groups[g]; d->name; d++)
				printf("%s/%u\n", d->name, d->nargs);
		return 0;
	}
	if (argc - optind != 2 || strcmp(argv[optind], "eval") != 0 ||
	    (strcmp(format, "json") && strcmp(format, "raw") && strcmp(format, "pretty"))) {
		usage(stderr);
		return 2;
	}
	if (explain && inputs_path) {
		fprintf(stderr, "%s: --explain explains one input (-i), not --inputs\n", prog);
		return 2;
	}
	l.b = rego_builder_new();
	if (!l.b) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	for (size_t i = 0; i < npaths; i++)
		if (!load_path(&l, paths[i]))
			goto out;
	if (input_path) {
		struct eaa_err e;

		if (!file_read(input_path, MAX_FILE, &input, &ninput, &e)) {
			fprintf(stderr, "%s: %s\n", prog, e.msg);
			goto out;
		}
	}
	if (!(p = rego_builder_compile(l.b, &re))) {
		l.b = NULL;
		fprintf(stderr, "%s: %s\n", prog, re.msg);
		goto out;
	}
	l.b = NULL;
	q = rego_query_compile(p, argv[optind + 1], &re);
	if (!q) {
		fprintf(stderr, "%s: %s\n", prog, re.msg);
		goto out;
	}
	if (inputs_path) {
		status = eval_lines(q, inputs_path, &lim);
		goto out;
	}
	if (strcmp(format, "raw") == 0)
		res = rego_query_eval(q, (const char *)input, ninput, &lim, &out, &re);
	else
		res = rego_query_eval_all(q, (const char *)input, ninput, &lim,
					  strcmp(format, "pretty") == 0, &out, &re);
	if (res == REGO_ERROR) {
		fprintf(stderr, "%s: %s\n", prog, re.msg);
		goto out;
	}
	if (out)
		printf("%s\n", out);
	if (explain && !print_explanation(q, (const char *)input, ninput, &lim))
		goto out;
	status = (fail_undef && res == REGO_UNDEFINED) ||
		 (fail_def && res == REGO_DEFINED) ? 1 : 0;
out:
	free(out);
	free(input);
	rego_query_free(q);
	rego_policy_free(p);
	rego_builder_free(l.b);
	return status;
}
