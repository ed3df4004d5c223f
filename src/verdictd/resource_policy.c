/* resource_policy.c - the resource policy, compiled once per change and
 * asked per key and resource request (resource_policy.h). */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "eaa/rego.h"
#include "log.h"
#include "resource_policy.h"
#include "decide.h"

#define POLICY_FILE "resourcePolicy.rego"
/* the other rules' values in a refusal's log line, at most */
#define RULES_MAX 400

/* One compiled policy; readers hold a reference while they evaluate, so
 * a newer policy can take its place without waiting for them. */
struct compiled {
	unsigned refs; /* under vd_rpolicy.lock */
	struct rego_policy *policy;
	struct rego_query *allow, *rules;
};

/* Enough of a file's stat to see it replaced or edited. */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct vd_rpolicy {
	struct vd_store *store;
	char files[2][4096]; /* the policy's and the data's, to stat */
	pthread_mutex_t lock;
	struct compiled *cur; /* NULL: nothing compiled, every request refused */
	/* what cur, or the last load that failed, was read from */
	bool loaded;
	uint64_t generation;
	struct file_id ids[2]; /* policy, data */
	char error[EAA_ERR_MSG_MAX]; /* why cur is NULL */
};

static void compiled_free(struct compiled *c)
{
	if (!c)
		return;
	rego_query_free(c->allow);
	rego_query_free(c->rules);
	rego_policy_free(c->policy);
	free(c);
}

struct vd_rpolicy *vd_rpolicy_new(struct vd_store *s)
{
	struct vd_rpolicy *rp = calloc(1, sizeof(*rp));

	if (!rp)
		return NULL;
	rp->store = s;
	/* a path that does not fit stays empty: stat fails, every request
	 * reloads, and the store's own error refuses it */
	vd_opa_file(s, VD_OPA_RESOURCE, false, rp->files[0], sizeof(rp->files[0]), NULL);
	vd_opa_file(s, VD_OPA_RESOURCE, true, rp->files[1], sizeof(rp->files[1]), NULL);
	pthread_mutex_init(&rp->lock, NULL);
	return rp;
}

