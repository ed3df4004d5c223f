/* decide.c - the key-release decision for one verified peer, over each
 * TEE's policy compiled once per change (decide.h). */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "decide.h"
#include "eaa/rego.h"
#include "log.h"

/* One compiled policy; deciders hold a reference while they evaluate, so
 * a newer policy can take its place without waiting for them. */
struct compiled {
	unsigned refs; /* under the slot's lock */
	uint64_t serial;
	uint8_t digest[32]; /* of what it was compiled from */
	struct rego_policy *policy;
	struct rego_query *allow;
};

/* Enough of a file's stat to see it replaced or edited. */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* One TEE's policy. */
struct slot {
	pthread_mutex_t lock;
	char files[2][4096];  /* the policy's and the data's, to stat */
	struct compiled *cur; /* NULL: nothing compiled, every peer refused */
	/* what cur, or the last read that failed, came from */
	bool loaded;
	uint64_t generation;
	struct file_id ids[2];
	bool compile_failed; /* why cur is NULL: a compile error, or the store's */
	char error[EAA_ERR_MSG_MAX];
	/* the last text that did not compile: read again unchanged (after an
	 * unrelated write), it is neither compiled nor logged again */
	bool have_failed;
	uint8_t failed[32];
};

struct vd_decider {
	struct vd_store *store;
	bool enabled[VD_TEE_COUNT];
	_Atomic uint64_t compilations, serials;
	struct slot tees[VD_TEE_COUNT];
};

bool vd_tee_of_verifier(const char *verifier, enum vd_tee *t)
{
	static const struct {
		const char *name;
		enum vd_tee tee;
	} map[] = {
		{ "sgx_ecdsa", VD_TEE_SGX }, { "tdx_ecdsa", VD_TEE_TDX },
		{ "tdx", VD_TEE_TDX }, { "sev_snp", VD_TEE_SNP },
		{ "csv", VD_TEE_CSV }, { "tpm", VD_TEE_TPM },
		{ "sample", VD_TEE_SAMPLE },
	};
	size_t i;

	/* exact names: a verifier added later is covered by no policy until
	 * it is listed here */
	for (i = 0; verifier && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(verifier, map[i].name) == 0) {
			*t = map[i].tee;
			return true;
		}
	return false;
}

void vd_explain_one_line(char *s, size_t cap)
{
	char buf[sizeof(((struct vd_decision *)0)->explain)];
	const char *in = s;
	size_t o = 0;

	if (cap > sizeof(buf))
		cap = sizeof(buf);
	while (*in && o + 1 < cap) {
		if (*in != '\n') {
			buf[o++] = *in++;
			continue;
		}
		while (*++in == ' ')
			;
		for (const char *sep = " | "; *sep && o + 1 < cap; sep++)
			buf[o++] = *sep;
	}
	if (*in && o >= 3)
		memcpy(buf + o - 3, "...", 3);
	buf[o] = '\0';
	memcpy(s, buf, o + 1);
}

static void compiled_free(struct compiled *c)
{
	if (!c)
		return;
	rego_query_free(c->allow);
	rego_policy_free(c->policy);
	free(c);
}

struct vd_decider *vd_decider_new(struct vd_store *s,
				  const bool enabled[VD_TEE_COUNT])
{
	struct vd_decider *dc = calloc(1, sizeof(*dc));
	int t;

	if (!dc)
		return NULL;
	dc->store = s;
	memcpy(dc->enabled, enabled, sizeof(dc->enabled));
	for (t = 0; t < VD_TEE_COUNT; t++) {
		struct slot *sl = &dc->tees[t];

		/* a path that does not fit stays empty: stat fails, every
		 * decision reads again, and the store's own error refuses */
		vd_opa_file(s, (enum vd_tee)t, false, sl->files[0], sizeof(sl->files[0]), NULL);
		vd_opa_file(s, (enum vd_tee)t, true, sl->files[1], sizeof(sl->files[1]), NULL);
		pthread_mutex_init(&sl->lock, NULL);
	}
	return dc;
}

void vd_decider_free(struct vd_decider *dc)
{
	int t;

	if (!dc)
		return;
	for (t = 0; t < VD_TEE_COUNT; t++) {
		compiled_free(dc->tees[t].cur);
		pthread_mutex_destroy(&dc->tees[t].lock);
	}
	free(dc);
}

uint64_t vd_decider_compilations(struct vd_decider *dc)
{
	return dc->compilations;
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
		    struct compiled **out, struct eaa_err *err)
{
	struct rego_builder *b = rego_builder_new();
	struct compiled *c = calloc(1, sizeof(*c));
	struct rego_error re = { 0 };

