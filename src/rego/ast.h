/* ast.h - the parsed and compiled form of Rego modules and queries.
 *
 * The parser (parse.c) builds this tree; the compiler (compile.c) resolves
 * names in place (variables to frame slots, rule references to rule
 * groups, calls to built-ins or functions) and orders body expressions so
 * every variable is bound before it is used; the evaluator (eval.c) only
 * reads it. All nodes live in the policy's arena. */
#ifndef EAA_REGO_AST_H
#define EAA_REGO_AST_H

#include "builtins.h"
#include "value.h"

struct rule_group;
struct body;

enum term_kind {
	T_VALUE,      /* a constant (scalar, or composite built at compile time) */
	T_VAR,
	T_REF,        /* head, then path elements */
	T_ARRAY, T_SET, T_OBJECT,
	T_ARRAY_COMP, T_SET_COMP, T_OBJECT_COMP,
	T_CALL,
};

/* What a name stands for once compiled. */
enum var_kind {
	V_UNRESOLVED,
	V_LOCAL,  /* a slot of the current frame */
	V_INPUT,  /* the root of input */
	V_DATA,   /* the root of data */
	V_WILD,   /* `_`: a fresh local each time it appears (has a slot) */
};

struct term {
	enum term_kind kind;
	int line, col;
	const char *file;
	union {
		struct rv *value;
		struct {
			const char *name;
			enum var_kind kind;
			int slot;
		} var;
		struct {
			struct term *head;
			struct term **path;
			size_t n;
		} ref;
		struct { /* arrays and sets: items; objects: keys and vals */
			struct term **items, **vals;
			size_t n;
		} coll;
		struct {
			struct term *key;   /* object comprehensions only */
			struct term *value;
			struct body *body;
			int *free;          /* enclosing locals it reads */
			size_t nfree;
			/* a template string's `{expr}` (parse.c): it may
			 * read the enclosing body's variables, not bind any */
			bool template;
		} comp;
		struct {
			struct term *fn;    /* the called name, a ref of vars */
			struct term **args;
			size_t n;
			const struct rb_def *builtin;
			struct rule_group *func;
		} call;
	} u;
};

enum expr_kind {
	E_TERM,     /* true unless false or undefined */
	E_UNIFY,    /* a = b */
	E_ASSIGN,   /* a := b */
	E_SOME,     /* some x, y (declaration only; always true) */
	E_SOME_IN,  /* some [k,] v in coll */
	E_EVERY,    /* every [k,] v in coll { body } */
	/* Rego v2's logical operators (future.keywords.and/or/not or
	 * rego.v2): each operand is a closed body that succeeds at most
	 * once, and nothing it binds is seen outside it. */
	E_AND,      /* body and rhs */
	E_OR,       /* body or rhs: rhs only runs when body has no solution */
	E_NOT,      /* not { body } */
};

struct with {
	struct term *target; /* input..., data..., or a function or built-in */
	struct term *value;
	struct rv **path;    /* compiled: constant path below the root */
	size_t npath;
	bool is_data;
	/* compiled, when the target is a function or built-in (a mock):
	 * which one, and the replacement when it is one too (else the
	 * call's value is value's) */
	const struct rb_def *mock_builtin;
	struct rule_group *mock_func;
	const struct rb_def *fn_builtin;
	struct rule_group *fn_func;
};

struct expr {
	enum expr_kind kind;
	bool negated;
	int line, col;
	struct term *a, *b;     /* E_TERM: a; UNIFY/ASSIGN: a, b */
	struct term *key, *val, *coll; /* SOME_IN, EVERY (key optional) */
	struct body *body;      /* EVERY; AND, OR: lhs; NOT */
	int *free;              /* EVERY: enclosing locals the body reads */
	size_t nfree;
	struct body *rhs;       /* AND, OR */
	int *rfree;             /* enclosing locals rhs reads */
	size_t nrfree;
	struct with *with;
	size_t nwith;
	/* compiled: the locals this expression declares (some, :=), so
	 * their names resolve; SOME vars */
	struct term **decl;
	size_t ndecl;
};

struct body {
	struct expr **e;
	size_t n;
	/* an operand of and/or/not written `{ ... }`: only such a body may
	 * declare locals of its own */
	bool braced;
};

enum rule_kind { R_COMPLETE, R_SET, R_OBJECT, R_FUNC,
		 R_GENERAL /* a group of general heads; each rule's kind is
			      its leaf's */ };

struct rule {
	enum rule_kind kind;
	bool is_default;
	int line, col;
	const char *file;
	const char *name;          /* the head's constant path, dotted (a.p) */
	struct rv **spath;         /* the same path as strings, below the package */
	size_t nspath;
	struct term *gpath;        /* general heads (p[q].r): T_ARRAY of the
				      parts after spath; kind is the leaf's,
				      R_COMPLETE or R_SET. NULL otherwise */
	struct term **args;        /* functions */
	size_t nargs;
	struct term *key;          /* R_SET element, R_OBJECT key */
	struct term *value;        /* NULL means true */
	struct body body;
	struct rule *els;          /* else chain */
	int nslots;                /* frame size, after compilation */
	struct rule *next;         /* next definition in the group */
};

struct module {
	const char *file;
	struct rv **pkg;           /* package path below data (strings) */
	size_t npkg;
	bool v1;                   /* Rego v1 semantics for `p[x]` heads */
	struct import {
		struct term *ref;
		const char *alias;
		int line, col;
	} *imports;
	size_t nimports;
	struct rule **rules;
	size_t nrules;
};

/* All definitions of one rule path: data.<pkg>.<name>. */
struct rule_group {
	enum rule_kind kind;
	const char *name;
	const char *path;       /* data.a.b.name, for messages */
	struct rule *first, *last;
	struct rule *def;       /* the default rule, if any */
	int id;                 /* index into an evaluation's cache */
	unsigned nargs;
	bool compiling;         /* recursion check */
	int line, col;
	const char *file;
};

/* Is t a name: a var, or a ref of a var with only constant string
 * elements (count, strings.replace_n, data.lib.f)? What can be called,
 * or replaced by `with`. */
static inline bool term_is_name(const struct term *t)
{
	size_t i;

	if (t->kind == T_VAR)
		return true;
	if (t->kind != T_REF || t->u.ref.head->kind != T_VAR)
		return false;
	for (i = 0; i < t->u.ref.n; i++)
		if (t->u.ref.path[i]->kind != T_VALUE ||
		    t->u.ref.path[i]->u.value->type != RV_STRING)
			return false;
	return true;
}

#endif
