/* rats-tls-client - connects, attests the server (and itself with
 * --mutual), sends a message, checks the echo, and prints the verified peer
 * claims as JSON on stdout. Any failure exits non-zero with one line on
 * stderr naming the check that failed. */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "cli_common.h"
#include "net.h"

#define IO_TIMEOUT_S 30

static int print_claims(const char *tee, const char *claims)
{
	json_t *obj = json_loads(claims ? claims : "{}", 0, NULL);
	json_t *out = json_pack("{s:s, s:o}", "verifier", tee ? tee : "", "claims",
				obj ? obj : json_object());
	char *s = out ? json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (!s)
		return 1;
	printf("%s\n", s);
	free(s);
	json_decref(out);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli = { .server = false };
	rats_tls_handle h;
	rats_tls_conn *conn;
	const char *why = "";
	char reply[4096], *request = NULL;
	size_t want, got = 0, len;
	int fd, rc = cli_parse(&cli, argc, argv);

	if (rc)
		return rc == 1 ? 0 : 2;
	signal(SIGPIPE, SIG_IGN);
	if (rats_tls_init(&cli.conf, &h) != RATS_TLS_ERR_NONE) {
		cli_fail(&cli, "init", rats_tls_last_error());
		return 1;
	}
	if ((fd = net_connect(cli.ip, cli.port, &why)) < 0) {
		cli_fail(&cli, "connect", why);
		rats_tls_cleanup(h);
		return 1;
	}
	net_set_timeout(fd, IO_TIMEOUT_S);
	if (rats_tls_conn_open(h, fd, &conn) != RATS_TLS_ERR_NONE) {
		cli_fail(&cli, "attestation failed", rats_tls_last_error());
		goto fail;
	}
	want = strlen(cli.message);
	if (want >= sizeof(reply)) {
		cli_fail(&cli, "message", "longer than 4095 bytes");
		goto fail_conn;
	}
	/* verdictd answers {"command":"echo","data":D} with D itself. */
	if (cli.verdictd) {
		json_t *cmd = json_pack("{s:s, s:s}", "command", "echo", "data",
					cli.message);

		request = cmd ? json_dumps(cmd, JSON_COMPACT) : NULL;
		json_decref(cmd);
		if (!request) {
			cli_fail(&cli, "message", "not valid UTF-8");
			goto fail_conn;
		}
	}
	len = strlen(request ? request : cli.message);
	if (rats_tls_conn_write(conn, request ? request : cli.message, &len) !=
	    RATS_TLS_ERR_NONE) {
		cli_fail(&cli, "echo", rats_tls_last_error());
		goto fail_conn;
	}
	while (got < want) {
		len = want - got;
		if (rats_tls_conn_read(conn, reply + got, &len) != RATS_TLS_ERR_NONE) {
			cli_fail(&cli, "echo", rats_tls_last_error());
			goto fail_conn;
		}
		got += len;
	}
	reply[got] = '\0';
	if (memcmp(reply, cli.message, want) != 0) {
		cli_fail(&cli, "echo", "server replied with different bytes");
		goto fail_conn;
	}
	fprintf(stderr, "Server: %s%s", reply, reply[got - 1] == '\n' ? "" : "\n");
	rc = print_claims(rats_tls_conn_tee(conn), rats_tls_conn_claims(conn));
	free(request);
	rats_tls_conn_close(conn);
	close(fd);
	rats_tls_cleanup(h);
	cli_free(&cli);
	return rc;
fail_conn:
	free(request);
	rats_tls_conn_close(conn);
fail:
	close(fd);
	rats_tls_cleanup(h);
	cli_free(&cli);
	return 1;
}
