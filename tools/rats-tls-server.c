/* rats-tls-server - attested TLS echo server, command-line compatible with
 * rats-tls's sample. Prints "listening on ADDR:PORT" once ready; each
 * connection is handled on its own thread, and a failed handshake costs only
 * that connection. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cli_common.h"
#include "net.h"

#define IO_TIMEOUT_S 30

static struct cli cli = { .server = true };
static rats_tls_handle handle;

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	rats_tls_conn *conn;
	char buf[4096];

	net_set_timeout(fd, IO_TIMEOUT_S);
	if (rats_tls_conn_open(handle, fd, &conn) != RATS_TLS_ERR_NONE) {
		cli_fail(&cli, "handshake failed", rats_tls_last_error());
		close(fd);
		return NULL;
	}
	if (rats_tls_conn_claims(conn) && (cli.conf.flags & RATS_TLS_CONF_FLAGS_MUTUAL))
		fprintf(stderr, "%s: client verified by %s: %s\n", cli.prog,
			rats_tls_conn_tee(conn), rats_tls_conn_claims(conn));
	for (;;) {
		size_t len = sizeof(buf);

		if (rats_tls_conn_read(conn, buf, &len) != RATS_TLS_ERR_NONE)
			break;
		if (rats_tls_conn_write(conn, buf, &len) != RATS_TLS_ERR_NONE)
			break;
	}
	rats_tls_conn_close(conn);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *why = "";
	unsigned port;
	int rc = cli_parse(&cli, argc, argv), lfd;

	if (rc)
		return rc == 1 ? 0 : 2;
	signal(SIGPIPE, SIG_IGN);
	if (rats_tls_init(&cli.conf, &handle) != RATS_TLS_ERR_NONE) {
		cli_fail(&cli, "init", rats_tls_last_error());
		return 1;
	}
	if ((lfd = net_listen(cli.ip, cli.port, &port, &why)) < 0) {
		cli_fail(&cli, "listen", why);
		return 1;
	}
	printf("listening on %s:%u\n", cli.ip, port);
	fflush(stdout);
	for (;;) {
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
}
