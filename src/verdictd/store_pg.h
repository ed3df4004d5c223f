/* store_pg.h - verdictd's store in PostgreSQL, the shared store of several
 * replicas (`--store postgresql://...`, docs/verdictd.md "Running several
 * replicas"). store.c keeps its interface and calls these for a store
 * opened on a database; nothing else calls them.
 *
 * The database holds what the state directory holds, by the same relative
 * paths ("keys/<kid>", "opa/sgxPolicy.rego", "image/policy.json",
 * "resources/<repo>/<type>/<tag>", "kbs/token.key", "client-api.token"),
 * and KBS sessions by their id:
 *
 *   eaa_meta(name, value)          "schema" (its version), "generation"
 *                                  (raised by every write), "keycheck"
 *   eaa_objects(path, value)       every document, sealed
 *   eaa_kbs_sessions(id, expires, value)   sealed
 *
 * Every value is sealed under the master key (--store-key FILE, 32 bytes):
 * AES-256-GCM, a random 12-byte nonce, the path (or session id) as
 * associated data, stored as 0x01 || nonce || tag || ciphertext. A dump of
 * the database alone releases nothing, and a value moved to another path
 * does not open. "keycheck" is a sealed known text: a wrong master key is
 * refused at start, before anything is read or written.
 *
 * Every write is one transaction that first locks the "generation" row
 * (so writers of every replica are serialised, as one store's are by its
 * lock), raises it, and NOTIFYs eaa_store with the new value. Each store
 * keeps a local generation (vd_pg_generation) that moves whenever the
 * database's may have: its own commits, a notification, a periodic check
 * (every 250 ms) that also proves the database reachable, the loss or
 * return of the connection, and every read: each read returns the
 * database's generation with the value (one statement, one snapshot), so
 * a key read under a newer generation than the decision's makes the
 * decision stale before the key is sent (serve.c and kbs.c decide again),
 * and vd_pg_sync reads it before each new decision. While the database cannot be reached every
 * read fails: verdictd refuses, it never decides on what it read before. */
#ifndef EAA_VD_STORE_PG_H
#define EAA_VD_STORE_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define VD_STORE_KEY_LEN 32
/* the schema this build writes; a database at a newer one is refused */
#define VD_PG_SCHEMA 1

struct vd_pg;

/* The master key from file: a regular file no one but its owner may read
 * or write (mode 0600 or stricter), holding 32 bytes or 64 hex digits (a
 * newline after them allowed). */
bool vd_store_key_read(const char *file, uint8_t key[VD_STORE_KEY_LEN],
		       struct eaa_err *err);

/* Connect (url: a libpq connection URI or string), create or migrate the
 * schema, check the master key (copied) and start the generation watch.
 * NULL with err saying why. */
struct vd_pg *vd_pg_open(const char *url, const uint8_t key[VD_STORE_KEY_LEN],
			 struct eaa_err *err);
void vd_pg_close(struct vd_pg *pg);
uint64_t vd_pg_generation(struct vd_pg *pg);

/* The document at path: false with *missing set when there is none (and
 * err saying so), false with *missing clear when the database failed or
 * the value does not open. *out is malloc'd with a NUL after its n bytes. */
bool vd_pg_get(struct vd_pg *pg, const char *path, size_t max, uint8_t **out, size_t *n,
	       bool *missing, struct eaa_err *err);
/* Read the database's generation now (the local one moves if it is
 * newer than any seen): a decision taken after it is on what the
 * database holds, not on what the watch last heard. */
bool vd_pg_sync(struct vd_pg *pg, struct eaa_err *err);
/* Is there a document at path? (False also when the database fails.) */
bool vd_pg_exists(struct vd_pg *pg, const char *path, struct eaa_err *err);
/* Two documents as one state of the database, and the local generation
 * read before them (a change after it moves the generation again). Both
 * must exist. */
bool vd_pg_get2(struct vd_pg *pg, const char *path[2], size_t max, uint8_t *out[2],
		size_t n[2], uint64_t *generation, struct eaa_err *err);

/* A write transaction on this thread: what vd_pg_get, vd_pg_put,
 * vd_pg_delete and vd_pg_list do until vd_pg_end belongs to it. The
 * caller serialises the store's writers (one at a time per store). */
bool vd_pg_begin(struct vd_pg *pg, struct eaa_err *err);
/* Commit (raising the generation when anything was written) or roll back. */
bool vd_pg_end(struct vd_pg *pg, bool commit, struct eaa_err *err);
/* Store value at path; with exclusive, an existing one is kept and
 * *existed set (no error). Outside a transaction: one of its own. */
bool vd_pg_put(struct vd_pg *pg, const char *path, const void *value, size_t n,
	       bool exclusive, bool *existed, struct eaa_err *err);
bool vd_pg_delete(struct vd_pg *pg, const char *path, bool *missing, struct eaa_err *err);
/* The paths under prefix ("keys/"), sorted by bytes, prefix removed. */
bool vd_pg_list(struct vd_pg *pg, const char *prefix, char ***names, size_t *n,
		struct eaa_err *err);

/* ---- KBS sessions: the value is the session as JSON text ---- */
/* A new session; false when the id is taken or count live sessions (end
 * after now) are already open. Ended sessions are removed. */
bool vd_pg_session_new(struct vd_pg *pg, const char *id, int64_t end, int64_t now,
		       unsigned max, const char *json, struct eaa_err *err);
/* The live session's JSON (malloc'd); false with *missing when none. */
bool vd_pg_session_get(struct vd_pg *pg, const char *id, int64_t now, char **json,
		       bool *missing, struct eaa_err *err);
/* Change a live session in one transaction, its row locked: edit gets
 * its JSON and returns the new JSON (malloc'd; NULL: leave it, and the
 * call returns false with *missing clear and err empty). */
bool vd_pg_session_edit(struct vd_pg *pg, const char *id, int64_t now,
			char *(*edit)(const char *json, void *arg), void *arg, bool *missing,
			struct eaa_err *err);

#endif
