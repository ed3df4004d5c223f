/* test_rego_lex.c - Rego tokens: a policy in the seeds' style token by
 * token, newline tracking, positions, and every malformed token named with
 * file:line:col. */
#include <stdlib.h>
#include "file.h"
#include "lex.h"
#include "test.h"

/* Lex src fully; return the token types joined by spaces, or the error. */
static const char *lex_all(const char *src, char *out, size_t len)
{
	struct rego_lexer lx;
	struct rego_token t;
	struct eaa_err err;
	size_t used = 0;

	rego_lex_init(&lx, "p.rego", src, strlen(src));
	out[0] = '\0';
	do {
		if (!rego_lex_next(&lx, &t, &err)) {
			snprintf(out, len, "%s", err.msg);
			return out;
		}
		used += (size_t)snprintf(out + used, len - used, "%s%s%s",
					 used ? " " : "", t.nl_before ? "\\n " : "",
					 rego_tok_name(t.type));
	} while (t.type != TOK_EOF && used < len);
	return out;
}

int main(void)
{
	char buf[2048];
	struct rego_lexer lx;
	struct rego_token t;
	struct eaa_err err;
	static const char policy[] =
		"package policy\n"
		"import rego.v1 # comment\n"
		"default allow := false\n"
		"allow if {\n"
		"  input.svn >= 1; count(data.ids) != 0\n"
		"  some x in input.list\n"
		"  x.name == `raw\nstring`\n"
		"}\n";

	CHECK_MSG(strcmp(lex_all(policy, buf, sizeof(buf)),
		  "package identifier \\n import identifier . identifier "
		  "\\n default identifier := false \\n identifier if { "
		  "\\n identifier . identifier >= number ; identifier ( "
		  "identifier . identifier ) != number \\n some identifier in "
		  "identifier . identifier \\n identifier . identifier == "
		  "raw string \\n } \\n end of file") == 0, "%s", buf);

	/* Positions and source text. */
	rego_lex_init(&lx, "p.rego", "a :=\n  \"x\\\"y\" 1.5e3", 19);
	CHECK(rego_lex_next(&lx, &t, &err) && t.type == TOK_IDENT &&
	      t.line == 1 && t.col == 1 && t.len == 1);
	CHECK(rego_lex_next(&lx, &t, &err) && t.type == TOK_ASSIGN &&
	      t.col == 3 && !t.nl_before);
	CHECK(rego_lex_next(&lx, &t, &err) && t.type == TOK_STRING &&
	      t.line == 2 && t.col == 3 && t.nl_before && t.len == 6);
	CHECK(rego_lex_next(&lx, &t, &err) && t.type == TOK_NUMBER &&
	      t.len == 5 && memcmp(t.text, "1.5e3", 5) == 0);
	CHECK(rego_lex_next(&lx, &t, &err) && t.type == TOK_EOF);

	/* Operators: longest first; minus is always an operator. */
	CHECK(strcmp(lex_all("a:=b=c==d!=e<=f>=g<h>i-1|j&k*l/m%n", buf,
			     sizeof(buf)),
		     "identifier := identifier = identifier == identifier != "
		     "identifier <= identifier >= identifier < identifier > "
		     "identifier - number | identifier & identifier * "
		     "identifier / identifier % identifier end of file") == 0);
	CHECK(strcmp(lex_all("contains_x every_y", buf, sizeof(buf)),
		     "identifier identifier end of file") == 0);

	/* Malformed tokens, each named where it starts. */
	CHECK(strstr(lex_all("x := \"abc", buf, sizeof(buf)),
		     "p.rego:1:6: unterminated string"));
	CHECK(strstr(lex_all("x := \"a\nb\"", buf, sizeof(buf)),
		     "p.rego:1:6: unterminated string"));
	CHECK(strstr(lex_all("\n  `abc", buf, sizeof(buf)),
		     "p.rego:2:3: unterminated raw string"));
	CHECK(strstr(lex_all("\"\\q\"", buf, sizeof(buf)),
		     "unknown escape in a string"));
	CHECK(strstr(lex_all("\"\\u12g4\"", buf, sizeof(buf)), "bad \\u escape"));
	CHECK(strstr(lex_all("\"\\u12\"", buf, sizeof(buf)), "bad \\u escape"));
	CHECK(strstr(lex_all("\"a\tb\"", buf, sizeof(buf)),
		     "control character in a string"));
	CHECK(strstr(lex_all("x = 01", buf, sizeof(buf)),
		     "p.rego:1:5: number with a leading zero"));
	CHECK(strstr(lex_all("1e", buf, sizeof(buf)), "empty exponent"));
	CHECK(strstr(lex_all("12abc", buf, sizeof(buf)),
		     "letters right after a number"));
	CHECK(strstr(lex_all("a ^ b", buf, sizeof(buf)),
		     "p.rego:1:3: unexpected character '^'"));
	CHECK(strstr(lex_all("a \x01", buf, sizeof(buf)),
		     "unexpected byte 0x01"));
	/* A NUL inside the source is a byte like any other. */
	rego_lex_init(&lx, "p.rego", "a\0b", 3);
	CHECK(rego_lex_next(&lx, &t, &err) && !rego_lex_next(&lx, &t, &err) &&
	      strstr(err.msg, "unexpected byte 0x00"));
	/* trustee's policies lex whole. */
	for (int i = 1; i <= 5; i++) {
		const char *d = getenv("EAA_TESTDATA");
		char path[600];
		uint8_t *text;
		size_t n;

		snprintf(path, sizeof(path), "%s/policy/trustee_policy_%d.rego",
			 d ? d : "tests/data", i);
		if (!file_read(path, 1 << 20, &text, &n, &err)) {
			CHECK_MSG(false, "%s", err.msg);
			continue;
		}
		rego_lex_init(&lx, path, (char *)text, n);
		while (rego_lex_next(&lx, &t, &err) && t.type != TOK_EOF)
			;
		CHECK_MSG(t.type == TOK_EOF, "%s", err.msg);
		free(text);
	}
	return test_summary();
}
