/* eaa.h - the EAA protocol verdictd speaks with attestation agents
 * (docs/eaa-protocol.md): one JSON request, one reply, over an attested
 * channel. Both generations the originals used are understood: "AES" +
 * key_length 256 and "A256GCM" in Decrypt, the named `Get <resource>`
 * commands and `Get Resource` with a resource path.
 *
 * Unlike the original, a malformed or unknown request gets an error reply
 * (never a dropped connection or a crash), nothing but `version` and
 * `echo` is served to a peer whose evidence was not verified and allowed by
 * the policy, and each kid and resource an allowed peer asks for is given
 * only when the resource policy allows it (resource_policy.h).
 *
 * The commands are one table, {name, handler, needs_attestation, what it
 * reads}: a handler is reached by its name's row alone, and the table's
 * needs_attestation, not the handler, refuses an unattested peer. Every
 * read of a key or resource goes through one reader that asks the
 * resource policy first. */
#ifndef EAA_VD_EAA_H
#define EAA_VD_EAA_H

#include "resource_policy.h"
#include "store.h"

/* What a connection has established before its first request. */
struct vd_peer {
	bool allowed;      /* evidence verified and policy said allow */
	const char *why;   /* when not allowed: the reason, for the reply */
	const char *tee;   /* when allowed: the TEE whose policy allowed it */
	const char *claims; /* when allowed: its verified claims (JSON) */
	/* decides each key and resource; NULL refuses every one */
	struct vd_rpolicy *rpolicy;
};

/* How a request ended, for the counters (metrics.h). */
enum vd_reply_status {
	VD_REPLY_OK,
	VD_REPLY_FAIL,     /* an error reply: bad parameters, no such key */
	VD_REPLY_REFUSED,  /* the peer may not have it (not attested) */
	VD_REPLY_STATUS_COUNT
};

/* The commands verdictd knows, by their protocol names; a request's
 * command is an index into it, or VD_EAA_UNKNOWN (any other name, none,
 * or not a JSON object). */
#define VD_EAA_NCOMMANDS 11
#define VD_EAA_UNKNOWN VD_EAA_NCOMMANDS
extern const char *const vd_eaa_commands[VD_EAA_NCOMMANDS];

/* What a command reads from the store. */
enum vd_reads { VD_READS_NOTHING, VD_READS_KEYS, VD_READS_RESOURCES };

/* One row of the command table, as tests and listings see it. */
struct vd_command_info {
	const char *name;       /* the request's "command" */
	bool needs_attestation; /* refused unless the peer is allowed */
	enum vd_reads reads;
};

/* Row i of the table; NULL past its end. */
const struct vd_command_info *vd_eaa_command(size_t i);

struct vd_reply {
	char *data;        /* malloc'd; not NUL-terminated for `echo` */
	size_t len;
	bool close;        /* close the connection after sending (echo) */
	int command;       /* vd_eaa_commands[] index, or VD_EAA_UNKNOWN */
	enum vd_reply_status status;
};

/* Handle one complete request. Always produces a reply (false only when
 * memory runs out). */
bool vd_eaa_handle(struct vd_store *s, const struct vd_peer *peer,
		   const char *req, size_t n, struct vd_reply *reply);
void vd_reply_free(struct vd_reply *r);

#endif