	if (!b || !c) {
		rego_builder_free(b);
		free(c);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	if (!rego_builder_add_module(b, file, doc->policy, doc->plen,
				     REGO_SYNTAX_AUTO, &re) ||
	    !rego_builder_set_data(b, doc->data, doc->dlen, &re)) {
		rego_builder_free(b);
		goto fail;
	}
	if (!(c->policy = rego_builder_compile(b, &re)) ||
	    !(c->allow = rego_query_compile(c->policy, "data.policy.allow", &re)))
		goto fail;
	*out = c;
	return true;
fail:
	compiled_free(c);
	return eaa_fail(err, re.code ? re.code : EAA_E_NOMEM, "%s",
			re.code ? re.msg : "out of memory");
}

/* Drop the slot's reference to its policy (under its lock). */
static void slot_drop(struct slot *sl)
{
	if (sl->cur && --sl->cur->refs == 0)
		compiled_free(sl->cur);
	sl->cur = NULL;
}

/* Read the stored pair again (under sl->lock) and compile it if it is not
 * what is compiled. A pair that does not compile leaves the working policy
 * in place; a missing one removes it. */
static void reload(struct vd_decider *dc, enum vd_tee t, const struct file_id ids[2])
{
	struct slot *sl = &dc->tees[t];
	const char *root = vd_store_root(dc->store), *name = vd_tee_name(t);
	struct vd_opa_doc doc;
	struct compiled *c = NULL;
	struct eaa_err err;
	uint8_t dg[32];
	char file[32];

	sl->loaded = true;
	sl->ids[0] = ids[0];
	sl->ids[1] = ids[1];
	if (!vd_opa_snapshot(dc->store, t, &doc, &err)) {
		/* no policy, no peers: the owner removed it */
		sl->generation = vd_store_generation(dc->store);
		sl->compile_failed = sl->have_failed = false;
		snprintf(sl->error, sizeof(sl->error), "%s", err.msg);
		if (sl->cur)
			LOG_WARN("%s policy: %s; every %s peer is refused until there is one",
				 name, err.msg, name);
		slot_drop(sl);
		return;
	}
	sl->generation = doc.generation;
	doc_digest(&doc, dg);
	if (sl->cur && memcmp(dg, sl->cur->digest, sizeof(dg)) == 0) {
		/* another write moved the generation: nothing to compile */
		sl->have_failed = false;
		vd_opa_doc_free(&doc);
		return;
	}
	if (sl->have_failed && memcmp(dg, sl->failed, sizeof(dg)) == 0) {
		vd_opa_doc_free(&doc); /* the same broken text, said once */
		return;
	}
	dc->compilations++;
	snprintf(file, sizeof(file), "%sPolicy.rego", name);
	if (!compile(file, &doc, &c, &err)) {
		vd_opa_doc_free(&doc);
		sl->have_failed = true;
		memcpy(sl->failed, dg, sizeof(dg));
		if (sl->cur) {
			LOG_WARN("%s/opa/%s (generation %llu) does not compile, so the "
				 "policy compiled before decides on: %s", root, file,
				 (unsigned long long)sl->generation, err.msg);
			return;
		}
		sl->compile_failed = true;
		snprintf(sl->error, sizeof(sl->error), "does not compile: %s", err.msg);
		LOG_WARN("%s/opa/%s %s; every %s peer is refused until it does", root,
			 file, sl->error, name);
		return;
	}
	vd_opa_doc_free(&doc);
	c->refs = 1;
	c->serial = ++dc->serials;
	memcpy(c->digest, dg, sizeof(dg));
	slot_drop(sl);
	sl->cur = c;
	sl->have_failed = sl->compile_failed = false;
	sl->error[0] = '\0';
}

/* Bring TEE t's slot up to the store and its files (under its lock). */
static void refresh(struct vd_decider *dc, enum vd_tee t, const struct file_id ids[2])
{
	struct slot *sl = &dc->tees[t];

	if (!sl->loaded || sl->generation != vd_store_generation(dc->store) ||
	    !file_id_same(&ids[0], &sl->ids[0]) || !file_id_same(&ids[1], &sl->ids[1]))
		reload(dc, t, ids);
}

static void stat_files(struct slot *sl, struct file_id ids[2])
{
	/* outside the lock: a change after these calls is seen next time */
	file_id_read(sl->files[0], &ids[0]);
	file_id_read(sl->files[1], &ids[1]);
}

/* TEE t's current policy, with a reference, and the generation it was
 * read at; or NULL with the reason (and whether it is a compile error,
 * when compile_failed is not NULL). */
static struct compiled *acquire(struct vd_decider *dc, enum vd_tee t,
				uint64_t *generation, char *why, size_t cap,
				bool *compile_failed)
{
	struct slot *sl = &dc->tees[t];
	struct file_id ids[2];
	struct compiled *c;

	stat_files(sl, ids);
	pthread_mutex_lock(&sl->lock);
	refresh(dc, t, ids);
	*generation = sl->generation;
	if ((c = sl->cur))
		c->refs++;
	else
		snprintf(why, cap, "%s", sl->error);
	if (compile_failed)
		*compile_failed = sl->compile_failed;
	pthread_mutex_unlock(&sl->lock);
	return c;
}

static void release(struct vd_decider *dc, enum vd_tee t, struct compiled *c)
{
	struct slot *sl = &dc->tees[t];
	bool last;

	pthread_mutex_lock(&sl->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&sl->lock);
	if (last)
		compiled_free(c);
}

void vd_decide(struct vd_decider *dc, const char *verifier, const char *claims,
	       struct vd_decision *d)
{
	struct rego_error re = { 0 };
	struct compiled *c;
	enum rego_result r;
	char *out = NULL;
	const char *name;

