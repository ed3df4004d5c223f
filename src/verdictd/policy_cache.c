/* policy_cache.c - a store's policy and data pair, compiled once per
 * change and shared by the threads evaluating it (policy_cache.h). */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "eaa/rego.h"
#include "log.h"
#include "edits.h"
#include "policy_cache.h"

/* A compilation and what only the cache sees of it. */
struct entry {
	struct vd_compiled c; /* first: what callers are handed */
	unsigned refs;        /* under vd_pcache.lock */
	uint8_t digest[32];   /* of what it was compiled from */
};

/* Enough of a file's stat to see it replaced or edited. */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct vd_pcache {
	struct vd_store *store;
	enum vd_tee t;
	char file[40];        /* "sgxPolicy.rego": the module's name */
	char refused[64];     /* "every sgx peer" */
	char files[2][4096];  /* the policy's and the data's, to stat */
	pthread_mutex_t lock;
	struct entry *cur;    /* NULL: nothing compiled, everything refused */
	/* what cur, or the last read that failed, came from */
	bool loaded;
	uint64_t generation;
	struct file_id ids[2];
	uint64_t edits; /* opa/'s edit count when ids were read */
	bool compile_failed; /* why cur is NULL: a compile error, or the store's */
	char error[EAA_ERR_MSG_MAX];
	/* the last text that did not compile: read again unchanged (after an
	 * unrelated write), it is neither compiled nor logged again */
	bool have_failed;
	uint8_t failed[32];
	_Atomic uint64_t compilations;
	uint64_t serials; /* under lock */
};

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	rego_query_free(e->c.allow);
	rego_query_free(e->c.rules);
	rego_query_free(e->c.trust);
	rego_policy_free(e->c.policy);
	free(e);
}

struct vd_pcache *vd_pcache_new(struct vd_store *s, enum vd_tee t,
				const char *refused)
{
	struct vd_pcache *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return NULL;
	pc->store = s;
	pc->t = t;
	snprintf(pc->file, sizeof(pc->file), "%sPolicy.rego", vd_opa_name(t));
	snprintf(pc->refused, sizeof(pc->refused), "%s", refused);
	/* a path that does not fit stays empty: stat fails, every use reads
	 * again, and the store's own error refuses */
	vd_opa_file(s, t, false, pc->files[0], sizeof(pc->files[0]), NULL);
	vd_opa_file(s, t, true, pc->files[1], sizeof(pc->files[1]), NULL);
	pthread_mutex_init(&pc->lock, NULL);
	return pc;
}

void vd_pcache_free(struct vd_pcache *pc)
{
	if (!pc)
		return;
	entry_free(pc->cur);
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

uint64_t vd_pcache_compilations(const struct vd_pcache *pc)
{
	return pc->compilations;
}

static void file_id_read(const char *path, struct file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st) == 0)
		*id = (struct file_id){ true, st.st_dev, st.st_ino, st.st_size, st.st_mtim };
}

static bool file_id_same(const struct file_id *a, const struct file_id *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* SHA-256 over both documents, each with its length, so that a re-read
 * of the same pair is known without keeping the texts. */
static void doc_digest(const struct vd_opa_doc *doc, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint64_t len[2] = { doc->plen, doc->dlen };

	/* out of memory: a digest no compiled policy has, so it compiles */
	memset(out, 0xff, 32);
	if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, len, sizeof(len)) == 1 &&
	    EVP_DigestUpdate(md, doc->policy, doc->plen) == 1 &&
	    EVP_DigestUpdate(md, doc->data, doc->dlen) == 1)
		EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
}

static bool compile(const char *file, const struct vd_opa_doc *doc,
		    struct entry **out, struct eaa_err *err)
{
	struct rego_builder *b = rego_builder_new();
	struct entry *e = calloc(1, sizeof(*e));
	struct rego_error re = { 0 };

