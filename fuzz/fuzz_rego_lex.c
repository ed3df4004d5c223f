/* fuzz_rego_lex - the Rego lexer over arbitrary policy text. */
#include <stdint.h>
#include "lex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rego_lexer lx;
	struct rego_token t;
	struct eaa_err err;

	rego_lex_init(&lx, "fuzz.rego", (const char *)data, size);
	while (rego_lex_next(&lx, &t, &err) && t.type != TOK_EOF)
		;
	return 0;
}
