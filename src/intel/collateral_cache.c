/* collateral_cache.c - shared checked collateral (see collateral_cache.h).
 * One root per cache: the verifier that owns it pins one. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "collateral_cache.h"

#define SLOTS 16

struct collateral_ref {
	char dir[PATH_MAX];
	struct collateral col;
	struct pck_cache *pck;
	int users;
	bool dropped; /* no longer in the table: free at users == 0 */
};

struct collateral_cache {
	pthread_mutex_t lock;
	struct collateral_ref *slot[SLOTS];
	unsigned next;
};

static void ref_free(struct collateral_ref *r)
{
	collateral_free(&r->col);
	pck_cache_free(r->pck);
	free(r);
}

struct collateral_cache *collateral_cache_new(void)
{
	struct collateral_cache *cc = calloc(1, sizeof(*cc));

	if (cc && pthread_mutex_init(&cc->lock, NULL) != 0) {
		free(cc);
		cc = NULL;
	}
	return cc;
}

void collateral_cache_free(struct collateral_cache *cc)
{
	if (!cc)
		return;
	for (size_t i = 0; i < SLOTS; i++)
		if (cc->slot[i])
			ref_free(cc->slot[i]);
	pthread_mutex_destroy(&cc->lock);
	free(cc);
}

/* Take slot i out of the table (caller holds the lock). */
static void drop(struct collateral_cache *cc, size_t i)
{
	struct collateral_ref *r = cc->slot[i];

	cc->slot[i] = NULL;
	if (r->users == 0)
		ref_free(r);
	else
		r->dropped = true;
}

struct collateral_ref *collateral_cache_find(struct collateral_cache *cc,
					     const char *dir, time_t at)
{
	struct collateral_ref *r = NULL;

	pthread_mutex_lock(&cc->lock);
	for (size_t i = 0; i < SLOTS && !r; i++) {
		struct collateral_ref *s = cc->slot[i];

		if (s && strcmp(s->dir, dir) == 0 && s->col.valid.from <= at &&
		    at < s->col.valid.until) {
			s->users++;
			r = s;
		}
	}
	pthread_mutex_unlock(&cc->lock);
	return r;
}

struct collateral_ref *collateral_cache_get(struct collateral_cache *cc,
					    const char *dir, X509 *root,
					    time_t at, struct eaa_err *err)
{
	struct collateral_ref *r = collateral_cache_find(cc, dir, at);
	size_t i;

	if (r)
		return r;
	/* Load outside the lock: it reads files and checks signatures. */
	if (!(r = calloc(1, sizeof(*r))) || !(r->pck = pck_cache_new())) {
		free(r);
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	if (!collateral_load_dir(dir, root, at, &r->col, err)) {
		pck_cache_free(r->pck);
		free(r);
		return NULL;
	}
	r->users = 1;
	pthread_mutex_lock(&cc->lock);
	for (i = 0; i < SLOTS; i++)
		if (cc->slot[i] && strcmp(cc->slot[i]->dir, dir) == 0)
			drop(cc, i); /* superseded (or loaded twice at once) */
	i = cc->next++ % SLOTS;
	if (cc->slot[i])
		drop(cc, i);
	cc->slot[i] = r;
	pthread_mutex_unlock(&cc->lock);
	return r;
}

const struct collateral *collateral_ref_set(const struct collateral_ref *r)
{
	return &r->col;
}

struct pck_cache *collateral_ref_pck_cache(const struct collateral_ref *r)
{
	return r->pck;
}

void collateral_cache_put(struct collateral_cache *cc,
			  struct collateral_ref *r)
{
	bool free_it;

	if (!r)
		return;
	pthread_mutex_lock(&cc->lock);
	free_it = --r->users == 0 && r->dropped;
	pthread_mutex_unlock(&cc->lock);
	if (free_it)
		ref_free(r);
}
