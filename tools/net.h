/* net.h - TCP helpers for the command-line tools. */
#ifndef EAA_NET_H
#define EAA_NET_H

/* Listen on ip:port (port "0" picks one); returns fd or -1 with *why set. */
int net_listen(const char *ip, const char *port, unsigned *bound_port,
	       const char **why);
int net_connect(const char *ip, const char *port, const char **why);
/* Bound every blocking read/write on fd, so a silent peer cannot hold us. */
void net_set_timeout(int fd, int seconds);

#endif