void vd_rpolicy_free(struct vd_rpolicy *rp)
{
	if (!rp)
		return;
	/* the owner frees it after the last request: no reference is held */
	compiled_free(rp->cur);
	pthread_mutex_destroy(&rp->lock);
	free(rp);
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

static bool compile(const struct vd_opa_doc *doc, struct compiled **out,
		    struct eaa_err *err)
{
	struct rego_builder *b = rego_builder_new();
	struct compiled *c = calloc(1, sizeof(*c));
	struct rego_error re = { 0 };

	if (!b || !c) {
		rego_builder_free(b);
		free(c);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	if (!rego_builder_add_module(b, POLICY_FILE, doc->policy, doc->plen,
				     REGO_SYNTAX_AUTO, &re) ||
	    !rego_builder_set_data(b, doc->data, doc->dlen, &re)) {
		rego_builder_free(b);
		goto fail;
	}
	if (!(c->policy = rego_builder_compile(b, &re)) ||
	    !(c->allow = rego_query_compile(c->policy, "data.policy.allow", &re)) ||
	    !(c->rules = rego_query_compile(c->policy, "data.policy", &re)))
		goto fail;
	*out = c;
	return true;
fail:
	compiled_free(c);
	return eaa_fail(err, re.code ? re.code : EAA_E_NOMEM, "%s",
			re.code ? re.msg : "out of memory");
}

/* Read and compile the stored pair (under rp->lock). A pair that does not
 * compile leaves the working policy in place; a missing one removes it. */
static void reload(struct vd_rpolicy *rp, const struct file_id ids[2])
{
	struct vd_opa_doc doc;
	struct compiled *c = NULL;
	struct eaa_err err;

	rp->loaded = true;
	rp->ids[0] = ids[0];
	rp->ids[1] = ids[1];
	if (!vd_opa_snapshot(rp->store, VD_OPA_RESOURCE, &doc, &err)) {
		/* no policy, no keys: the owner removed it */
		rp->generation = vd_store_generation(rp->store);
		snprintf(rp->error, sizeof(rp->error), "%s", err.msg);
		if (rp->cur) {
			LOG_WARN("resource policy: %s; every key and resource request is "
				 "refused until there is one", err.msg);
			if (--rp->cur->refs == 0)
				compiled_free(rp->cur);
			rp->cur = NULL;
		}
		return;
	}
	rp->generation = doc.generation;
	if (!compile(&doc, &c, &err)) {
		if (rp->cur) {
			LOG_WARN("%s/opa/" POLICY_FILE " (generation %llu) does not compile, "
				 "so the policy compiled before decides on: %s",
				 vd_store_root(rp->store), (unsigned long long)doc.generation,
				 err.msg);
		} else {
			snprintf(rp->error, sizeof(rp->error), "does not compile: %s", err.msg);
			LOG_WARN("%s/opa/" POLICY_FILE " %s; every key and resource request "
				 "is refused until it does", vd_store_root(rp->store), rp->error);
		}
		vd_opa_doc_free(&doc);
		return;
	}
	vd_opa_doc_free(&doc);
	c->refs = 1;
	if (rp->cur && --rp->cur->refs == 0)
		compiled_free(rp->cur);
	rp->cur = c;
	rp->error[0] = '\0';
}

/* The current policy, with a reference, or NULL with the reason. */
static struct compiled *acquire(struct vd_rpolicy *rp, char *why, size_t cap)
{
	struct file_id ids[2];
	struct compiled *c;

	/* outside the lock: a change after these calls is seen next time */
	file_id_read(rp->files[0], &ids[0]);
	file_id_read(rp->files[1], &ids[1]);
	pthread_mutex_lock(&rp->lock);
	if (!rp->loaded || rp->generation != vd_store_generation(rp->store) ||
	    !file_id_same(&ids[0], &rp->ids[0]) || !file_id_same(&ids[1], &rp->ids[1]))
		reload(rp, ids);
	if ((c = rp->cur))
		c->refs++;
	else
		snprintf(why, cap, POLICY_FILE ": %s", rp->error);
	pthread_mutex_unlock(&rp->lock);
	return c;
}

static void release(struct vd_rpolicy *rp, struct compiled *c)
{
	bool last;

	pthread_mutex_lock(&rp->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&rp->lock);
	if (last)
		compiled_free(c);
}

/* The input document; the claims (already JSON) spliced in as they are. */
static char *make_input(const struct vd_rp_request *req, size_t *n)
{
	json_t *o = json_pack("{s:s,s:s,s:s}", "tee", req->tee ? req->tee : "",
			      "command", req->command ? req->command : "",
			      "path", req->path ? req->path : "");
	const char *claims = req->claims && *req->claims ? req->claims : "{}";
	char *rest, *in = NULL;

	if (o && req->kid)
		json_object_set_new(o, "kid", json_string(req->kid));
	if (o && req->resource)
		json_object_set_new(o, "resource", json_string(req->resource));
	rest = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	/* rest is {"command":...}: the claims go first */
	if (rest && asprintf(&in, "{\"claims\":%s,%s", claims, rest + 1) < 0)
		in = NULL;
	free(rest);
	if (in)
		*n = strlen(in);
	return in;
}

/* One line per refusal: the request, why, and, when the policy could say,
 * the values its rules took for the request and the engine's explanation
 * of where allow fell short (rego_query_eval_explain, on one line). */
static void log_refusal(const struct vd_rp_request *req, const char *why,
			const char *rules, const char *explain)
{
	const char *tee = req->tee ? req->tee : "?";
	char what[300];

	snprintf(what, sizeof(what), "%s of %s \"%.200s\"",
		 req->command ? req->command : "?", req->kid ? "key" : "resource",
		 req->kid ? req->kid : req->resource ? req->resource : "?");
	if (!explain)
		explain = "";
	if (rules)
		LOG_WARN("refused %s to a %s peer: %s; the policy's rules for it: %.*s%s%s%s",
			 what, tee, why, RULES_MAX, rules,
			 strlen(rules) > RULES_MAX ? "..." : "", *explain ? "; why: " : "",
			 explain);
	else
		LOG_WARN("refused %s to a %s peer: %s%s%s", what, tee, why,
			 *explain ? "; why: " : "", explain);
}

bool vd_rpolicy_allow(struct vd_rpolicy *rp, const struct vd_rp_request *req,
		      char *why, size_t cap)
{
	struct compiled *c;
	struct rego_error re = { 0 };
	enum rego_result r;
	char *input = NULL, *out = NULL, *rules = NULL, explain[1024] = "";
	size_t n = 0;
	bool allow = false;

	if (!rp) {
		snprintf(why, cap, "no resource policy is in force");
		log_refusal(req, why, NULL, NULL);
		return false;
	}
	if (!(c = acquire(rp, why, cap))) {
		log_refusal(req, why, NULL, NULL);
		return false;
	}
	if (!(input = make_input(req, &n))) {
		snprintf(why, cap, "out of memory");
		log_refusal(req, why, NULL, NULL);
		goto out;
	}
	r = rego_query_eval_explain(c->allow, input, n, NULL, &out, explain,
				    sizeof(explain), &re);
	vd_explain_one_line(explain, sizeof(explain));
	if (r == REGO_ERROR)
		snprintf(why, cap, POLICY_FILE ": policy error: %s", re.msg);
	else if (r == REGO_UNDEFINED)
		snprintf(why, cap, POLICY_FILE ": rule allow is undefined for this request "
			 "(no rule gave it a value)");
	else if (!(allow = strcmp(out, "true") == 0))
		snprintf(why, cap, POLICY_FILE ": rule allow is %.100s%s", out,
			 strcmp(out, "false") == 0 ? "" : ", not true");
	if (!allow)
		log_refusal(req, why, r != REGO_ERROR &&
			    rego_query_eval(c->rules, input, n, NULL, &rules, &re) ==
			    REGO_DEFINED ? rules : NULL, explain);
out:
	free(out);
	free(rules);
	free(input);
	release(rp, c);
	return allow;
}

void vd_rpolicy_describe(struct vd_rpolicy *rp, char *out, size_t cap)
{
	/* a request that names nothing: a policy that allows it allows all */
	static const char probe[] =
		"{\"claims\":{},\"command\":\"\",\"path\":\"\",\"tee\":\"\"}";
	const char *root = vd_store_root(rp->store);
	struct rego_error re = { 0 };
	struct compiled *c;
	char why[EAA_ERR_MSG_MAX + 32], *v = NULL;

	if (!(c = acquire(rp, why, sizeof(why)))) {
		snprintf(out, cap, "resources: every key and resource is refused: %s", why);
		return;
	}
	if (rego_query_eval(c->allow, probe, sizeof(probe) - 1, NULL, &v, &re) ==
	    REGO_DEFINED && strcmp(v, "true") == 0)
		snprintf(out, cap, "resources: %s/opa/" POLICY_FILE " allows every allowed "
			 "peer every key and resource (the default; docs/verdictd.md shows "
			 "one tenant per measurement)", root);
	else
		snprintf(out, cap, "resources: each key and resource is decided by %s/opa/"
			 POLICY_FILE " with %s/opa/resourceData", root, root);
	free(v);
	release(rp, c);
}
