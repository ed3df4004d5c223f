/* resource_policy.c - the resource policy, compiled once per change and
 * asked per key and resource request (resource_policy.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eaa/rego.h"
#include "log.h"
#include "policy_cache.h"
#include "bytes.h"
#include "json_util.h"
#include "resource_policy.h"
#include "decide.h"

#define POLICY_FILE "resourcePolicy.rego"
/* the other rules' values in a refusal's log line, at most */
#define RULES_MAX 400

struct vd_rpolicy {
	struct vd_store *store;
	struct vd_pcache *pc; /* the pair, compiled once per change */
};

struct vd_rpolicy *vd_rpolicy_new(struct vd_store *s)
{
	struct vd_rpolicy *rp = calloc(1, sizeof(*rp));

	if (!rp || !(rp->pc = vd_pcache_new(s, VD_OPA_RESOURCE,
					    "every key and resource request"))) {
		free(rp);
		return NULL;
	}
	rp->store = s;
	return rp;
}

void vd_rpolicy_free(struct vd_rpolicy *rp)
{
	if (!rp)
		return;
	vd_pcache_free(rp->pc);
	free(rp);
}

/* The current policy, with a reference, or NULL with the reason. */
static const struct vd_compiled *acquire(struct vd_rpolicy *rp, char *why, size_t cap)
{
	const struct vd_compiled *c;
	char error[EAA_ERR_MSG_MAX];
	uint64_t g;

	if (!(c = vd_pcache_acquire(rp->pc, &g, error, sizeof(error), NULL)))
		snprintf(why, cap, POLICY_FILE ": %s", error);
	return c;
}

/* The input document without ear, written directly in the order
 * json_dumps(JSON_SORT_KEYS) gives (jansson's writer was a tenth of
 * verdictd's CPU per key request); NULL when a value is not UTF-8 (then
 * jansson's way says no). */
static char *make_input_direct(const struct vd_rp_request *req, const char *claims, size_t *n)
{
	struct wr w;

	wr_init(&w);
	wr_bytes(&w, "{\"claims\":", 10);
	wr_bytes(&w, claims, strlen(claims));
	wr_bytes(&w, ",\"command\":", 11);
	if (!json_quote(&w, req->command ? req->command : ""))
		goto fail;
	if (req->kid && (!wr_bytes(&w, ",\"kid\":", 7) || !json_quote(&w, req->kid)))
		goto fail;
	wr_bytes(&w, ",\"path\":", 8);
	if (!json_quote(&w, req->path ? req->path : ""))
		goto fail;
	if (req->resource && (!wr_bytes(&w, ",\"resource\":", 12) ||
			      !json_quote(&w, req->resource)))
		goto fail;
	wr_bytes(&w, ",\"tee\":", 7);
	if (!json_quote(&w, req->tee ? req->tee : "") || !wr_bytes(&w, "}", 2) || w.failed)
		goto fail;
	*n = w.len - 1;
	return (char *)w.buf;
fail:
	wr_free(&w);
	return NULL;
}

/* The input document through jansson; the claims (already JSON)
 * spliced in as they are. */
static char *make_input_json(const struct vd_rp_request *req, const char *claims, size_t *n)
{
	json_t *o = json_pack("{s:s,s:s,s:s}", "tee", req->tee ? req->tee : "",
			      "command", req->command ? req->command : "",
			      "path", req->path ? req->path : "");
	char *rest, *in = NULL;

	if (o && req->ear)
		json_object_set(o, "ear", (json_t *)req->ear);

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

static char *make_input(const struct vd_rp_request *req, size_t *n)
{
	const char *claims = req->claims && *req->claims ? req->claims : "{}";
	char *in = req->ear ? NULL : make_input_direct(req, claims, n);

	return in ? in : make_input_json(req, claims, n);
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
	const struct vd_compiled *c;
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
	vd_pcache_release(rp->pc, c);
	return allow;
}

void vd_rpolicy_describe(struct vd_rpolicy *rp, char *out, size_t cap)
{
	/* a request that names nothing: a policy that allows it allows all */
	static const char probe[] =
		"{\"claims\":{},\"command\":\"\",\"path\":\"\",\"tee\":\"\"}";
	const char *root = vd_store_where(rp->store);
	struct rego_error re = { 0 };
	const struct vd_compiled *c;
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
	vd_pcache_release(rp->pc, c);
}
