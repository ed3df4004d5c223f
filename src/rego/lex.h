/* lex.h - Rego tokens (the first stage of the policy engine).
 *
 * Follows OPA's scanner: whitespace and comments separate tokens and are not
 * returned, but a token records whether a newline came before it, because
 * Rego bodies separate literals with newlines as well as ';'. Strings and
 * numbers are returned as their source text; the parser decodes them. A
 * minus sign is always an operator (the parser makes negative numbers). */
#ifndef EAA_REGO_LEX_H
#define EAA_REGO_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

enum rego_tok {
	TOK_EOF,
	TOK_IDENT,
	TOK_STRING,     /* "..." with JSON escapes */
	TOK_RAWSTRING,  /* `...` verbatim */
	TOK_TEMPLATE,   /* a part of $"...": escapes as in strings, and \{ */
	TOK_RAWTEMPLATE, /* a part of $`...`: verbatim but for \{ */
	TOK_NUMBER,
	/* keywords */
	TOK_PACKAGE, TOK_IMPORT, TOK_AS, TOK_DEFAULT, TOK_ELSE, TOK_NOT,
	TOK_WITH, TOK_SOME, TOK_IN, TOK_EVERY, TOK_IF, TOK_CONTAINS,
	TOK_TRUE, TOK_FALSE, TOK_NULL,
	/* operators and punctuation */
	TOK_ASSIGN,     /* := */
	TOK_UNIFY,      /* =  */
	TOK_EQ, TOK_NEQ, TOK_LT, TOK_LTE, TOK_GT, TOK_GTE,
	TOK_ADD, TOK_SUB, TOK_MUL, TOK_QUO, TOK_REM, TOK_AND, TOK_OR,
	TOK_LPAREN, TOK_RPAREN, TOK_LBRACK, TOK_RBRACK, TOK_LBRACE, TOK_RBRACE,
	TOK_DOT, TOK_COMMA, TOK_SEMICOLON, TOK_COLON,
};

struct rego_token {
	enum rego_tok type;
	const char *text; /* into the source */
	size_t len;
	int line, col;    /* 1-based */
	bool nl_before;   /* a newline since the previous token */
	/* TOK_TEMPLATE, TOK_RAWTEMPLATE: text is the part's source between
	 * its delimiters; the closing quote ended it (else a `{` opening an
	 * expression did) */
	bool template_end;
};

struct rego_lexer {
	const char *file; /* for messages */
	const char *src;
	size_t n, pos;
	int line, col;
};

void rego_lex_init(struct rego_lexer *lx, const char *file, const char *src,
		   size_t n);

/* The next token; false with "file:line:col: ..." in err on a malformed
 * one (unterminated string, bad escape or number, stray character). */
bool rego_lex_next(struct rego_lexer *lx, struct rego_token *t,
		   struct eaa_err *err);

/* A template string goes on after the `}` closing one of its
 * expressions: scan its next part from where the lexer stands. */
bool rego_lex_template(struct rego_lexer *lx, bool raw, struct rego_token *t,
		       struct eaa_err *err);

const char *rego_tok_name(enum rego_tok t);

#endif
