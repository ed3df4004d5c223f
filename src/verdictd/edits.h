/* edits.h - a count of changes to the files of one directory (verdictd's
 * opa/), from inotify, so that a reader can tell "nothing was edited since
 * I last looked" with one read of inotify's queue instead of a stat per
 * file per request.
 *
 * The count is an optimisation, never a weaker check: it is
 * VD_EDITS_UNKNOWN (stat the files, as without it) whenever the watch
 * cannot see every change: inotify unavailable, the directory itself
 * moved or deleted, or a symbolic link in it (its target is edited
 * elsewhere). A lost event (the queue overflowed) is counted as a change.
 * Each regular file is watched as an inode too, so an edit through a hard
 * link outside the directory is seen. A change is counted when the thread
 * reads its event, a moment
 * after the write: a request checked in that moment is served as one
 * checked just before the edit would be. */
#ifndef EAA_VD_EDITS_H
#define EAA_VD_EDITS_H

#include <stdint.h>
#include "err.h"

#define VD_EDITS_UNKNOWN UINT64_MAX

struct vd_edits;

/* Watch dir (its entries, not below); NULL with err filled when inotify
 * cannot be had. */
struct vd_edits *vd_edits_start(const char *dir, struct eaa_err *err);
/* Frees the watch. */
void vd_edits_stop(struct vd_edits *e);
/* Changes counted so far, every change finished before the call
 * included, or VD_EDITS_UNKNOWN (also for e == NULL). Thread-safe. */
uint64_t vd_edits_count(struct vd_edits *e);

#endif
