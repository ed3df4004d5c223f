/* builtins_sprintf.c - sprintf, Go's fmt.Sprintf as OPA calls it.
 *
 * Owns rb_sprintf_defs (sprintf) and what only it needs: Go's verbs,
 * flags, widths, argument indexes and "%!" error texts (fmt.doPrintf),
 * Go's quoting (strconv.Quote and friends), Go's float formatting
 * (strconv.AppendFloat) and the Rego text of a non-scalar argument (OPA's
 * Value.String). Policies compare the formatted text, so it must be Go's
 * to the byte. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "text.h"

/* ---- Go's quoting (strconv.Quote and friends) ---- */

/* Go's strconv.IsPrint. */
static bool is_print(struct uprops *u, uint32_t r)
{
	if (r < 0x80)
		return r >= 0x20 && r < 0x7F;
	return rune_valid(r) && uprop(u, UP_PRINT, r);
}

static void put_hex(struct sbuf *b, const char *prefix, uint32_t v, int ndig)
{
	sb_puts(b, prefix);
	while (ndig-- > 0)
		sb_putc(b, lower_digits[v >> (4 * ndig) & 15]);
}

static void quote_rune_body(struct sbuf *b, uint32_t r, char quote,
			    bool ascii, struct uprops *u)
{
	if (r == (uint32_t)(unsigned char)quote || r == '\\') {
		sb_putc(b, '\\');
		sb_rune(b, r);
		return;
	}
	if (ascii ? r < 0x80 && is_print(u, r) : is_print(u, r)) {
		sb_rune(b, r);
		return;
	}
	switch (r) {
	case '\a': sb_puts(b, "\\a"); return;
	case '\b': sb_puts(b, "\\b"); return;
	case '\f': sb_puts(b, "\\f"); return;
	case '\n': sb_puts(b, "\\n"); return;
	case '\r': sb_puts(b, "\\r"); return;
	case '\t': sb_puts(b, "\\t"); return;
	case '\v': sb_puts(b, "\\v"); return;
	}
	if (r < ' ' || r == 0x7F)
		put_hex(b, "\\x", r, 2);
	else if (!rune_valid(r) || r < 0x10000)
		put_hex(b, "\\u", rune_valid(r) ? r : RUNE_ERROR, 4);
	else
		put_hex(b, "\\U", r, 8);
}

/* strconv.Quote, or QuoteToASCII. */
static void go_quote(struct sbuf *b, const char *s, size_t n, bool ascii,
		     struct uprops *u)
{
	size_t i = 0, w;
	uint32_t r;

	sb_putc(b, '"');
	for (; i < n; i += w) {
		w = utf8_decode(s + i, n - i, &r);
		if (w == 1 && r == RUNE_ERROR)
			put_hex(b, "\\x", (unsigned char)s[i], 2);
		else
			quote_rune_body(b, r, '"', ascii, u);
	}
	sb_putc(b, '"');
}

/* strconv.QuoteRune, or QuoteRuneToASCII. */
static void go_quote_rune(struct sbuf *b, uint32_t r, bool ascii,
			  struct uprops *u)
{
	if (!rune_valid(r))
		r = RUNE_ERROR;
	sb_putc(b, '\'');
	quote_rune_body(b, r, '\'', ascii, u);
	sb_putc(b, '\'');
}

/* strconv.CanBackquote. */
static bool can_backquote(const char *s, size_t n)
{
	size_t i = 0, w;
	uint32_t r;

	for (; i < n; i += w) {
		w = utf8_decode(s + i, n - i, &r);
		if (w > 1) {
			if (r == 0xFEFF)
				return false;
			continue;
		}
		if (r == RUNE_ERROR || (r < ' ' && r != '\t') || r == '`' ||
		    r == 0x7F)
			return false;
	}
	return true;
}

/* ---- values as Rego text (OPA's Value.String) ---- */

static void number_text(struct sbuf *b, const struct rv *v)
{
	struct rv_buf nb = { 0 };

	rv_buf_number(&nb, v);
	if (nb.failed)
		b->failed = true;
	else
		sb_put(b, nb.p, nb.len);
	free(nb.p);
}

