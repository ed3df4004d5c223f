/* builtins_subset.c - object.subset(super, sub), OPA's topdown/subset.go.
 *
 * Owns rb_subset_defs. Objects are subsets member by member, recursing
 * where both sides hold objects, sets or arrays; a set is a subset by
 * membership; an array is a subset of another when it occurs in it as a
 * contiguous run; a set is a subset of an array holding all its elements
 * (counted as OPA counts them: an element present twice counts twice). The recursion follows the nesting of sub, which is bounded
 * (SUBSET_MAX_DEPTH) since values built by a policy can nest deeper than
 * parsed JSON. */
#include "builtins.h"

#define SUBSET_MAX_DEPTH 10000

static bool object_subset(const struct rv *super, const struct rv *sub,
			  unsigned depth, bool *deep);

static bool set_subset(const struct rv *super, const struct rv *sub)
{
	size_t i;

	for (i = 0; i < sub->u.arr.n; i++)
		if (!rv_set_contains(super, sub->u.arr.v[i]))
			return false;
	return true;
}

static bool array_subset(const struct rv *super, const struct rv *sub)
{
	size_t from = 0, at = 0;

	if (sub->u.arr.n > super->u.arr.n)
		return false;
	if (rv_equal(sub, super))
		return true;
	for (;;) {
		if (at == sub->u.arr.n)
			return true;
		if (from + at == super->u.arr.n)
			return false;
		if (rv_equal(super->u.arr.v[from + at], sub->u.arr.v[at])) {
			at++;
		} else {
			from++;
			at = 0;
		}
	}
}

static bool array_set_subset(const struct rv *super, const struct rv *sub)
{
	size_t unmatched = sub->u.arr.n, i;

	/* OPA counts array elements found in the set, duplicates included,
	 * and needs the count to reach zero while scanning */
	for (i = 0; i < super->u.arr.n; i++) {
		if (rv_set_contains(sub, super->u.arr.v[i]))
			unmatched--;
		if (unmatched == 0)
			return true;
	}
	return false;
}

static bool object_subset(const struct rv *super, const struct rv *sub,
			  unsigned depth, bool *deep)
{
	size_t i;

	if (depth > SUBSET_MAX_DEPTH) {
		*deep = true;
		return false;
	}
	for (i = 0; i < sub->u.obj.n; i++) {
		const struct rv *sv = sub->u.obj.v[i];
		const struct rv *pv = rv_object_get(super, sub->u.obj.k[i]);

		if (!pv)
			return false;
		if (rv_equal(sv, pv))
			continue;
		if (pv->type != sv->type)
			return false;
		switch (sv->type) {
		case RV_OBJECT:
			if (!object_subset(pv, sv, depth + 1, deep))
				return false;
			break;
		case RV_SET:
			if (!set_subset(pv, sv))
				return false;
			break;
		case RV_ARRAY:
			if (!array_subset(pv, sv))
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

static enum rb_status bi_object_subset(struct rb_ctx *c, struct rv *const *args,
				       struct rv **out)
{
	const struct rv *super = args[0], *sub = args[1];
	bool deep = false, res;

	if (super->type == RV_OBJECT && sub->type == RV_OBJECT)
		res = object_subset(super, sub, 0, &deep);
	else if (super->type == RV_SET && sub->type == RV_SET)
		res = set_subset(super, sub);
	else if (super->type == RV_ARRAY && sub->type == RV_ARRAY)
		res = array_subset(super, sub);
	else if (super->type == RV_ARRAY && sub->type == RV_SET)
		res = array_set_subset(super, sub);
	else {
		rb_error(c, "both arguments object.subset must be of the same type or array and set");
		return RB_TYPE_ERROR;
	}
	if (deep)
		return rb_error(c, "values nested deeper than %d levels",
				SUBSET_MAX_DEPTH);
	*out = rv_bool(res);
	return RB_OK;
}

const struct rb_def rb_subset_defs[] = {
	{ "object.subset", 2, bi_object_subset },
	{ NULL, 0, NULL },
};
