/* store_pg.c - verdictd's store in PostgreSQL (see store_pg.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "aead.h"
#include "bytes.h"
#include "codec.h"
#include "file.h"
#include "log.h"
#include "store_pg.h"

/* connections per replica: 4 per CPU, 8 to 32 */
#define POOL_MIN 8
#define POOL_MAX 32
#define WATCH_MS 250
#define SEAL_VERSION 0x01
#define KEYCHECK "eaa-store master key check"

struct vd_pg {
	char *url;
	uint8_t key[VD_STORE_KEY_LEN];
	/* connections for readers and writers */
	pthread_mutex_t lock;
	pthread_cond_t freed;
	PGconn *free_conns[POOL_MAX];
	int nfree, nopen, pool;
	/* the local generation (store_pg.h), and the newest database
	 * generation seen, by the watch or by a read */
	_Atomic uint64_t generation;
	_Atomic int64_t dbgen;
	bool down;
	pthread_t watch;
	int stop_fd;
	bool watching;
};

/* ---- the statements a release runs, prepared once per connection ----
 *
 * Parsed and planned on each call they cost the database about twice what
 * they cost prepared (docs/benchmarks.md, "verdictd replicas"). They are
 * named by this enum, never recognised by their text's address (a
 * compiler may merge equal strings). */

enum stmt { Q_NONE = -1, Q_GET, Q_GEN, Q_EXISTS, Q_GET2, Q_SESSION, NPREPARED };

static const char *const prepared[NPREPARED] = {
	[Q_GET] = "SELECT o.value, m.value FROM eaa_meta m LEFT JOIN eaa_objects o ON o.path = "
		  "$1 WHERE m.name = 'generation'",
	[Q_GEN] = "SELECT value FROM eaa_meta WHERE name = 'generation'",
	[Q_EXISTS] = "SELECT 1 FROM eaa_objects WHERE path = $1",
	[Q_GET2] = "SELECT path, value, (SELECT value FROM eaa_meta WHERE name = 'generation') "
		   "FROM eaa_objects WHERE path = $1 OR path = $2",
	[Q_SESSION] = "SELECT value FROM eaa_kbs_sessions WHERE id = $1 AND expires > $2::bigint",
};

/* ---- the master key and sealing ---- */

bool vd_store_key_read(const char *file, uint8_t key[VD_STORE_KEY_LEN], struct eaa_err *err)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t n = 0;
	bool ok;

	if (stat(file, &st) != 0)
		return eaa_fail(err, EAA_E_IO, "--store-key %s: %s", file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return eaa_fail(err, EAA_E_CONFIG, "--store-key %s: not a regular file", file);
	if (st.st_mode & 077)
		return eaa_fail(err, EAA_E_CONFIG, "--store-key %s: mode %03o lets others read or "
				"write it (chmod 600)", file, (unsigned)(st.st_mode & 0777));
	if (!file_read_regular(file, 256, &buf, &n, err))
		return eaa_err_prefix(err, "--store-key %s", file);
	while (n == 65 || n == 66) {
		if (buf[n - 1] != '\n' && buf[n - 1] != '\r')
			break;
		n--;
	}
	buf[n] = '\0';
	ok = n == VD_STORE_KEY_LEN || (n == 2 * VD_STORE_KEY_LEN &&
				       hex_decode_fixed((const char *)buf, key, VD_STORE_KEY_LEN));
	if (ok && n == VD_STORE_KEY_LEN)
		memcpy(key, buf, VD_STORE_KEY_LEN);
	OPENSSL_cleanse(buf, n);
	free(buf);
	return ok || eaa_fail(err, EAA_E_CONFIG, "--store-key %s: want 32 bytes or 64 hex "
			      "digits (head -c 32 /dev/urandom > FILE)", file);
}

/* "eaa-store:<path>" or "eaa-session:<id>": where a value belongs */
static void aad_of(const char *kind, const char *name, char *aad, size_t cap)
{
	snprintf(aad, cap, "eaa-%s:%s", kind, name);
}

/* A sealed value: its version, the nonce, the tag, then the ciphertext. */
struct sealed {
	uint8_t version, nonce[12], tag[AES_GCM_TAG_LEN];
	struct rd ct;
};