static void rego_text(struct sbuf *b, const struct rv *v, struct uprops *u)
{
	size_t i;

	switch (v->type) {
	case RV_NULL:
		sb_puts(b, "null");
		break;
	case RV_BOOL:
		sb_puts(b, v->u.b ? "true" : "false");
		break;
	case RV_NUMBER:
		number_text(b, v);
		break;
	case RV_STRING:
		go_quote(b, str_of(v), len_of(v), false, u);
		break;
	case RV_ARRAY:
	case RV_SET:
		if (v->type == RV_SET && v->u.arr.n == 0) {
			sb_puts(b, "set()");
			break;
		}
		sb_putc(b, v->type == RV_SET ? '{' : '[');
		for (i = 0; i < v->u.arr.n && !b->failed; i++) {
			if (i)
				sb_puts(b, ", ");
			rego_text(b, v->u.arr.v[i], u);
		}
		sb_putc(b, v->type == RV_SET ? '}' : ']');
		break;
	case RV_OBJECT:
		sb_putc(b, '{');
		for (i = 0; i < v->u.obj.n && !b->failed; i++) {
			if (i)
				sb_puts(b, ", ");
			rego_text(b, v->u.obj.k[i], u);
			sb_puts(b, ": ");
			rego_text(b, v->u.obj.v[i], u);
		}
		sb_putc(b, '}');
		break;
	}
}

/* ---- Go's strconv.AppendFloat (bitSize 64) ---- */

static int c_float_into(char *dst, size_t size, double v, char fmt, int prec)
{
	switch (fmt) {
	case 'e': return snprintf(dst, size, "%.*e", prec, v);
	case 'E': return snprintf(dst, size, "%.*E", prec, v);
	case 'f': return snprintf(dst, size, "%.*f", prec, v);
	case 'g': return snprintf(dst, size, "%.*g", prec, v);
	default: return snprintf(dst, size, "%.*G", prec, v);
	}
}

/* %e, %f or %g with an explicit precision: C rounds exactly as Go does. */
static void c_float(struct sbuf *b, double v, char fmt, int prec)
{
	int n = c_float_into(NULL, 0, v, fmt, prec);

	if (n < 0 || !sb_room(b, (size_t)n + 1))
		return;
	c_float_into(b->p + b->len, (size_t)n + 1, v, fmt, prec);
	b->len += (size_t)n;
}

/* %g with the shortest digits that read back to v (Go's precision -1),
 * in exponent form when the exponent is below -4 or at least 6. */
static void shortest_g(struct sbuf *b, double v, char fmt)
{
	char buf[40], *e;
	int prec, nd = 0, dp;
	const char *q;

	if (v == 0) {
		sb_puts(b, signbit(v) ? "-0" : "0");
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
	e = strchr(buf, 'e');
	if (!e)
		return;
	for (q = buf; q < e; q++)
		nd += *q >= '0' && *q <= '9';
	dp = atoi(e + 1) + 1;
	if (dp - 1 < -4 || dp - 1 >= 6)
		c_float(b, v, fmt == 'G' ? 'E' : 'e', nd - 1);
	else
		c_float(b, v, 'f', nd > dp ? nd - dp : 0);
}

static void float_bits(double v, bool *neg, uint64_t *mant, int *exp)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	*neg = bits >> 63;
	*exp = (int)(bits >> 52 & 0x7FF);
	*mant = bits & ((1ull << 52) - 1);
	if (*exp == 0)
		(*exp)++;
	else
		*mant |= 1ull << 52;
	*exp -= 1023;
}

/* %b: decimal mantissa, binary exponent. */
static void fmt_b(struct sbuf *b, double v)
{
	uint64_t mant;
	bool neg;
	int exp;
	char tmp[48];

	float_bits(v, &neg, &mant, &exp);
	snprintf(tmp, sizeof(tmp), "%s%llup%s%d", neg ? "-" : "",
		 (unsigned long long)mant, exp - 52 >= 0 ? "+" : "", exp - 52);
	sb_puts(b, tmp);
}

