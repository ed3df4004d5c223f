/* toml_json FILE - a TOML document through toml_parse (src/core/toml.h),
 * printed as JSON on one line; a refusal is printed to stderr with exit
 * status 1. The peer test (integration/test_peer_toml.sh) sets it beside
 * Python's tomllib. */
#include <stdio.h>
#include <stdlib.h>
#include "file.h"
#include "toml.h"

int main(int argc, char **argv)
{
	struct eaa_err err = { 0 };
	uint8_t *text = NULL;
	size_t n = 0;
	json_t *doc;
	char *out;

	if (argc != 2) {
		fprintf(stderr, "usage: toml_json FILE\n");
		return 2;
	}
	if (!file_read(argv[1], 16u << 20, &text, &n, &err)) {
		fprintf(stderr, "toml_json: %s\n", err.msg);
		return 2;
	}
	doc = toml_parse((const char *)text, n, &err);
	free(text);
	if (!doc) {
		fprintf(stderr, "toml_json: %s: %s\n", argv[1], err.msg);
		return 1;
	}
	out = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (!out)
		return 2;
	puts(out);
	free(out);
	return 0;
}