static uint8_t *seal(const struct vd_pg *pg, const char *kind, const char *name,
		     const void *pt, size_t n, size_t *outn)
{
	char aad[600];
	uint8_t nonce[12], tag[AES_GCM_TAG_LEN], *ct = malloc(n ? n : 1), *out = NULL;
	struct wr w;

	aad_of(kind, name, aad, sizeof(aad));
	wr_init(&w);
	if (ct && RAND_bytes(nonce, sizeof(nonce)) == 1 &&
	    aes_gcm_seal(pg->key, sizeof(pg->key), nonce, sizeof(nonce), (const uint8_t *)aad,
			 strlen(aad), pt, n, ct, tag) &&
	    wr_u8(&w, SEAL_VERSION) && wr_bytes(&w, nonce, sizeof(nonce)) &&
	    wr_bytes(&w, tag, sizeof(tag)) && wr_bytes(&w, ct, n))
		out = wr_take(&w, outn);
	wr_free(&w);
	free(ct);
	return out;
}

/* The value opened into a malloc'd buffer with a NUL after it. */
static bool unseal(const struct vd_pg *pg, const char *kind, const char *name,
		   const uint8_t *v, size_t vn, size_t max, uint8_t **out, size_t *n,
		   struct eaa_err *err)
{
	struct rd r = rd_init(v, vn);
	struct sealed sv;
	char aad[600];
	uint8_t *pt;
	size_t len;

	if (!rd_u8(&r, &sv.version) || sv.version != SEAL_VERSION ||
	    !rd_bytes(&r, sv.nonce, sizeof(sv.nonce)) || !rd_bytes(&r, sv.tag, sizeof(sv.tag)))
		return eaa_fail(err, EAA_E_FORMAT, "store: %s %s is not a sealed value", kind,
				name);
	sv.ct = r;
	len = rd_left(&sv.ct);
	if (len > max)
		return eaa_fail(err, EAA_E_FORMAT, "store: %s %s is over %zu bytes", kind, name,
				max);
	if (!(pt = malloc(len + 1)))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	aad_of(kind, name, aad, sizeof(aad));
	if (!aes_gcm_open(pg->key, sizeof(pg->key), sv.nonce, sizeof(sv.nonce),
			  (const uint8_t *)aad, strlen(aad), sv.ct.p, len, sv.tag, pt)) {
		OPENSSL_cleanse(pt, len);
		free(pt);
		return eaa_fail(err, EAA_E_CRYPTO, "store: %s %s does not open under the master "
				"key (another key, or changed in the database)", kind, name);
	}
	pt[len] = '\0';
	*out = pt;
	*n = len;
	return true;
}

/* ---- connections ---- */

/* libpq's message on one line, without its trailing newline. */
static bool pg_fail(struct eaa_err *err, PGconn *c, const char *what)
{
	char msg[400];
	size_t n;

	snprintf(msg, sizeof(msg), "%s", c ? PQerrorMessage(c) : "out of memory");
	for (n = strlen(msg); n && (msg[n - 1] == '\n' || msg[n - 1] == ' '); n--)
		msg[n - 1] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return eaa_fail(err, EAA_E_IO, "store: %s: %s", what, msg);
}

/* The server's notices ("relation exists, skipping") are no news. */
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	LOG_DEBUG("store: postgresql: %s", msg);
}

