/* cli_common.h - the command line shared by rats-tls-server and
 * rats-tls-client: rats-tls's flags plus EAA's additions. */
#ifndef EAA_CLI_COMMON_H
#define EAA_CLI_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "rats-tls/api.h"

#define CLI_MAX_OPTS 64

struct cli {
	bool server;
	const char *prog;
	rats_tls_conf_t conf;
	const char *ip;
	const char *port;
	const char *message;            /* client: what to send */
	bool verdictd;                  /* client: wrap it as {"command":"echo"} */
	const char *opts[CLI_MAX_OPTS + 1];
	size_t nopts;
	char *owned[CLI_MAX_OPTS];      /* option strings we built */
	size_t nowned;
	uint8_t nonce[64];
};

/* Parse argv. Returns 0 to run, 1 when done (--help, --list), 2 on a usage
 * error (already reported). */
int cli_parse(struct cli *c, int argc, char **argv);
void cli_free(struct cli *c);
/* Print "prog: what: reason" to stderr as one line. */
void cli_fail(const struct cli *c, const char *what, const char *reason);

#endif
