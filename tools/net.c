/* net.c - TCP listen/connect for the tools (see net.h). */
#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <unistd.h>
#include "net.h"

static int resolve(const char *ip, const char *port, bool passive,
		   struct addrinfo **res, const char **why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 };
	int rc = getaddrinfo(ip, port, &hints, res);

	if (rc) {
		*why = gai_strerror(rc);
		return -1;
	}
	return 0;
}

int net_listen(const char *ip, const char *port, unsigned *bound_port,
	       const char **why)
{
	struct addrinfo *res, *ai;
	int fd = -1, one = 1;

	if (resolve(ip, port, true, &res, why))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 128) == 0)
			break;
		*why = strerror(errno);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		*bound_port = 0;
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
			if (ss.ss_family == AF_INET)
				*bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			else if (ss.ss_family == AF_INET6)
				*bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
	}
	return fd;
}

int net_connect(const char *ip, const char *port, const char **why)
{
	struct addrinfo *res, *ai;
	int fd = -1;

	if (resolve(ip, port, false, &res, why))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		*why = strerror(errno);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

void net_set_timeout(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}