static PGconn *connect_db(const struct vd_pg *pg, struct eaa_err *err)
{
	/* the URL's own connect_timeout wins: it comes after */
	const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char *const vals[] = { "3", pg->url, NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (!c || PQstatus(c) != CONNECTION_OK) {
		pg_fail(err, c, "cannot connect to the database");
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

/* Prepare the statements on a pooled connection (the schema exists). */
static bool prepare(PGconn *c, struct eaa_err *err)
{
	for (int i = 0; i < NPREPARED; i++) {
		char name[8];
		PGresult *r;
		bool ok;

		snprintf(name, sizeof(name), "q%d", i);
		r = PQprepare(c, name, prepared[i], 0, NULL);
		ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
		if (!ok)
			return pg_fail(err, c, "prepare");
	}
	return true;
}

static PGconn *conn_get(struct vd_pg *pg, struct eaa_err *err)
{
	PGconn *c = NULL;

	pthread_mutex_lock(&pg->lock);
	while (!pg->nfree && pg->nopen >= pg->pool)
		pthread_cond_wait(&pg->freed, &pg->lock);
	if (pg->nfree)
		c = pg->free_conns[--pg->nfree];
	else
		pg->nopen++;
	pthread_mutex_unlock(&pg->lock);
	if (!c && (c = connect_db(pg, err)) && !prepare(c, err)) {
		PQfinish(c);
		c = NULL;
	}
	if (!c) {
		pthread_mutex_lock(&pg->lock);
		pg->nopen--;
		pthread_cond_signal(&pg->freed);
		pthread_mutex_unlock(&pg->lock);
	}
	return c;
}

/* Back to the pool; a broken connection is closed (the next use opens a
 * new one: the database restarted). */
static void conn_put(struct vd_pg *pg, PGconn *c)
{
	if (c && (PQstatus(c) != CONNECTION_OK ||
		  PQtransactionStatus(c) != PQTRANS_IDLE)) {
		PQfinish(c);
		c = NULL;
	}
	pthread_mutex_lock(&pg->lock);
	if (c)
		pg->free_conns[pg->nfree++] = c;
	else
		pg->nopen--;
	pthread_cond_signal(&pg->freed);
	pthread_mutex_unlock(&pg->lock);
}

/* The write transaction this thread holds, and on which store: the
 * thread's own (other threads read nothing of it), so that a reader never
 * races a writer for it, and a thread that reads one store while writing
 * another (verdict --store-import) reads the first outside the second's. */
static __thread struct vd_pg *txn_pg;
static __thread PGconn *txn_conn;
static __thread bool txn_dirty;

static bool in_txn(const struct vd_pg *pg)
{
	return txn_pg == pg;
}

/* One statement, prepared statement q, or sql when q is Q_NONE: params
 * are text except those whose length is given (binary); results binary.
 * NULL with err on failure. */
static PGresult *run(PGconn *c, enum stmt q, const char *sql, int np, const char *const *v,
		     const int *len, struct eaa_err *err)
{
	int fmt[8] = { 0 };
	PGresult *r;

	for (int k = 0; len && k < np; k++)
		fmt[k] = len[k] > 0 || (len[k] == 0 && v[k]) ? 1 : 0;
	if (q != Q_NONE) {
		char name[8];

		snprintf(name, sizeof(name), "q%d", (int)q);
		r = PQexecPrepared(c, name, np, v, len, fmt, 1);
	} else {
		r = PQexecParams(c, sql, np, NULL, v, len, fmt, 1);
	}
	if (r && (PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK))
		return r;
	pg_fail(err, c, "query failed");
	PQclear(r);
	return NULL;
}

static PGresult *exec(PGconn *c, const char *sql, int np, const char *const *v,
		      const int *len, struct eaa_err *err)
{
	return run(c, Q_NONE, sql, np, v, len, err);
}

/* Run a read on a pooled connection (or the thread's transaction), once
 * more on a fresh connection when the pooled one had broken: prepared
 * statement q, or sql when q is Q_NONE. */
static PGresult *query_any(struct vd_pg *pg, enum stmt q, const char *sql, int np,
			   const char *const *v, const int *len, struct eaa_err *err)
{
	PGresult *r = NULL;
	PGconn *c;
	int tries;

	if (in_txn(pg))
		return run(txn_conn, q, sql, np, v, len, err);
	for (tries = 0; tries < 2 && !r; tries++) {
		bool broken;

		if (!(c = conn_get(pg, err)))
			return NULL;
		r = run(c, q, sql, np, v, len, err);
		broken = PQstatus(c) != CONNECTION_OK;
		conn_put(pg, c);
		if (!broken)
			break;
	}
	return r;
}

static PGresult *query(struct vd_pg *pg, const char *sql, int np, const char *const *v,
		       const int *len, struct eaa_err *err)
{
	return query_any(pg, Q_NONE, sql, np, v, len, err);
}

/* ---- the schema ---- */

static const char *const migrations[VD_PG_SCHEMA] = {
	/* 0 -> 1 */
	"CREATE TABLE IF NOT EXISTS eaa_objects (path text PRIMARY KEY, value bytea NOT NULL);"
	"CREATE TABLE IF NOT EXISTS eaa_kbs_sessions (id text PRIMARY KEY, expires bigint NOT "
	"NULL, value bytea NOT NULL);"
	"CREATE INDEX IF NOT EXISTS eaa_kbs_sessions_expires ON eaa_kbs_sessions (expires);"
	"INSERT INTO eaa_meta (name, value) VALUES ('generation', 0) ON CONFLICT DO NOTHING;",
};

static bool simple(PGconn *c, const char *sql, struct eaa_err *err)
{
	PGresult *r = PQexec(c, sql);
	bool ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK ||
			PQresultStatus(r) == PGRES_TUPLES_OK);

	if (!ok)
		pg_fail(err, c, "schema");
	PQclear(r);
	return ok;
}

/* A bigint column in binary form: 8 bytes, big-endian; false for any
 * other length (NULL included). */
static bool db_int(const PGresult *r, int row, int col, int64_t *v)
{
	struct rd rd = rd_init(PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
	uint32_t hi, lo;

	if (PQgetisnull(r, row, col) || rd_left(&rd) != 8 || !rd_u32be(&rd, &hi) ||
	    !rd_u32be(&rd, &lo))
		return false;
	*v = (int64_t)((uint64_t)hi << 32 | lo);
	return true;
}

/* Create or migrate the schema and check the master key, in one
 * transaction under an advisory lock (replicas starting together take
 * turns). */
static bool schema(struct vd_pg *pg, PGconn *c, struct eaa_err *err)
{
	PGresult *r = NULL;
	int64_t version = 0;
	bool ok = false;
	char step[32];

	if (!simple(c, "BEGIN; SELECT pg_advisory_xact_lock(7306010425); "
		    "CREATE TABLE IF NOT EXISTS eaa_meta (name text PRIMARY KEY, value bigint NOT "
		    "NULL, note bytea)", err))
		goto out;
	if (!(r = exec(c, "SELECT value FROM eaa_meta WHERE name = 'schema'", 0, NULL, NULL,
		       err)))
		goto out;
	if (PQntuples(r) == 1 && !db_int(r, 0, 0, &version)) {
		eaa_fail(err, EAA_E_FORMAT, "store: the schema's version is not a bigint");
		goto out;
	}
	PQclear(r);
	r = NULL;
	if (version > VD_PG_SCHEMA) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "store: the database's schema is version %" PRId64
			 ", newer than this verdictd knows (%d): run the verdictd that wrote it, "
			 "or a newer one", version, VD_PG_SCHEMA);
		goto out;
	}
	for (; version < VD_PG_SCHEMA; version++) {
		if (!simple(c, migrations[version], err))
			goto out;
		LOG_INFO("store: schema migrated to version %" PRId64, version + 1);
	}
	snprintf(step, sizeof(step), "%d", VD_PG_SCHEMA);
	if (!(r = exec(c, "INSERT INTO eaa_meta (name, value) VALUES ('schema', $1::bigint) ON "
		       "CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
		       1, (const char *[]){ step }, NULL, err)))
		goto out;
	PQclear(r);
	if (!(r = exec(c, "SELECT note FROM eaa_meta WHERE name = 'keycheck'", 0, NULL, NULL,
		       err)))
		goto out;
	if (PQntuples(r) == 1) {
		uint8_t *pt = NULL;
		size_t n = 0;

		ok = unseal(pg, "meta", "keycheck", (const uint8_t *)PQgetvalue(r, 0, 0),
			    (size_t)PQgetlength(r, 0, 0), 64, &pt, &n, err) &&
		     n == strlen(KEYCHECK) && memcmp(pt, KEYCHECK, n) == 0;
		free(pt);
		if (!ok) {
			eaa_fail(err, EAA_E_CONFIG, "store: --store-key is not the master key this "
				 "database was made with");
			goto out;
		}
	} else {
		size_t sn = 0;
		uint8_t *s = seal(pg, "meta", "keycheck", KEYCHECK, strlen(KEYCHECK), &sn);
		const char *v[1] = { (const char *)s };
		int len[1] = { (int)sn };

		PQclear(r);
		if (!s || !(r = exec(c, "INSERT INTO eaa_meta (name, value, note) VALUES "
				     "('keycheck', 0, $1)", 1, v, len, err))) {
			free(s);
			goto out;
		}
		free(s);
	}
	PQclear(r);
	r = NULL;
	ok = simple(c, "COMMIT", err);
out:
	PQclear(r);
	if (!ok)
		simple(c, "ROLLBACK", &(struct eaa_err){ 0 });
	return ok;
}

/* ---- the generation watch ---- */

static bool watch_connect(struct vd_pg *pg, PGconn **c)
{
	struct eaa_err err = { 0 };

	if (!(*c = connect_db(pg, &err)))
		return false;
	if (!simple(*c, "LISTEN eaa_store", &err)) {
		PQfinish(*c);
		*c = NULL;
		return false;
	}
	return true;
}

/* The database's generation, read now; false when it cannot be. */
static bool watch_read(PGconn *c, int64_t *gen)
{
	struct eaa_err err = { 0 };
	PGresult *r = exec(c, "SELECT value FROM eaa_meta WHERE name = 'generation'", 0, NULL,
			   NULL, &err);
	bool ok = r && PQntuples(r) == 1 && db_int(r, 0, 0, gen);

	PQclear(r);
	return ok;
}

/* A read saw the database at generation gen: newer than any seen, the
 * local generation moves (what was decided before is decided again). */
static void observe(struct vd_pg *pg, int64_t gen)
{
	int64_t seen = pg->dbgen;

	while (gen > seen)
		if (atomic_compare_exchange_weak(&pg->dbgen, &seen, gen)) {
			pg->generation++;
			return;
		}
}

static void watch_saw(struct vd_pg *pg, bool up, int64_t gen)
{
	if (!up) {
		if (!pg->down)
			LOG_WARN("store: the database cannot be reached: every peer is refused "
				 "until it can");
		pg->down = true;
		pg->generation++;
		return;
	}
	if (pg->down) {
		LOG_INFO("store: the database is reachable again (generation %" PRId64 ")", gen);
		pg->down = false;
		pg->generation++;
	}
	observe(pg, gen);
}

static void *watch_main(void *arg)
{
	struct vd_pg *pg = arg;
	PGconn *c = NULL;
	int64_t gen;

	for (;;) {
		struct pollfd p[2] = { { pg->stop_fd, POLLIN, 0 }, { -1, POLLIN, 0 } };
		PGnotify *note;

		if (!c) {
			if (watch_connect(pg, &c) && watch_read(c, &gen))
				watch_saw(pg, true, gen);
			else if (!pg->down || c)
				watch_saw(pg, false, 0);
		}
		if (c && PQstatus(c) != CONNECTION_OK) {
			PQfinish(c);
			c = NULL;
			watch_saw(pg, false, 0);
		}
		p[1].fd = c ? PQsocket(c) : -1;
		if (poll(p, 2, WATCH_MS) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (!c)
			continue;
		if (p[1].revents) {
			bool any = false;

			if (!PQconsumeInput(c)) {
				PQfinish(c);
				c = NULL;
				watch_saw(pg, false, 0);
				continue;
			}
			while ((note = PQnotifies(c))) {
				any = true;
				PQfreemem(note);
			}
			if (!any)
				continue;
		}
		/* a notification, or WATCH_MS of quiet: read the generation,
		 * which also proves the database reachable */
		if (watch_read(c, &gen)) {
			watch_saw(pg, true, gen);
		} else {
			PQfinish(c);
			c = NULL;
			watch_saw(pg, false, 0);
		}
	}
	PQfinish(c);
	return NULL;
}

/* ---- open and close ---- */

struct vd_pg *vd_pg_open(const char *url, const uint8_t key[VD_STORE_KEY_LEN],
			 struct eaa_err *err)
{
	struct vd_pg *pg = calloc(1, sizeof(*pg));
	int64_t gen0 = 0;
	PGconn *c;

	if (!pg || !(pg->url = strdup(url))) {
		free(pg);
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(pg->key, key, VD_STORE_KEY_LEN);
	pthread_mutex_init(&pg->lock, NULL);
	pthread_cond_init(&pg->freed, NULL);
	pg->stop_fd = eventfd(0, EFD_CLOEXEC);
	{
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		pg->pool = ncpu * 4 < POOL_MIN ? POOL_MIN : ncpu * 4 > POOL_MAX ? POOL_MAX :
			   (int)ncpu * 4;
	}
	pg->generation = 1;
	if (!(c = connect_db(pg, err)) || !schema(pg, c, err) || !watch_read(c, &gen0)) {
		if (c && err && !err->code)
			pg_fail(err, c, "generation");
		PQfinish(c);
		vd_pg_close(pg);
		return NULL;
	}
	pg->dbgen = gen0;
	if (!prepare(c, err)) {
		PQfinish(c);
		vd_pg_close(pg);
		return NULL;
	}
	pg->free_conns[pg->nfree++] = c;
	pg->nopen = 1;
	if (pg->stop_fd < 0 || pthread_create(&pg->watch, NULL, watch_main, pg) != 0) {
		eaa_fail(err, EAA_E_IO, "store: cannot start the generation watch");
		vd_pg_close(pg);
		return NULL;
	}
	pg->watching = true;
	return pg;
}

void vd_pg_close(struct vd_pg *pg)
{
	if (!pg)
		return;
	if (pg->watching) {
		uint64_t one = 1;

		if (write(pg->stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(pg->watch, NULL);
	}
	if (pg->stop_fd >= 0)
		close(pg->stop_fd);
	while (pg->nfree)
		PQfinish(pg->free_conns[--pg->nfree]);
	pthread_cond_destroy(&pg->freed);
	pthread_mutex_destroy(&pg->lock);
	OPENSSL_cleanse(pg->key, sizeof(pg->key));
	free(pg->url);
	free(pg);
}

uint64_t vd_pg_generation(struct vd_pg *pg)
{
	return pg->generation;
}

/* ---- documents ---- */

bool vd_pg_get(struct vd_pg *pg, const char *path, size_t max, uint8_t **out, size_t *n,
	       bool *missing, struct eaa_err *err)
{
	/* one statement, one snapshot: the value and the generation it is
	 * of (a write another replica made is seen here, not 250 ms on) */
	PGresult *r = query_any(pg, Q_GET, NULL, 1, (const char *[]){ path }, NULL, err);
	int64_t gen;
	bool ok;

	*missing = false;
	if (!r)
		return false;
	if (PQntuples(r) == 1 && db_int(r, 0, 1, &gen))
		observe(pg, gen);
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		*missing = true;
		return eaa_fail(err, EAA_E_IO, "store: no %s", path);
	}
	ok = unseal(pg, "store", path, (const uint8_t *)PQgetvalue(r, 0, 0),
		    (size_t)PQgetlength(r, 0, 0), max, out, n, err);
	PQclear(r);
	return ok;
}

bool vd_pg_sync(struct vd_pg *pg, struct eaa_err *err)
{
	PGresult *r = query_any(pg, Q_GEN, NULL, 0, NULL, NULL, err);
	int64_t gen;
	bool ok = r && PQntuples(r) == 1 && db_int(r, 0, 0, &gen);

	if (ok)
		observe(pg, gen);
	PQclear(r);
	return ok;
}

bool vd_pg_exists(struct vd_pg *pg, const char *path, struct eaa_err *err)
{
	PGresult *r = query_any(pg, Q_EXISTS, NULL, 1, (const char *[]){ path }, NULL, err);
	bool there = r && PQntuples(r) == 1;

	PQclear(r);
	return there;
}

bool vd_pg_get2(struct vd_pg *pg, const char *path[2], size_t max, uint8_t *out[2],
		size_t n[2], uint64_t *generation, struct eaa_err *err)
{
	PGresult *r;
	int64_t gen;
	bool ok = true;
	int i, row;

	*generation = pg->generation;
	out[0] = out[1] = NULL;
	/* one statement: one snapshot of the database */
	if (!(r = query_any(pg, Q_GET2, NULL, 2, (const char *[]){ path[0], path[1] }, NULL, err)))
		return false;
	if (PQntuples(r) > 0 && db_int(r, 0, 2, &gen))
		observe(pg, gen);
	for (i = 0; i < 2 && ok; i++) {
		for (row = 0; row < PQntuples(r); row++)
			if (strcmp(PQgetvalue(r, row, 0), path[i]) == 0)
				break;
		if (row == PQntuples(r))
			ok = eaa_fail(err, EAA_E_CONFIG, "store: no %s", path[i]);
		else
			ok = unseal(pg, "store", path[i], (const uint8_t *)PQgetvalue(r, row, 1),
				    (size_t)PQgetlength(r, row, 1), max, &out[i], &n[i], err);
	}
	PQclear(r);
	if (!ok) {
		free(out[0]);
		free(out[1]);
		out[0] = out[1] = NULL;
	}
	return ok;
}

bool vd_pg_begin(struct vd_pg *pg, struct eaa_err *err)
{
	PGconn *c = NULL;
	PGresult *r = NULL;

	for (int tries = 0; tries < 2; tries++) {
		if (!(c = conn_get(pg, err)))
			return false;
		/* the generation's row is the writers' lock, for every replica */
		if (simple(c, "BEGIN", err) &&
		    (r = exec(c, "SELECT value FROM eaa_meta WHERE name = 'generation' FOR UPDATE",
			      0, NULL, NULL, err)))
			break;
		conn_put(pg, c);
		c = NULL;
	}
	if (!c)
		return false;
	PQclear(r);
	txn_pg = pg;
	txn_conn = c;
	txn_dirty = false;
	return true;
}

bool vd_pg_end(struct vd_pg *pg, bool commit, struct eaa_err *err)
{
	PGconn *c = in_txn(pg) ? txn_conn : NULL;
	PGresult *r = NULL;
	int64_t written = 0;
	bool ok = true;

	txn_pg = NULL;
	txn_conn = NULL;
	if (!c)
		return true;
	if (commit && txn_dirty) {
		ok = (r = exec(c, "UPDATE eaa_meta SET value = value + 1 WHERE name = 'generation' "
			       "RETURNING value", 0, NULL, NULL, err)) != NULL;
		if (ok) {
			char gen[24];

			ok = PQntuples(r) == 1 && db_int(r, 0, 0, &written);
			snprintf(gen, sizeof(gen), "%" PRId64, written);
			PQclear(r);
			ok = (r = exec(c, "SELECT pg_notify('eaa_store', $1)", 1,
				       (const char *[]){ gen }, NULL, err)) != NULL;
		}
		PQclear(r);
		ok = ok && simple(c, "COMMIT", err);
		if (ok)
			observe(pg, written);
		/* also when the commit's outcome is unknown: decide again */
		pg->generation++;
	}
	if (!ok || !commit || !txn_dirty)
		simple(c, "ROLLBACK", &(struct eaa_err){ 0 });
	conn_put(pg, c);
	return ok;
}

/* Run fn inside the thread's transaction, or one of its own. */
static bool in_own_txn(struct vd_pg *pg, bool (*fn)(struct vd_pg *, void *, struct eaa_err *),
		       void *arg, struct eaa_err *err)
{
	bool ok;

	if (in_txn(pg))
		return fn(pg, arg, err);
	if (!vd_pg_begin(pg, err))
		return false;
	ok = fn(pg, arg, err);
	return vd_pg_end(pg, ok, err) && ok;
}

struct put_args {
	const char *path;
	const void *value;
	size_t n;
	bool exclusive, *existed, *missing;
};

static bool put_fn(struct vd_pg *pg, void *arg, struct eaa_err *err)
{
	struct put_args *a = arg;
	size_t sn = 0;
	uint8_t *s = seal(pg, "store", a->path, a->value, a->n, &sn);
	PGresult *r;
	bool ok;

	if (!s || sn > INT32_MAX) {
		free(s);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	r = exec(txn_conn, a->exclusive ?
		 "INSERT INTO eaa_objects (path, value) VALUES ($1, $2) ON CONFLICT DO NOTHING" :
		 "INSERT INTO eaa_objects (path, value) VALUES ($1, $2) ON CONFLICT (path) DO "
		 "UPDATE SET value = EXCLUDED.value",
		 2, (const char *[]){ a->path, (const char *)s }, (int[]){ -1, (int)sn }, err);
	free(s);
	if ((ok = r != NULL)) {
		bool wrote = strcmp(PQcmdTuples(r), "1") == 0;

		if (a->existed)
			*a->existed = !wrote;
		txn_dirty |= wrote;
	}
	PQclear(r);
	return ok;
}

bool vd_pg_put(struct vd_pg *pg, const char *path, const void *value, size_t n,
	       bool exclusive, bool *existed, struct eaa_err *err)
{
	struct put_args a = { path, value, n, exclusive, existed, NULL };

	return in_own_txn(pg, put_fn, &a, err);
}

static bool delete_fn(struct vd_pg *pg, void *arg, struct eaa_err *err)
{
	struct put_args *a = arg;
	PGresult *r = exec(txn_conn, "DELETE FROM eaa_objects WHERE path = $1", 1,
			   (const char *[]){ a->path }, NULL, err);

	if (!r)
		return false;
	*a->missing = strcmp(PQcmdTuples(r), "0") == 0;
	/* as the file store does: a delete moves the generation */
	txn_dirty = true;
	PQclear(r);
	return true;
}

bool vd_pg_delete(struct vd_pg *pg, const char *path, bool *missing, struct eaa_err *err)
{
	struct put_args a = { .path = path, .missing = missing };

	*missing = false;
	return in_own_txn(pg, delete_fn, &a, err);
}

bool vd_pg_list(struct vd_pg *pg, const char *prefix, char ***names, size_t *n,
		struct eaa_err *err)
{
	PGresult *r = query(pg, "SELECT path FROM eaa_objects WHERE starts_with(path, $1) "
			    "ORDER BY path COLLATE \"C\"", 1, (const char *[]){ prefix }, NULL, err);
	size_t i, k = 0, plen = strlen(prefix);
	char **v;

	if (!r)
		return false;
	if (!(v = calloc((size_t)PQntuples(r) + 1, sizeof(*v)))) {
		PQclear(r);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	for (i = 0; i < (size_t)PQntuples(r); i++)
		if (!(v[k++] = strdup(PQgetvalue(r, (int)i, 0) + plen))) {
			while (k)
				free(v[--k]);
			free(v);
			PQclear(r);
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		}
	PQclear(r);
	*names = v;
	*n = k;
	return true;
}

/* ---- KBS sessions ---- */

bool vd_pg_session_new(struct vd_pg *pg, const char *id, int64_t end, int64_t now,
		       unsigned max, const char *json, struct eaa_err *err)
{
	char snow[24], send[24], smax[24];
	size_t sn = 0;
	uint8_t *s = seal(pg, "session", id, json, strlen(json), &sn);
	PGresult *r;
	bool ok;

	if (!s)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	snprintf(snow, sizeof(snow), "%" PRId64, now);
	snprintf(send, sizeof(send), "%" PRId64, end);
	snprintf(smax, sizeof(smax), "%u", max);
	/* ended sessions go, then the bound is counted: one statement, so
	 * two replicas cannot both take the last place (the insert's
	 * condition reads the table as of its start; the bound is a bound
	 * per statement, close enough for a flood guard) */
	r = query(pg, "WITH gone AS (DELETE FROM eaa_kbs_sessions WHERE expires <= $2::bigint) "
		  "INSERT INTO eaa_kbs_sessions (id, expires, value) SELECT $1, $3::bigint, $5 "
		  "WHERE (SELECT count(*) FROM eaa_kbs_sessions WHERE expires > $2::bigint) < "
		  "$4::bigint ON CONFLICT DO NOTHING",
		  5, (const char *[]){ id, snow, send, smax, (const char *)s },
		  (int[]){ -1, -1, -1, -1, (int)sn }, err);
	free(s);
	if (!r)
		return false;
	ok = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	return ok || eaa_fail(err, EAA_E_REJECTED, "%u sessions are open", max);
}

bool vd_pg_session_get(struct vd_pg *pg, const char *id, int64_t now, char **json,
		       bool *missing, struct eaa_err *err)
{
	char snow[24];
	PGresult *r;
	size_t n;
	bool ok;

	*missing = false;
	snprintf(snow, sizeof(snow), "%" PRId64, now);
	if (!(r = query_any(pg, Q_SESSION, NULL, 2, (const char *[]){ id, snow }, NULL, err)))
		return false;
	if (PQntuples(r) != 1) {
		PQclear(r);
		*missing = true;
		return eaa_fail(err, EAA_E_NONCE, "no such session (or it ended)");
	}
	ok = unseal(pg, "session", id, (const uint8_t *)PQgetvalue(r, 0, 0),
		    (size_t)PQgetlength(r, 0, 0), 16u << 20, (uint8_t **)json, &n, err);
	PQclear(r);
	return ok;
}

struct edit_args {
	PGconn *c;
	const char *id, *now;
	char *(*edit)(const char *, void *);
	void *arg;
	bool *missing;
};

static bool edit_fn(struct vd_pg *pg, struct edit_args *a, struct eaa_err *err)
{
	PGresult *r = exec(a->c, "SELECT value FROM eaa_kbs_sessions WHERE id = $1 AND "
			   "expires > $2::bigint FOR UPDATE", 2, (const char *[]){ a->id, a->now },
			   NULL, err);
	uint8_t *pt = NULL, *s;
	char *next;
	size_t n = 0, sn = 0;
	bool ok;

	if (!r)
		return false;
	if (PQntuples(r) != 1) {
		PQclear(r);
		*a->missing = true;
		return eaa_fail(err, EAA_E_NONCE, "no such session (or it ended)");
	}
	ok = unseal(pg, "session", a->id, (const uint8_t *)PQgetvalue(r, 0, 0),
		    (size_t)PQgetlength(r, 0, 0), 16u << 20, &pt, &n, err);
	PQclear(r);
	if (!ok)
		return false;
	next = a->edit((const char *)pt, a->arg);
	OPENSSL_cleanse(pt, n);
	free(pt);
	if (!next)
		return false;
	s = seal(pg, "session", a->id, next, strlen(next), &sn);
	OPENSSL_cleanse(next, strlen(next));
	free(next);
	if (!s)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	r = exec(a->c, "UPDATE eaa_kbs_sessions SET value = $2 WHERE id = $1", 2,
		 (const char *[]){ a->id, (const char *)s }, (int[]){ -1, (int)sn }, err);
	free(s);
	ok = r != NULL;
	PQclear(r);
	return ok;
}

bool vd_pg_session_edit(struct vd_pg *pg, const char *id, int64_t now,
			char *(*edit)(const char *json, void *arg), void *arg, bool *missing,
			struct eaa_err *err)
{
	char snow[24];
	struct edit_args a = { NULL, id, snow, edit, arg, missing };
	PGconn *c;
	PGresult *r;
	bool ok;

	/* not the store's write transaction: a session is no document, and
	 * its edit must not move the generation (that would decide every
	 * channel again) */
	*missing = false;
	snprintf(snow, sizeof(snow), "%" PRId64, now);
	if (!(c = conn_get(pg, err)))
		return false;
	if (!simple(c, "BEGIN", err)) {
		conn_put(pg, c);
		return false;
	}
	a.c = c;
	ok = edit_fn(pg, &a, err);
	r = PQexec(c, ok ? "COMMIT" : "ROLLBACK");
	if (ok && (!r || PQresultStatus(r) != PGRES_COMMAND_OK))
		ok = pg_fail(err, c, "commit");
	PQclear(r);
	conn_put(pg, c);
	return ok;
}