/* %x and %X: Go's hexadecimal mantissa, 'p' and a two-digit exponent. */
static void fmt_x(struct sbuf *b, double v, int prec, char fmt)
{
	const char *hex = fmt == 'X' ? upper_digits : lower_digits;
	uint64_t mant, extra;
	bool neg;
	int exp, i;
	char tmp[16];

	float_bits(v, &neg, &mant, &exp);
	if (mant == 0)
		exp = 0;
	mant <<= 60 - 52;
	while (mant != 0 && (mant & (1ull << 60)) == 0) {
		mant <<= 1;
		exp--;
	}
	if (prec >= 0 && prec < 15) {
		unsigned shift = (unsigned)prec * 4;

		extra = (mant << shift) & ((1ull << 60) - 1);
		mant >>= 60 - shift;
		if ((extra | (mant & 1)) > 1ull << 59)
			mant++;
		mant <<= 60 - shift;
		if (mant & (1ull << 61)) {
			mant >>= 1;
			exp++;
		}
	}
	if (neg)
		sb_putc(b, '-');
	sb_putc(b, '0');
	sb_putc(b, fmt);
	sb_putc(b, (char)('0' + (mant >> 60 & 1)));
	mant <<= 4;
	if (prec < 0 && mant != 0) {
		sb_putc(b, '.');
		while (mant != 0) {
			sb_putc(b, hex[mant >> 60 & 15]);
			mant <<= 4;
		}
	} else if (prec > 0) {
		sb_putc(b, '.');
		for (i = 0; i < prec; i++) {
			sb_putc(b, hex[mant >> 60 & 15]);
			mant <<= 4;
		}
	}
	snprintf(tmp, sizeof(tmp), "%c%c%02d", fmt == 'X' ? 'P' : 'p',
		 exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	sb_puts(b, tmp);
}

static void append_float(struct sbuf *b, double v, char fmt, int prec)
{
	switch (fmt) {
	case 'b':
		fmt_b(b, v);
		break;
	case 'x':
	case 'X':
		fmt_x(b, v, prec, fmt);
		break;
	case 'g':
	case 'G':
		if (prec < 0) {
			shortest_g(b, v, fmt);
			break;
		}
		/* fallthrough */
	default:
		c_float(b, v, fmt, prec);
	}
}

/* ---- sprintf: Go's fmt.Sprintf over OPA's argument conversion ----
 * OPA hands fmt an int for an integer, a *big.Int for a bigger integer,
 * a float64 for any other number, the string for a string, and the Rego
 * text of anything else as a string. */

enum garg_kind { GA_INT, GA_BIG, GA_FLOAT, GA_STRING };

struct garg {
	enum garg_kind kind;
	int64_t i;
	double d;
	const struct rv *num; /* GA_BIG: its exact digits */
	const char *s;
	size_t n, off; /* off: where Rego text sits in the text buffer */
};

struct gflags {
	bool wid_present, prec_present, minus, plus, sharp, space, zero;
	bool plus_v, sharp_v;
	int wid, prec;
};

struct gprinter {
	struct sbuf *out;
	struct gflags f;
	const struct garg *arg;
	struct uprops *u;
	bool reordered, good_argnum;
};

static const char *garg_type(const struct garg *a)
{
	static const char *const names[] = { "int64", "*big.Int", "float64",
					     "string" };

	return names[a->kind];
}

static void g_padding(struct gprinter *p, int n)
{
	if (n > 0)
		sb_fill(p->out, p->f.zero && !p->f.minus ? '0' : ' ', (size_t)n);
}

/* fmt.pad: width counts runes. */
static void g_pad(struct gprinter *p, const char *s, size_t n)
{
	size_t rc;
	int width;

	if (!p->f.wid_present || p->f.wid == 0) {
		sb_put(p->out, s, n);
		return;
	}
	rc = rune_count(s, n);
	width = rc >= (size_t)p->f.wid ? 0 : p->f.wid - (int)rc;
	if (!p->f.minus) {
		g_padding(p, width);
		sb_put(p->out, s, n);
	} else {
		sb_put(p->out, s, n);
		g_padding(p, width);
	}
}

/* Pad with spaces only, whatever the zero flag says. */
static void g_pad_spaces(struct gprinter *p, const char *s, size_t n)
{
	bool zero = p->f.zero;

	p->f.zero = false;
	g_pad(p, s, n);
	p->f.zero = zero;
}

/* Numbers and quoted text are built in a scratch buffer, then padded. A
 * scratch buffer that failed fails the output: true if so (and freed). */
static bool g_scratch_failed(struct gprinter *p, struct sbuf *tmp)
{
	if (!tmp->failed)
		return false;
	p->out->failed = true;
	sb_free(tmp);
	return true;
}

/* Pad the scratch buffer into the output (spaces only, or as the flags
 * say) and free it. */
static void g_pad_scratch(struct gprinter *p, struct sbuf *tmp, bool spaces)
{
	if (g_scratch_failed(p, tmp))
		return;
	if (spaces)
		g_pad_spaces(p, tmp->p ? tmp->p : "", tmp->len);
	else
		g_pad(p, tmp->p ? tmp->p : "", tmp->len);
	sb_free(tmp);
}

static void g_integer(struct gprinter *p, uint64_t u, unsigned base,
		      bool is_signed, uint32_t verb, const char *digits)
{
	bool neg = is_signed && (int64_t)u < 0;
	char buf[72];
	struct sbuf num;
	size_t at, ndig;
	int prec = 0;

	if (neg)
		u = 0 - u;
	if (p->f.prec_present) {
		prec = p->f.prec;
		if (prec == 0 && u == 0) {
			bool zero = p->f.zero;

			p->f.zero = false;
			g_padding(p, p->f.wid);
			p->f.zero = zero;
			return;
		}
	} else if (p->f.zero && !p->f.minus && p->f.wid_present) {
		prec = p->f.wid;
		if (neg || p->f.plus || p->f.space)
			prec--;
	}
	at = u64_digits(u, base, digits, buf, sizeof(buf));
	ndig = sizeof(buf) - at;
	sb_init_like(&num, p->out);
	if (neg)
		sb_putc(&num, '-');
	else if (p->f.plus)
		sb_putc(&num, '+');
	else if (p->f.space)
		sb_putc(&num, ' ');
	if (verb == 'O')
		sb_puts(&num, "0o");
	if (p->f.sharp) {
		if (base == 2)
			sb_puts(&num, "0b");
		else if (base == 8 && buf[at] != '0' && prec <= (int)ndig)
			sb_putc(&num, '0');
		else if (base == 16) {
			sb_putc(&num, '0');
			sb_putc(&num, digits[16]);
		}
	}
	if (prec > 0 && (size_t)prec > ndig)
		sb_fill(&num, '0', (size_t)prec - ndig);
	sb_put(&num, buf + at, ndig);
	g_pad_scratch(p, &num, true);
}

/* %U: "U+0041", and with '#' the quoted rune after it. */
static void g_unicode(struct gprinter *p, uint64_t u)
{
	int prec = 4, nd = 0;
	struct sbuf num;
	uint64_t t;

	if (p->f.prec_present && p->f.prec > 4)
		prec = p->f.prec;
	for (t = u; t; t >>= 4)
		nd++;
	if (nd == 0)
		nd = 1;
	sb_init_like(&num, p->out);
	sb_puts(&num, "U+");
	if (prec > nd)
		sb_fill(&num, '0', (size_t)(prec - nd));
	while (nd-- > 0)
		sb_putc(&num, upper_digits[u >> (4 * nd) & 15]);
	if (p->f.sharp && u <= MAX_RUNE && is_print(p->u, (uint32_t)u)) {
		sb_puts(&num, " '");
		sb_rune(&num, (uint32_t)u);
		sb_putc(&num, '\'');
	}
	g_pad_scratch(p, &num, true);
}

static void g_char(struct gprinter *p, uint64_t u, bool quoted)
{
	uint32_t r = u > MAX_RUNE ? RUNE_ERROR : (uint32_t)u;
	struct sbuf tmp;

	sb_init_like(&tmp, p->out);
	if (quoted)
		go_quote_rune(&tmp, r, p->f.plus, p->u);
	else
		sb_rune(&tmp, r);
	g_pad_scratch(p, &tmp, false);
}

/* fmt.truncateString: at most prec runes. */
static size_t g_truncate(const struct gprinter *p, const char *s, size_t n)
{
	size_t i = 0;
	uint32_t r;
	int k;

	if (!p->f.prec_present)
		return n;
	for (k = 0; i < n; k++) {
		if (k >= p->f.prec)
			return i;
		i += utf8_decode(s + i, n - i, &r);
	}
	return n;
}

static void g_str(struct gprinter *p, const char *s, size_t n)
{
	g_pad(p, s, g_truncate(p, s, n));
}

static void g_hexstr(struct gprinter *p, const char *s, size_t n,
		     const char *digits)
{
	size_t length = n, width, i;

	if (p->f.prec_present && (size_t)p->f.prec < length)
		length = (size_t)p->f.prec;
	if (length == 0) {
		if (p->f.wid_present)
			g_padding(p, p->f.wid);
		return;
	}
	width = 2 * length;
	if (p->f.space) {
		if (p->f.sharp)
			width *= 2;
		width += length - 1;
	} else if (p->f.sharp) {
		width += 2;
	}
	if (p->f.wid_present && (size_t)p->f.wid > width && !p->f.minus)
		g_padding(p, p->f.wid - (int)width);
	if (p->f.sharp) {
		sb_putc(p->out, '0');
		sb_putc(p->out, digits[16]);
	}
	for (i = 0; i < length; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (p->f.space && i > 0) {
			sb_putc(p->out, ' ');
			if (p->f.sharp) {
				sb_putc(p->out, '0');
				sb_putc(p->out, digits[16]);
			}
		}
		sb_putc(p->out, digits[ch >> 4]);
		sb_putc(p->out, digits[ch & 15]);
	}
	if (p->f.wid_present && (size_t)p->f.wid > width && p->f.minus)
		g_padding(p, p->f.wid - (int)width);
}

static void g_quoted(struct gprinter *p, const char *s, size_t n)
{
	struct sbuf tmp;

	n = g_truncate(p, s, n);
	sb_init_like(&tmp, p->out);
	if (p->f.sharp && can_backquote(s, n)) {
		sb_putc(&tmp, '`');
		sb_put(&tmp, s, n);
		sb_putc(&tmp, '`');
	} else {
		go_quote(&tmp, s, n, p->f.plus, p->u);
	}
	g_pad_scratch(p, &tmp, false);
}

/* fmt.fmtFloat. Rego numbers are finite, so no Inf or NaN. */
static void g_float(struct gprinter *p, double v, char verb, int prec)
{
	struct sbuf num, sharp;
	size_t len, i;
	char *s;

	if (p->f.prec_present)
		prec = p->f.prec;
	sb_init_like(&num, p->out);
	sb_putc(&num, '+');
	append_float(&num, v, verb, prec);
	if (g_scratch_failed(p, &num))
		return;
	s = num.p;
	len = num.len;
	if (s[1] == '-' || s[1] == '+') {
		s++;
		len--;
	}
	if (p->f.space && s[0] == '+' && !p->f.plus)
		s[0] = ' ';
	if (p->f.sharp && verb != 'b') {
		/* '#' keeps a decimal point and the trailing zeros. */
		int digits = 0;
		bool has_dp = false, nonzero = false;
		size_t tail = len;

		if (verb == 'g' || verb == 'G' || verb == 'x')
			digits = prec < 0 ? 6 : prec;
		for (i = 1; i < tail; i++) {
			char ch = s[i];

			if (ch == '.') {
				has_dp = true;
			} else if (ch == 'p' || ch == 'P' ||
				   ((ch == 'e' || ch == 'E') && verb != 'x' &&
				    verb != 'X')) {
				tail = i;
			} else {
				if (ch != '0')
					nonzero = true;
				if (nonzero)
					digits--;
			}
		}
		sb_init_like(&sharp, p->out);
		sb_put(&sharp, s, tail);
		if (!has_dp) {
			if (tail == 2 && s[1] == '0')
				digits--;
			sb_putc(&sharp, '.');
		}
		if (digits > 0)
			sb_fill(&sharp, '0', (size_t)digits);
		sb_put(&sharp, s + tail, len - tail);
		sb_free(&num);
		num = sharp;
		if (g_scratch_failed(p, &num))
			return;
		s = num.p;
		len = num.len;
	}
	if (p->f.plus || s[0] != '+') {
		if (p->f.zero && !p->f.minus && p->f.wid_present &&
		    (size_t)p->f.wid > len) {
			sb_putc(p->out, s[0]);
			g_padding(p, p->f.wid - (int)len);
			sb_put(p->out, s + 1, len - 1);
		} else {
			g_pad(p, s, len);
		}
	} else {
		g_pad(p, s + 1, len - 1);
	}
	sb_free(&num);
}

/* The digits of a big integer argument: exact from its text. */
static void g_big_digits(struct sbuf *b, const struct garg *a, unsigned base,
			 const char *digits)
{
	if (!a->num) {
		big_digits(b, a->d, base, digits);
		return;
	}
	switch (num_int_digits(b, a->num, base, digits)) {
	case 0:
		b->failed = true;
		break;
	case -1: /* past any bound we hold exactly: as written */
		sb_puts(b, a->num->u.num.text + (a->d < 0));
		break;
	}
}

/* math/big's Int.Format. */
static void g_big(struct gprinter *p, const struct garg *a, uint32_t verb)
{
	double d = a->d;
	const char *sign = "", *prefix = "";
	const char *digits = verb == 'X' ? upper_digits : lower_digits;
	struct sbuf dig;
	size_t zeros = 0, left = 0, right = 0, length;
	unsigned base;

	switch (verb) {
	case 'b': base = 2; break;
	case 'o': case 'O': base = 8; break;
	case 'd': case 's': case 'v': base = 10; break;
	case 'x': case 'X': base = 16; break;
	default:
		sb_puts(p->out, "%!");
		sb_rune(p->out, verb);
		sb_puts(p->out, "(big.Int=");
		if (d < 0)
			sb_putc(p->out, '-');
		g_big_digits(p->out, a, 10, lower_digits);
		sb_putc(p->out, ')');
		return;
	}
	if (d < 0)
		sign = "-";
	else if (p->f.plus || p->f.plus_v)
		sign = "+";
	else if (p->f.space)
		sign = " ";
	if (p->f.sharp || p->f.sharp_v) {
		if (verb == 'b')
			prefix = "0b";
		else if (verb == 'o')
			prefix = "0";
		else if (verb == 'x')
			prefix = "0x";
		else if (verb == 'X')
			prefix = "0X";
	}
	if (verb == 'O')
		prefix = "0o";
	sb_init_like(&dig, p->out);
	g_big_digits(&dig, a, base, digits);
	if (g_scratch_failed(p, &dig))
		return;
	if (p->f.prec_present && dig.len < (size_t)p->f.prec)
		zeros = (size_t)p->f.prec - dig.len;
	length = strlen(sign) + strlen(prefix) + zeros + dig.len;
	if (p->f.wid_present && length < (size_t)p->f.wid) {
		size_t pad = (size_t)p->f.wid - length;

		if (p->f.minus)
			right = pad;
		else if (p->f.zero && !p->f.prec_present)
			zeros = pad;
		else
			left = pad;
	}
	sb_fill(p->out, ' ', left);
	sb_puts(p->out, sign);
	sb_puts(p->out, prefix);
	sb_fill(p->out, '0', zeros);
	sb_put(p->out, dig.p, dig.len);
	sb_fill(p->out, ' ', right);
	sb_free(&dig);
}

static void g_print_arg(struct gprinter *p, const struct garg *a,
			uint32_t verb);

/* fmt's "%!verb(type=value)". */
static void g_bad_verb(struct gprinter *p, uint32_t verb)
{
	const struct garg *a = p->arg;

	sb_puts(p->out, "%!");
	sb_rune(p->out, verb);
	sb_putc(p->out, '(');
	sb_puts(p->out, garg_type(a));
	sb_putc(p->out, '=');
	g_print_arg(p, a, 'v');
	sb_putc(p->out, ')');
	p->arg = a;
}

static void g_int_verb(struct gprinter *p, int64_t i, uint32_t verb)
{
	uint64_t u = (uint64_t)i;

	switch (verb) {
	case 'v': case 'd': g_integer(p, u, 10, true, verb, lower_digits); break;
	case 'b': g_integer(p, u, 2, true, verb, lower_digits); break;
	case 'o': case 'O': g_integer(p, u, 8, true, verb, lower_digits); break;
	case 'x': g_integer(p, u, 16, true, verb, lower_digits); break;
	case 'X': g_integer(p, u, 16, true, verb, upper_digits); break;
	case 'c': g_char(p, u, false); break;
	case 'q': g_char(p, u, true); break;
	case 'U': g_unicode(p, u); break;
	default: g_bad_verb(p, verb);
	}
}

static void g_float_verb(struct gprinter *p, double d, uint32_t verb)
{
	switch (verb) {
	case 'v': g_float(p, d, 'g', -1); break;
	case 'b': case 'g': case 'G': case 'x': case 'X':
		g_float(p, d, (char)verb, -1);
		break;
	case 'f': case 'e': case 'E': g_float(p, d, (char)verb, 6); break;
	case 'F': g_float(p, d, 'f', 6); break;
	default: g_bad_verb(p, verb);
	}
}

static void g_string_verb(struct gprinter *p, const char *s, size_t n,
			  uint32_t verb)
{
	switch (verb) {
	case 'v':
		if (p->f.sharp_v)
			g_quoted(p, s, n);
		else
			g_str(p, s, n);
		break;
	case 's': g_str(p, s, n); break;
	case 'x': g_hexstr(p, s, n, lower_digits); break;
	case 'X': g_hexstr(p, s, n, upper_digits); break;
	case 'q': g_quoted(p, s, n); break;
	default: g_bad_verb(p, verb);
	}
}

static void g_print_arg(struct gprinter *p, const struct garg *a, uint32_t verb)
{
	p->arg = a;
	if (verb == 'T') {
		g_str(p, garg_type(a), strlen(garg_type(a)));
		return;
	}
	if (verb == 'p' && a->kind != GA_BIG) {
		g_bad_verb(p, verb);
		return;
	}
	switch (a->kind) {
	case GA_INT:
		g_int_verb(p, a->i, verb);
		break;
	case GA_BIG:
		g_big(p, a, verb);
		break;
	case GA_FLOAT:
		g_float_verb(p, a->d, verb);
		break;
	case GA_STRING:
		g_string_verb(p, a->s, a->n, verb);
		break;
	}
}

static bool too_large(int x)
{
	return x > 1000000 || x < -1000000;
}

/* fmt.parsenum; returns the new index. */
static size_t g_parsenum(const char *s, size_t i, size_t end, int *num,
			 bool *isnum)
{
	*num = 0;
	*isnum = false;
	if (i >= end)
		return end;
	for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
		if (too_large(*num)) {
			*num = 0;
			*isnum = false;
			return end;
		}
		*num = *num * 10 + (s[i] - '0');
		*isnum = true;
	}
	return i;
}