	memset(d, 0, sizeof(*d));
	d->verifier = verifier;
	d->claims = claims;
	d->generation = vd_store_generation(dc->store);
	if (!vd_tee_of_verifier(verifier, &d->tee)) {
		snprintf(d->why, sizeof(d->why), "evidence checked by \"%s\", which no "
			 "policy covers", verifier ? verifier : "no verifier");
		return;
	}
	name = vd_tee_name(d->tee);
	if (!dc->enabled[d->tee]) {
		snprintf(d->why, sizeof(d->why), "%s evidence, but the %s verifier is "
			 "not enabled (--verifier)", name, verifier);
		return;
	}
	snprintf(d->policy, sizeof(d->policy), "%sPolicy.rego", name);
	if (!(c = acquire(dc, d->tee, &d->generation, d->why, sizeof(d->why), NULL)))
		return;
	d->serial = c->serial;
	if (!claims)
		claims = "";
	r = rego_query_eval_explain(c->allow, claims, strlen(claims), NULL, &out,
				    d->explain, sizeof(d->explain), &re);
	if (r == REGO_ERROR) {
		d->explain[0] = '\0';
		snprintf(d->why, sizeof(d->why), "policy error: %s", re.msg);
	} else if (!(d->allow = r == REGO_DEFINED && strcmp(out, "true") == 0)) {
		snprintf(d->why, sizeof(d->why), "%s says allow = %.200s", d->policy,
			 r == REGO_DEFINED ? out : "undefined");
	} else {
		d->explain[0] = '\0';
		snprintf(d->why, sizeof(d->why), "%s allows it", d->policy);
	}
	vd_explain_one_line(d->explain, sizeof(d->explain));
	free(out);
	release(dc, d->tee, c);
}

bool vd_decision_current(struct vd_decider *dc, const struct vd_decision *d)
{
	struct slot *sl;
	struct file_id ids[2];
	bool current;

	if (d->generation != vd_store_generation(dc->store))
		return false;
	/* refused before any policy was asked: only a write changes that */
	if (!d->serial)
		return true;
	sl = &dc->tees[d->tee];
	stat_files(sl, ids);
	pthread_mutex_lock(&sl->lock);
	refresh(dc, d->tee, ids);
	current = sl->cur && sl->cur->serial == d->serial &&
		  sl->generation == d->generation;
	pthread_mutex_unlock(&sl->lock);
	return current;
}

bool vd_decision_holds(struct vd_decider *dc, struct vd_decision *d,
		       bool *redecided)
{
	*redecided = false;
	if (!d->allow)
		return false;
	if (vd_decision_current(dc, d))
		return true;
	*redecided = true;
	/* vd_decide clears d first: the pointers are passed by value */
	vd_decide(dc, d->verifier, d->claims, d);
	return d->allow;
}

void vd_describe_tee(struct vd_decider *dc, enum vd_tee t, char *out, size_t cap)
{
	const char *root = vd_store_root(dc->store), *name = vd_tee_name(t);
	struct rego_error re = { 0 };
	struct rego_query *q = NULL;
	struct compiled *c;
	enum rego_result r = REGO_ERROR;
	char why[EAA_ERR_MSG_MAX], *configured = NULL;
	uint64_t g;
	bool compile_failed;

	if (!(c = acquire(dc, t, &g, why, sizeof(why), &compile_failed))) {
		if (compile_failed)
			snprintf(out, cap, "%s: refuses every peer: %s/opa/%sPolicy.rego %s",
				 name, root, name, why);
		else
			snprintf(out, cap, "%s: refuses every peer: %s", name, why);
		return;
	}
	if ((q = rego_query_compile(c->policy, "data.policy.configured", &re)))
		r = rego_query_eval(q, "{}", 2, NULL, &configured, &re);
	if (r == REGO_ERROR)
		snprintf(out, cap, "%s: refuses every peer: %s/opa/%sPolicy.rego: %s",
			 name, root, name, re.msg);
	else if (r == REGO_DEFINED && strcmp(configured, "false") == 0)
		snprintf(out, cap, "%s: refuses every peer until reference values are "
			 "listed in %s/opa/%sData (verdict --set-opa-reference)",
			 name, root, name);
	else if (r == REGO_DEFINED && strcmp(configured, "true") == 0)
		snprintf(out, cap, "%s: accepts what %s/opa/%sPolicy.rego allows with "
			 "the reference values in %s/opa/%sData", name, root, name, root,
			 name);
	else
		snprintf(out, cap, "%s: decided by the owner's %s/opa/%sPolicy.rego "
			 "(it has no `configured` rule to say whether reference values "
			 "are listed) with %s/opa/%sData", name, root, name, root, name);
	free(configured);
	rego_query_free(q);
	release(dc, t, c);
}
