/* eaa.h - the EAA protocol verdictd speaks with attestation agents
 * (docs/eaa-protocol.md): one JSON request, one reply, over an attested
 * channel. Both generations the originals used are understood: "AES" +
 * key_length 256 and "A256GCM" in Decrypt, the named `Get <resource>`
 * commands and `Get Resource` with a resource path.
 *
 * Unlike the original, a malformed or unknown request gets an error reply
 * (never a dropped connection or a crash), and nothing but `version` and
 * `echo` is served to a peer whose evidence was not verified and allowed by
 * the policy. */
#ifndef EAA_VD_EAA_H
#define EAA_VD_EAA_H

#include "store.h"

/* What a connection has established before its first request. */
struct vd_peer {
	bool allowed;      /* evidence verified and policy said allow */
	const char *why;   /* when not allowed: the reason, for the reply */
};

struct vd_reply {
	char *data;        /* malloc'd; not NUL-terminated for `echo` */
	size_t len;
	bool close;        /* close the connection after sending (echo) */
};

/* Handle one complete request. Always produces a reply (false only when
 * memory runs out). */
bool vd_eaa_handle(struct vd_store *s, const struct vd_peer *peer,
		   const char *req, size_t n, struct vd_reply *reply);
void vd_reply_free(struct vd_reply *r);

#endif