/* fmt.argNumber: an explicit "[n]" argument index. */
static size_t g_argnumber(struct gprinter *p, int *argnum, const char *s,
			  size_t i, size_t end, int nargs, bool *found)
{
	size_t j, wid = 1;
	bool ok = false;
	int idx = 0;

	*found = false;
	if (i >= end || s[i] != '[')
		return i;
	p->reordered = true;
	if (end - i >= 3) {
		for (j = i + 1; j < end; j++) {
			if (s[j] == ']') {
				bool isnum;
				size_t ni = g_parsenum(s, i + 1, j, &idx, &isnum);

				wid = j - i + 1;
				ok = isnum && ni == j;
				idx--;
				break;
			}
		}
	}
	if (ok && idx >= 0 && idx < nargs) {
		*argnum = idx;
		*found = true;
		return i + wid;
	}
	p->good_argnum = false;
	*found = ok;
	return i + wid;
}

/* fmt.intFromArg, for '*' widths and precisions. */
static void g_int_from_arg(const struct garg *args, int nargs, int *argnum,
			   int *num, bool *isint)
{
	*num = 0;
	*isint = false;
	if (*argnum < nargs) {
		const struct garg *a = &args[*argnum];

		if (a->kind == GA_INT && a->i >= -1000000 && a->i <= 1000000) {
			*num = (int)a->i;
			*isint = true;
		}
		(*argnum)++;
	}
}

