/* lex.c - Rego tokens (see lex.h). */
#include <stdio.h>
#include <string.h>
#include "lex.h"

static const struct {
	const char *word;
	enum rego_tok tok;
} keywords[] = {
	{ "package", TOK_PACKAGE }, { "import", TOK_IMPORT }, { "as", TOK_AS },
	{ "default", TOK_DEFAULT }, { "else", TOK_ELSE }, { "not", TOK_NOT },
	{ "with", TOK_WITH }, { "some", TOK_SOME }, { "in", TOK_IN },
	{ "every", TOK_EVERY }, { "if", TOK_IF }, { "contains", TOK_CONTAINS },
	{ "true", TOK_TRUE }, { "false", TOK_FALSE }, { "null", TOK_NULL },
};

static const char *const names[] = {
	[TOK_EOF] = "end of file", [TOK_IDENT] = "identifier",
	[TOK_STRING] = "string", [TOK_RAWSTRING] = "raw string",
	[TOK_NUMBER] = "number", [TOK_TEMPLATE] = "template string",
	[TOK_RAWTEMPLATE] = "template string", [TOK_PACKAGE] = "package",
	[TOK_IMPORT] = "import", [TOK_AS] = "as", [TOK_DEFAULT] = "default",
	[TOK_ELSE] = "else", [TOK_NOT] = "not", [TOK_WITH] = "with",
	[TOK_SOME] = "some", [TOK_IN] = "in", [TOK_EVERY] = "every",
	[TOK_IF] = "if", [TOK_CONTAINS] = "contains", [TOK_TRUE] = "true",
	[TOK_FALSE] = "false", [TOK_NULL] = "null", [TOK_ASSIGN] = ":=",
	[TOK_UNIFY] = "=", [TOK_EQ] = "==", [TOK_NEQ] = "!=", [TOK_LT] = "<",
	[TOK_LTE] = "<=", [TOK_GT] = ">", [TOK_GTE] = ">=", [TOK_ADD] = "+",
	[TOK_SUB] = "-", [TOK_MUL] = "*", [TOK_QUO] = "/", [TOK_REM] = "%",
	[TOK_AND] = "&", [TOK_OR] = "|", [TOK_LPAREN] = "(",
	[TOK_RPAREN] = ")", [TOK_LBRACK] = "[", [TOK_RBRACK] = "]",
	[TOK_LBRACE] = "{", [TOK_RBRACE] = "}", [TOK_DOT] = ".",
	[TOK_COMMA] = ",", [TOK_SEMICOLON] = ";", [TOK_COLON] = ":",
};

const char *rego_tok_name(enum rego_tok t)
{
	return (unsigned)t < sizeof(names) / sizeof(names[0]) && names[t] ?
	       names[t] : "?";
}

void rego_lex_init(struct rego_lexer *lx, const char *file, const char *src,
		   size_t n)
{
	lx->file = file ? file : "<policy>";
	lx->src = src;
	lx->n = n;
	lx->pos = 0;
	lx->line = 1;
	lx->col = 1;
}

static int peek(const struct rego_lexer *lx, size_t ahead)
{
	return lx->pos + ahead < lx->n ? (unsigned char)lx->src[lx->pos + ahead] :
					 -1;
}

