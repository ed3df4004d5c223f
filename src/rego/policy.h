/* policy.h - a compiled policy, shared by the compiler and the evaluator.
 * Immutable once compiled; evaluations only read it. */
#ifndef EAA_REGO_POLICY_H
#define EAA_REGO_POLICY_H

#include "ast.h"

/* The tree of rule paths under data: packages and rule names. A node has
 * children (packages, dotted heads) and/or a rule group. */
struct dnode {
	struct rv *name;        /* a string */
	struct dnode **kids;    /* sorted by name */
	size_t nkids, cap;
	struct rule_group *group;
	struct rule_group *gen; /* general heads starting here (p[q].r := 1) */
	int tree_id;            /* evaluation cache slot of the document built
				   here, when rules overlap here (eval.c) */
};

struct query {
	struct body *body;
	int nslots;
	const char **names;     /* slot names, for result bindings */
	bool *user;             /* slot is a user-named variable of the query */
	int value_slot;         /* holds the last expression's value, or -1 */
	int *expr_slot;         /* per expression in written order: its
				   value's slot, or -1 (true when it holds) */
	size_t nexpr;
};

struct rego_policy {
	struct rv_arena arena;
	struct dnode *root;
	struct rv *data;        /* the base document */
	struct module **mods;
	size_t nmods, capmods;
	struct rule_group **groups;
	size_t ngroups, capgroups;
	size_t ncache;          /* evaluation cache slots: groups, then trees */
};

struct dnode *dnode_child(const struct dnode *n, const struct rv *name);

/* Compile the parsed modules in place: rule tree, names, call targets,
 * expression order. */
bool rego_compile_modules(struct rego_policy *p, struct eaa_err *err);

/* Compile a query body against the policy (in arena a). */
bool rego_compile_query(const struct rego_policy *p, struct rv_arena *a,
			struct body *b, struct query *q, struct eaa_err *err);

#endif
