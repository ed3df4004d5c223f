/* edits.c - changes to a directory's files counted from inotify's queue
 * (see edits.h). */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "edits.h"
#include "log.h"

/* on the directory: its entries coming, going, changing */
#define DIR_EVENTS (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | \
		    IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
/* on each file: changes made through any of its names (a hard link
 * elsewhere included) */
#define FILE_EVENTS (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE)

struct vd_edits {
	char *dir;
	int in; /* the inotify descriptor, non-blocking */
	int dir_wd;
	/* one reader of the queue at a time: a caller that finds it empty
	 * must not pass one that took an event and has not counted it yet */
	pthread_mutex_t lock;
	uint64_t count;
	bool blind; /* set once the watch cannot see every change */
};

static void go_blind(struct vd_edits *e, const char *why)
{
	if (!e->blind)
		LOG_INFO("%s: %s; policies are checked for hand edits by stat before "
			 "each request", e->dir, why);
	e->blind = 1;
}

/* Watch entry name of the directory itself: a regular file is watched as
 * an inode (edits through another hard link raise events too); a symbolic
 * link cannot be (its target is edited elsewhere), so the watch goes
 * blind. Anything else (a subdirectory, an entry already gone) is no
 * policy's file. */
static void watch_entry(struct vd_edits *e, const char *name)
{
	char path[4096];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", e->dir, name) >= (int)sizeof(path)) {
		go_blind(e, "an entry's path is too long to watch");
		return;
	}
	if (lstat(path, &st) != 0)
		return;
	if (S_ISLNK(st.st_mode))
		go_blind(e, "it holds a symbolic link");
	else if (S_ISREG(st.st_mode) &&
		 inotify_add_watch(e->in, path, FILE_EVENTS | IN_DONT_FOLLOW) < 0 && errno != ENOENT)
		go_blind(e, "a file in it cannot be watched");
}

static void scan(struct vd_edits *e)
{
	DIR *d = opendir(e->dir);
	struct dirent *de;

	if (!d) {
		go_blind(e, "cannot list it");
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			watch_entry(e, de->d_name);
	closedir(d);
}

/* Take the queued events (under e->lock): the kernel queues an event
 * within the system call that made the change, so whatever finished
 * before this call is counted by it. */
static void drain(struct vd_edits *e)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	ssize_t n;

	while ((n = read(e->in, buf, sizeof(buf))) > 0) {
		char *q;

		any = true;
		for (q = buf; q < buf + n;) {
			const struct inotify_event *ev = (const void *)q;

			if (ev->wd == e->dir_wd &&
			    (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)))
				go_blind(e, "the directory was moved or removed");
			else if (ev->wd == e->dir_wd && (ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
				 ev->len)
				watch_entry(e, ev->name);
			/* IN_Q_OVERFLOW: events were lost; counted below */
			q += sizeof(*ev) + ev->len;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		go_blind(e, "its events cannot be read");
	if (any)
		e->count++;
}

struct vd_edits *vd_edits_start(const char *dir, struct eaa_err *err)
{
	struct vd_edits *e = calloc(1, sizeof(*e));

	if (!e || !(e->dir = strdup(dir))) {
		free(e);
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&e->lock, NULL);
	if ((e->in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0 ||
	    (e->dir_wd = inotify_add_watch(e->in, dir, DIR_EVENTS)) < 0) {
		eaa_fail(err, EAA_E_IO, "watch %s: %s", dir, strerror(errno));
		vd_edits_stop(e);
		return NULL;
	}
	/* after the directory's watch is in place: what appears later
	 * raises an event, and drain() watches it */
	scan(e);
	return e;
}

void vd_edits_stop(struct vd_edits *e)
{
	if (!e)
		return;
	if (e->in >= 0)
		close(e->in);
	pthread_mutex_destroy(&e->lock);
	free(e->dir);
	free(e);
}

uint64_t vd_edits_count(struct vd_edits *e)
{
	uint64_t n;

	if (!e)
		return VD_EDITS_UNKNOWN;
	pthread_mutex_lock(&e->lock);
	drain(e);
	n = e->blind ? VD_EDITS_UNKNOWN : e->count;
	pthread_mutex_unlock(&e->lock);
	return n;
}