	if (!b || !e) {
		rego_builder_free(b);
		free(e);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	if (!rego_builder_add_module(b, file, doc->policy, doc->plen,
				     REGO_SYNTAX_AUTO, &re) ||
	    !rego_builder_set_data(b, doc->data, doc->dlen, &re)) {
		rego_builder_free(b);
		goto fail;
	}
	if (!(e->c.policy = rego_builder_compile(b, &re)) ||
	    !(e->c.allow = rego_query_compile(e->c.policy, "data.policy.allow", &re)) ||
	    !(e->c.rules = rego_query_compile(e->c.policy, "data.policy", &re)) ||
	    !(e->c.trust = rego_query_compile(e->c.policy, "data.policy.trust_claims", &re)))
		goto fail;
	*out = e;
	return true;
fail:
	entry_free(e);
	return eaa_fail(err, re.code ? re.code : EAA_E_NOMEM, "%s",
			re.code ? re.msg : "out of memory");
}

/* Drop the cache's reference to its compilation (under its lock). */
static void drop_cur(struct vd_pcache *pc)
{
	if (pc->cur && --pc->cur->refs == 0)
		entry_free(pc->cur);
	pc->cur = NULL;
}

/* Read the stored pair again (under pc->lock) and compile it if it is not
 * what is compiled. A pair that does not compile leaves the working one in
 * place; a missing one removes it. */
static void reload(struct vd_pcache *pc, const struct file_id ids[2])
{
	const char *root = vd_store_where(pc->store);
	struct vd_opa_doc doc;
	struct entry *e = NULL;
	struct eaa_err err;
	uint8_t dg[32];

	pc->loaded = true;
	pc->ids[0] = ids[0];
	pc->ids[1] = ids[1];
	if (!vd_opa_snapshot(pc->store, pc->t, &doc, &err)) {
		/* no policy, nothing allowed: the owner removed it */
		pc->generation = vd_store_generation(pc->store);
		pc->compile_failed = pc->have_failed = false;
		snprintf(pc->error, sizeof(pc->error), "%s", err.msg);
		if (pc->cur)
			LOG_WARN("%s policy: %s; %s is refused until there is one",
				 vd_opa_name(pc->t), err.msg, pc->refused);
		drop_cur(pc);
		return;
	}
	pc->generation = doc.generation;
	doc_digest(&doc, dg);
	if (pc->cur && memcmp(dg, pc->cur->digest, sizeof(dg)) == 0) {
		/* another write moved the generation: nothing to compile */
		pc->have_failed = false;
		vd_opa_doc_free(&doc);
		return;
	}
	if (pc->have_failed && memcmp(dg, pc->failed, sizeof(dg)) == 0) {
		vd_opa_doc_free(&doc); /* the same broken text, said once */
		return;
	}
	pc->compilations++;
	if (!compile(pc->file, &doc, &e, &err)) {
		vd_opa_doc_free(&doc);
		pc->have_failed = true;
		memcpy(pc->failed, dg, sizeof(dg));
		if (pc->cur) {
			LOG_WARN("%s/opa/%s (generation %llu) does not compile, so the "
				 "policy compiled before decides on: %s", root, pc->file,
				 (unsigned long long)pc->generation, err.msg);
			return;
		}
		pc->compile_failed = true;
		snprintf(pc->error, sizeof(pc->error), "does not compile: %s", err.msg);
		LOG_WARN("%s/opa/%s %s; %s is refused until it does", root, pc->file,
			 pc->error, pc->refused);
		return;
	}
	vd_opa_doc_free(&doc);
	e->refs = 1;
	e->c.serial = ++pc->serials;
	memcpy(e->digest, dg, sizeof(dg));
	drop_cur(pc);
	pc->cur = e;
	pc->have_failed = pc->compile_failed = false;
	pc->error[0] = '\0';
}

/* Stat the files (outside the lock: a change after these calls is seen
 * next time), then bring the cache up to them and the store; returns
 * locked. While opa/ is watched and nothing in it changed since the files
 * were last read, their identities are the ones read then (no stat). */
static void lock_current(struct vd_pcache *pc)
{
	uint64_t edits = vd_store_edits(pc->store);
	struct file_id ids[2];

	pthread_mutex_lock(&pc->lock);
	if (pc->loaded && edits != VD_EDITS_UNKNOWN && edits == pc->edits) {
		if (pc->generation != vd_store_generation(pc->store)) {
			ids[0] = pc->ids[0];
			ids[1] = pc->ids[1];
			reload(pc, ids);
		}
		return;
	}
	pthread_mutex_unlock(&pc->lock);
	/* the count was read first: an edit after it is seen next time */
	file_id_read(pc->files[0], &ids[0]);
	file_id_read(pc->files[1], &ids[1]);
	pthread_mutex_lock(&pc->lock);
	if (!pc->loaded || pc->generation != vd_store_generation(pc->store) ||
	    !file_id_same(&ids[0], &pc->ids[0]) || !file_id_same(&ids[1], &pc->ids[1]))
		reload(pc, ids);
	pc->edits = edits;
}

const struct vd_compiled *vd_pcache_acquire(struct vd_pcache *pc,
					    uint64_t *generation, char *why,
					    size_t cap, bool *compile_failed)
{
	struct entry *e;

	lock_current(pc);
	*generation = pc->generation;
	if ((e = pc->cur))
		e->refs++;
	else
		snprintf(why, cap, "%s", pc->error);
	if (compile_failed)
		*compile_failed = pc->compile_failed;
	pthread_mutex_unlock(&pc->lock);
	return e ? &e->c : NULL;
}

void vd_pcache_release(struct vd_pcache *pc, const struct vd_compiled *c)
{
	/* c is the first member of its entry */
	struct entry *e = (struct entry *)(void *)c;
	bool last;

	pthread_mutex_lock(&pc->lock);
	last = --e->refs == 0;
	pthread_mutex_unlock(&pc->lock);
	if (last)
		entry_free(e);
}

bool vd_pcache_current(struct vd_pcache *pc, uint64_t serial, uint64_t generation)
{
	bool current;

	lock_current(pc);
	current = pc->cur && pc->cur->c.serial == serial && pc->generation == generation;
	pthread_mutex_unlock(&pc->lock);
	return current;
}
