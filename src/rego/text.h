/* text.h - text helpers shared by the string, sprintf and regex built-ins.
 *
 * Owns what more than one of builtins_string.c, builtins_sprintf.c and
 * builtins_regex.c needs: the bounded output buffer results are built in,
 * UTF-8 decoded as Go decodes it (an invalid byte is one U+FFFD), Unicode
 * properties looked up in PCRE2's tables, the operand checks, and integer
 * digits in bases 2 to 16. Internal to those built-ins; a helper only one
 * of them uses stays in that file. */
#ifndef EAA_REGO_TEXT_H
#define EAA_REGO_TEXT_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include "builtins.h"

#define RUNE_ERROR 0xFFFDu
#define MAX_RUNE 0x10FFFFu

/* ---- output buffer ----
 * Results are built in a malloc'd buffer that may not outgrow what the
 * arena has left, then copied into the arena once. (rv_buf has no such
 * bound, and no room to write into in place.) A failed append latches
 * `failed`; sb_result turns it into the memory limit error. */

struct sbuf {
	char *p;
	size_t len, cap, max;
	bool failed;
};

void sb_init(struct sbuf *b, const struct rv_arena *a);
/* A scratch buffer bounded like another. */
void sb_init_like(struct sbuf *b, const struct sbuf *like);
/* Room for n more bytes at p + len; false (and failed) if not. */
bool sb_room(struct sbuf *b, size_t n);
void sb_put(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_putc(struct sbuf *b, char c);
/* n copies of c. */
void sb_fill(struct sbuf *b, char c, size_t n);
/* r UTF-8 encoded, U+FFFD if it is not a valid rune. */
void sb_rune(struct sbuf *b, uint32_t r);
void sb_free(struct sbuf *b);
/* The buffer as the result string; frees the buffer. */
enum rb_status sb_result(struct rb_ctx *c, struct sbuf *b, struct rv **out);

/* ---- UTF-8, as Go's unicode/utf8 ---- */

/* Decode one rune. An invalid or truncated sequence is U+FFFD one byte
 * wide; 0 only for an empty input. */
size_t utf8_decode(const char *str, size_t n, uint32_t *r);
/* Not above U+10FFFF and not a surrogate. */
bool rune_valid(uint32_t r);
/* Runes in s[0..n), each invalid byte one. */
size_t rune_count(const char *s, size_t n);

/* ---- Unicode properties ----
 * Go's strconv.IsPrint and unicode.IsLetter/IsDigit need Unicode tables;
 * PCRE2 has them, so ask it. Compiled on first use, freed with the call:
 * start from a zeroed struct uprops and call uprops_free at the end. */

enum { UP_PRINT, UP_WORD };

struct uprops {
	pcre2_code *re[2];
	pcre2_match_data *md;
	bool tried;
};

/* Whether r has the property: UP_PRINT (graphic, less ' ') or UP_WORD (a
 * letter, a decimal digit or '_'). */
bool uprop(struct uprops *u, int which, uint32_t r);
void uprops_free(struct uprops *u);

/* ---- operands and results ---- */

static inline const char *str_of(const struct rv *v)
{
	return v->u.str.s;
}

static inline size_t len_of(const struct rv *v)
{
	return v->u.str.len;
}

/* Operands 1..n must all be strings, checked in order as OPA does. */
enum rb_status want_strings(struct rb_ctx *c, struct rv *const *args,
			    unsigned n);
/* OPA's IntOperand: operand i (1-based) must be an integral number. */
enum rb_status want_int(struct rb_ctx *c, const struct rv *v, unsigned i,
			int64_t *out);
/* The builder's array as the result. */
enum rb_status ok_array(struct rb_ctx *c, struct rv_builder *b,
			struct rv **out);

/* ---- integers in bases 2, 8, 10 and 16 ---- */

/* Digits of each base, and at [16] the 'x' of a "0x" prefix. */
extern const char lower_digits[];
extern const char upper_digits[];

/* Digits of u, right-aligned in buf[0..size); returns the first index.
 * size 72 holds any base. */
size_t u64_digits(uint64_t u, unsigned base, const char *digits, char *buf,
		  size_t size);
/* Digits of |d| for an integral double past the int64 range: Go prints
 * these numbers through math/big. */
void big_digits(struct sbuf *b, double d, unsigned base, const char *digits);
/* The integer part of a number: exact in *i when it fits an int64 (true),
 * else in *big (false). */
bool num_trunc(const struct rv *v, int64_t *i, double *big);
/* The digits of |v| truncated toward zero, appended to b: exact for
 * numbers of up to RV_NUM_MAX_TEXT integer digits (number.h). 1 when
 * done, 0 on allocation failure, -1 for a number longer than that. */
int num_int_digits(struct sbuf *b, const struct rv *v, unsigned base,
		   const char *digits);

#endif