static void g_clear(struct gprinter *p)
{
	memset(&p->f, 0, sizeof(p->f));
}

/* An argument for a verb of the format: for %v, '#' and '+' mean Go
 * syntax and field names, not what they mean to the other verbs. */
static void g_print_verb(struct gprinter *p, const struct garg *a,
			 uint32_t verb)
{
	if (verb == 'v') {
		p->f.sharp_v = p->f.sharp;
		p->f.sharp = false;
		p->f.plus_v = p->f.plus;
		p->f.plus = false;
	}
	g_print_arg(p, a, verb);
}

/* fmt.doPrintf. */
static void g_printf(struct gprinter *p, const char *s, size_t end,
		     const struct garg *args, int nargs)
{
	size_t i = 0, lasti;
	int argnum = 0;
	bool after_index = false;
	uint32_t verb;

	p->reordered = false;
	while (i < end && !p->out->failed) {
		p->good_argnum = true;
		lasti = i;
		while (i < end && s[i] != '%')
			i++;
		if (i > lasti)
			sb_put(p->out, s + lasti, i - lasti);
		if (i >= end)
			break;
		i++;
		g_clear(p);
		for (; i < end; i++) {
			char ch = s[i];

			if (ch == '#') {
				p->f.sharp = true;
			} else if (ch == '0') {
				p->f.zero = true;
			} else if (ch == '+') {
				p->f.plus = true;
			} else if (ch == '-') {
				p->f.minus = true;
			} else if (ch == ' ') {
				p->f.space = true;
			} else {
				break;
			}
		}
		if (i < end && s[i] >= 'a' && s[i] <= 'z' && argnum < nargs) {
			/* the common case: flags and a lower-case verb */
			g_print_verb(p, &args[argnum++], (unsigned char)s[i]);
			i++;
			continue;
		}
		i = g_argnumber(p, &argnum, s, i, end, nargs, &after_index);
		if (i < end && s[i] == '*') {
			i++;
			g_int_from_arg(args, nargs, &argnum, &p->f.wid,
				       &p->f.wid_present);
			if (!p->f.wid_present)
				sb_puts(p->out, "%!(BADWIDTH)");
			if (p->f.wid < 0) {
				p->f.wid = -p->f.wid;
				p->f.minus = true;
				p->f.zero = false;
			}
			after_index = false;
		} else {
			i = g_parsenum(s, i, end, &p->f.wid, &p->f.wid_present);
			if (after_index && p->f.wid_present)
				p->good_argnum = false;
		}
		if (i + 1 < end && s[i] == '.') {
			i++;
			if (after_index)
				p->good_argnum = false;
			i = g_argnumber(p, &argnum, s, i, end, nargs,
					&after_index);
			if (i < end && s[i] == '*') {
				i++;
				g_int_from_arg(args, nargs, &argnum, &p->f.prec,
					       &p->f.prec_present);
				if (p->f.prec < 0) {
					p->f.prec = 0;
					p->f.prec_present = false;
				}
				if (!p->f.prec_present)
					sb_puts(p->out, "%!(BADPREC)");
				after_index = false;
			} else {
				i = g_parsenum(s, i, end, &p->f.prec,
					       &p->f.prec_present);
				if (!p->f.prec_present) {
					p->f.prec = 0;
					p->f.prec_present = true;
				}
			}
		}
		if (!after_index)
			i = g_argnumber(p, &argnum, s, i, end, nargs,
					&after_index);
		if (i >= end) {
			sb_puts(p->out, "%!(NOVERB)");
			break;
		}
		i += utf8_decode(s + i, end - i, &verb);
		if (verb == '%') {
			sb_putc(p->out, '%');
		} else if (!p->good_argnum) {
			sb_puts(p->out, "%!");
			sb_rune(p->out, verb);
			sb_puts(p->out, "(BADINDEX)");
		} else if (argnum >= nargs) {
			sb_puts(p->out, "%!");
			sb_rune(p->out, verb);
			sb_puts(p->out, "(MISSING)");
		} else {
			g_print_verb(p, &args[argnum++], verb);
		}
	}
	if (!p->reordered && argnum < nargs) {
		g_clear(p);
		sb_puts(p->out, "%!(EXTRA ");
		for (; argnum < nargs; argnum++) {
			sb_puts(p->out, garg_type(&args[argnum]));
			sb_putc(p->out, '=');
			g_print_arg(p, &args[argnum], 'v');
			if (argnum + 1 < nargs)
				sb_puts(p->out, ", ");
		}
		sb_putc(p->out, ')');
	}
}

