/* deadline.h - a bounded table of connections, each with a deadline, and
 * one reaper thread that shuts a connection's socket down when its
 * deadline passes.
 *
 * Socket timeouts bound one read; a peer that trickles a byte at a time
 * resets them forever. A deadline here is absolute: the handler thread,
 * blocked in a TLS read or write, sees the shut-down socket fail and
 * returns. The table's size is the listener's connection cap, so a
 * flood costs refused sockets, never threads or buffers. */
#ifndef EAA_VD_DEADLINE_H
#define EAA_VD_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>

struct vd_watch;

/* A table of at most cap connections with its reaper thread; NULL when
 * memory or the thread cannot be had. what names it in the log. */
struct vd_watch *vd_watch_new(size_t cap, const char *what);

/* Take a slot for fd, its deadline seconds from now; -1 when the table
 * is full (the caller closes fd). why (a static string: "handshake")
 * names the deadline in the log line when it passes. */
int vd_watch_add(struct vd_watch *w, int fd, int seconds, const char *why);

/* Move the slot's deadline to seconds from now, never past the limit
 * set by vd_watch_limit. */
void vd_watch_set(struct vd_watch *w, int slot, int seconds, const char *why);

/* A deadline no later vd_watch_set may move past (a channel's lifetime),
 * seconds from now. */
void vd_watch_limit(struct vd_watch *w, int slot, int seconds);

/* Did the reaper shut this slot's socket down? (Its log line says why.) */
bool vd_watch_expired(struct vd_watch *w, int slot);

/* Give the slot back, before closing fd (so the reaper never shuts down
 * a descriptor number that was reused). */
void vd_watch_remove(struct vd_watch *w, int slot);

/* Slots in use. */
size_t vd_watch_count(struct vd_watch *w);

#endif