static void advance(struct rego_lexer *lx)
{
	if (lx->src[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->pos++;
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool fail_at(const struct rego_lexer *lx, int line, int col,
		    struct eaa_err *err, const char *what)
{
	return eaa_fail(err, EAA_E_FORMAT, "%s:%d:%d: %s", lx->file, line, col,
			what);
}

/* JSON number: -? is the parser's; here int, fraction, exponent. */
static bool number(struct rego_lexer *lx, struct eaa_err *err)
{
	int line = lx->line, col = lx->col;

	if (peek(lx, 0) == '0' && is_digit(peek(lx, 1)))
		return fail_at(lx, line, col, err, "number with a leading zero");
	while (is_digit(peek(lx, 0)))
		advance(lx);
	if (peek(lx, 0) == '.' && is_digit(peek(lx, 1))) {
		advance(lx);
		while (is_digit(peek(lx, 0)))
			advance(lx);
	}
	if (peek(lx, 0) == 'e' || peek(lx, 0) == 'E') {
		advance(lx);
		if (peek(lx, 0) == '+' || peek(lx, 0) == '-')
			advance(lx);
		if (!is_digit(peek(lx, 0)))
			return fail_at(lx, line, col, err, "number with an "
				       "empty exponent");
		while (is_digit(peek(lx, 0)))
			advance(lx);
	}
	if (is_alpha(peek(lx, 0)))
		return fail_at(lx, line, col, err, "letters right after a number");
	return true;
}

static bool string(struct rego_lexer *lx, struct eaa_err *err)
{
	int line = lx->line, col = lx->col;

	advance(lx); /* the opening quote */
	for (;;) {
		int c = peek(lx, 0);

		if (c < 0 || c == '\n')
			return fail_at(lx, line, col, err, "unterminated string");
		if (c < 0x20)
			return fail_at(lx, lx->line, lx->col, err, "control "
				       "character in a string");
		advance(lx);
		if (c == '"')
			return true;
		if (c != '\\')
			continue;
		c = peek(lx, 0);
		if (c == 'u') {
			for (int i = 1; i <= 4; i++) {
				int h = peek(lx, (size_t)i);

				if (!(is_digit(h) || (h >= 'a' && h <= 'f') ||
				      (h >= 'A' && h <= 'F')))
					return fail_at(lx, lx->line, lx->col, err,
						       "bad \\u escape");
			}
			for (int i = 0; i < 5; i++)
				advance(lx);
		} else if (c >= 0 && strchr("\"\\/bfnrt", c) && c != 0) {
			advance(lx);
		} else {
			return fail_at(lx, lx->line, lx->col, err,
				       "unknown escape in a string");
		}
	}
}

static bool raw_string(struct rego_lexer *lx, struct eaa_err *err)
{
	int line = lx->line, col = lx->col;

	advance(lx);
	while (peek(lx, 0) >= 0 && peek(lx, 0) != '`')
		advance(lx);
	if (peek(lx, 0) != '`')
		return fail_at(lx, line, col, err, "unterminated raw string");
	advance(lx);
	return true;
}

/* One part of a template string, up to the `{` of an expression or the
 * closing quote. As OPA's scanner: `\{` is a literal brace in both kinds,
 * a quoted one takes the escapes of strings and ends at a newline. */
bool rego_lex_template(struct rego_lexer *lx, bool raw, struct rego_token *t,
		       struct eaa_err *err)
{
	int line = lx->line, col = lx->col;
	size_t start = lx->pos;
	int close = raw ? '`' : '"';

	t->type = raw ? TOK_RAWTEMPLATE : TOK_TEMPLATE;
	t->line = line;
	t->col = col;
	t->nl_before = false;
	for (;;) {
		int c = peek(lx, 0);

		if (c < 0 || (!raw && c == '\n'))
			return fail_at(lx, line, col, err, "unterminated template string");
		if (!raw && c < 0x20)
			return fail_at(lx, lx->line, lx->col, err,
				       "control character in a template string");
		if (c == close || c == '{') {
			t->text = lx->src + start;
			t->len = lx->pos - start;
			t->template_end = c == close;
			advance(lx);
			return true;
		}
		advance(lx);
		if (c != '\\')
			continue;
		c = peek(lx, 0);
		if (c == '{') {
			advance(lx);
		} else if (raw) {
			continue;
		} else if (c == 'u') {
			for (int i = 1; i <= 4; i++) {
				int h = peek(lx, (size_t)i);

				if (!(is_digit(h) || (h >= 'a' && h <= 'f') ||
				      (h >= 'A' && h <= 'F')))
					return fail_at(lx, lx->line, lx->col, err,
						       "bad \\u escape");
			}
			for (int i = 0; i < 5; i++)
				advance(lx);
		} else if (c > 0 && strchr("\"\\/bfnrt", c)) {
			advance(lx);
		} else {
			return fail_at(lx, lx->line, lx->col, err,
				       "unknown escape in a template string");
		}
	}
}

/* Two-character operators first, then one-character ones. */
static enum rego_tok operator(struct rego_lexer *lx)
{
	static const struct {
		const char *op;
		enum rego_tok tok;
	} ops[] = {
		{ ":=", TOK_ASSIGN }, { "==", TOK_EQ }, { "!=", TOK_NEQ },
		{ "<=", TOK_LTE }, { ">=", TOK_GTE }, { "=", TOK_UNIFY },
		{ "<", TOK_LT }, { ">", TOK_GT }, { "+", TOK_ADD },
		{ "-", TOK_SUB }, { "*", TOK_MUL }, { "/", TOK_QUO },
		{ "%", TOK_REM }, { "&", TOK_AND }, { "|", TOK_OR },
		{ "(", TOK_LPAREN }, { ")", TOK_RPAREN }, { "[", TOK_LBRACK },
		{ "]", TOK_RBRACK }, { "{", TOK_LBRACE }, { "}", TOK_RBRACE },
		{ ".", TOK_DOT }, { ",", TOK_COMMA }, { ";", TOK_SEMICOLON },
		{ ":", TOK_COLON },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t len = strlen(ops[i].op);

		if (lx->pos + len <= lx->n &&
		    memcmp(lx->src + lx->pos, ops[i].op, len) == 0) {
			for (size_t k = 0; k < len; k++)
				advance(lx);
			return ops[i].tok;
		}
	}
	return TOK_EOF; /* not an operator */
}

bool rego_lex_next(struct rego_lexer *lx, struct rego_token *t,
		   struct eaa_err *err)
{
	size_t start;
	int c;

	t->nl_before = false;
	for (;;) {
		c = peek(lx, 0);
		if (c == '\n')
			t->nl_before = true;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			advance(lx);
		} else if (c == '#') {
			while (peek(lx, 0) >= 0 && peek(lx, 0) != '\n')
				advance(lx);
		} else {
			break;
		}
	}
	start = lx->pos;
	t->line = lx->line;
	t->col = lx->col;
	if (c < 0) {
		t->type = TOK_EOF;
	} else if (is_alpha(c)) {
		while (is_alpha(peek(lx, 0)) || is_digit(peek(lx, 0)))
			advance(lx);
		t->type = TOK_IDENT;
		for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if (strlen(keywords[i].word) == lx->pos - start &&
			    memcmp(keywords[i].word, lx->src + start,
				   lx->pos - start) == 0)
				t->type = keywords[i].tok;
		/* OPA 1.x: a keyword right before '.' or '[' starts a
		 * reference (as.foo, true[0]); it names a rule or package. */
		if (t->type != TOK_IDENT &&
		    (peek(lx, 0) == '.' || peek(lx, 0) == '['))
			t->type = TOK_IDENT;
	} else if (is_digit(c)) {
		if (!number(lx, err))
			return false;
		t->type = TOK_NUMBER;
	} else if (c == '"') {
		if (!string(lx, err))
			return false;
		t->type = TOK_STRING;
	} else if (c == '`') {
		if (!raw_string(lx, err))
			return false;
		t->type = TOK_RAWSTRING;
	} else if (c == '$' && (peek(lx, 1) == '"' || peek(lx, 1) == '`')) {
		bool nl = t->nl_before, raw = peek(lx, 1) == '`';
		int line = t->line, col = t->col;

		advance(lx);
		advance(lx);
		if (!rego_lex_template(lx, raw, t, err))
			return false;
		t->line = line;
		t->col = col;
		t->nl_before = nl;
		return true;
	} else if ((t->type = operator(lx)) == TOK_EOF) {
		char what[48];

		snprintf(what, sizeof(what), c >= 0x20 && c < 0x7f ?
			 "unexpected character '%c'" :
			 "unexpected byte 0x%02x", c);
		return fail_at(lx, t->line, t->col, err, what);
	}
	t->text = lx->src + start;
	t->len = lx->pos - start;
	return true;
}