static enum rb_status bi_sprintf(struct rb_ctx *c, struct rv *const *args,
				 struct rv **out)
{
	const struct rv *arr = args[1];
	struct uprops u = { 0 };
	struct gprinter p;
	struct sbuf text, b;
	struct garg *ga;
	size_t i, n;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(arr, RV_ARRAY))
		return rb_type_error(c, 2, "array", arr);
	n = arr->u.arr.n;
	if (n > INT_MAX)
		return rb_nomem(c);
	ga = n ? rv_alloc(c->arena, n * sizeof(*ga)) : NULL;
	if (n && !ga)
		return rb_nomem(c);
	sb_init(&text, c->arena);
	for (i = 0; i < n; i++) {
		const struct rv *v = arr->u.arr.v[i];
		double big;

		if (v->type == RV_NUMBER) {
			/* OPA decides by the text: 1e2 and 1.0 are floats,
			 * 2e308 (no float64) its text */
			const char *t = v->u.num.text;

			ga[i].d = v->u.num.d;
			ga[i].num = v;
			if (t && strpbrk(t, ".eE") && isinf(v->u.num.d)) {
				ga[i].kind = GA_STRING;
				ga[i].s = t;
				ga[i].n = strlen(t);
			} else if (t ? strpbrk(t, ".eE") != NULL :
				   !v->u.num.is_int && v->u.num.d != trunc(v->u.num.d))
				ga[i].kind = GA_FLOAT;
			else if (num_trunc(v, &ga[i].i, &big))
				ga[i].kind = GA_INT;
			else
				ga[i].kind = GA_BIG;
		} else if (v->type == RV_STRING) {
			ga[i].kind = GA_STRING;
			ga[i].s = str_of(v);
			ga[i].n = len_of(v);
		} else {
			ga[i].kind = GA_STRING;
			ga[i].s = NULL;
			ga[i].off = text.len;
			rego_text(&text, v, &u);
			ga[i].n = text.len - ga[i].off;
		}
	}
	for (i = 0; i < n && !text.failed; i++)
		if (ga[i].kind == GA_STRING && !ga[i].s)
			ga[i].s = text.p ? text.p + ga[i].off : "";
	sb_init(&b, c->arena);
	if (text.failed)
		b.failed = true;
	memset(&p, 0, sizeof(p));
	p.out = &b;
	p.u = &u;
	if (!b.failed)
		g_printf(&p, str_of(args[0]), len_of(args[0]), ga, (int)n);
	sb_free(&text);
	uprops_free(&u);
	return sb_result(c, &b, out);
}

