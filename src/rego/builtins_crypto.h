/* builtins_crypto.h - what the token and certificate built-ins share
 * (builtins_jwt.c, builtins_x509.c): Go's PEM block reader, and calling
 * another built-in for its Go-exact behaviour and message.
 *
 * Tokens, keys and certificates come from remote peers: the reader is
 * bounded by its input, never reads past it, and allocates only what the
 * block decodes to. Defined in builtins_crypto.c; internal to those two
 * files. */
#ifndef EAA_REGO_BUILTINS_CRYPTO_H
#define EAA_REGO_BUILTINS_CRYPTO_H

#include "builtins.h"

/* One PEM block as Go's pem.Decode finds it. */
struct pem_block {
	char type[64];      /* "CERTIFICATE"; longer types are cut */
	unsigned char *der; /* malloc'd, freed by pem_block_free */
	size_t len;
	bool has_headers;   /* "Proc-Type: ..." lines before the body */
};

/* A reader's state over the calls that read one input: whether memory
 * ran out, and how many more malformed blocks it will pass over. Go's
 * reader passes over any number, each costing a scan of the rest of the
 * text; a bounded number keeps a hostile text linear. */
struct pem_reader {
	bool nomem;
	unsigned budget;
};
#define PEM_READER_INIT { false, 64 }

/* The first block of s[0..n), as Go's pem.Decode: text before it is
 * skipped, a malformed block is passed over for the next (while r's
 * budget lasts). *rest is the offset just past the block's END line.
 * false when there is none (or out of memory: r->nomem). */
bool pem_decode(const char *s, size_t n, struct pem_block *b, size_t *rest,
		struct pem_reader *r);
void pem_block_free(struct pem_block *b);

/* Call the built-in `fn` on args as OPA's getResult does, for its exact
 * behaviour. On an error, its message without the "fn: " prefix is in
 * err (RB_ERROR or RB_TYPE_ERROR is returned); running out of memory is
 * c's. */
enum rb_status rb_call(struct rb_ctx *c, const char *fn,
		       struct rv *const *args, struct rv **out, char *err,
		       size_t errlen);

#endif