/* internal.template_string(parts): what $"...{expr}..." compiles to (see
 * parse.c). A part is a string or scalar constant, or the set of its
 * expression's values: empty is "<undefined>", one value is that value as
 * a string is (itself) or as Rego text, as OPA's print does. */
static enum rb_status bi_template_string(struct rb_ctx *c, struct rv *const *args,
					 struct rv **out)
{
	const struct rv *arr = args[0];
	struct uprops u = { 0 };
	struct sbuf b;
	size_t i;

	if (!rv_is(arr, RV_ARRAY))
		return rb_type_error(c, 1, "array", arr);
	sb_init(&b, c->arena);
	for (i = 0; i < arr->u.arr.n && !b.failed; i++) {
		const struct rv *v = arr->u.arr.v[i];

		if (v->type == RV_SET) {
			if (v->u.arr.n > 1) {
				sb_free(&b);
				uprops_free(&u);
				return rb_error(c, "template-strings must not produce multiple outputs");
			}
			if (v->u.arr.n == 0) {
				sb_puts(&b, "<undefined>");
				continue;
			}
			v = v->u.arr.v[0];
		} else if (v->type == RV_ARRAY || v->type == RV_OBJECT) {
			sb_free(&b);
			uprops_free(&u);
			return rb_error(c, "illegal argument type: %s", rv_type_name(v->type));
		}
		if (v->type == RV_STRING)
			sb_put(&b, str_of(v), len_of(v));
		else
			rego_text(&b, v, &u);
	}
	uprops_free(&u);
	return sb_result(c, &b, out);
}

const struct rb_def rb_sprintf_defs[] = {
	{ "sprintf", 2, bi_sprintf },
	{ "internal.template_string", 1, bi_template_string },
	{ NULL, 0, NULL },
};
