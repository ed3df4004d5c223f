/* cli_common.c - option parsing for rats-tls-server and rats-tls-client.
 * The flags of rats-tls's samples keep their meaning; additions are long
 * options (see docs/rats-tls.md). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cli_common.h"
#include "codec.h"
#include "log.h"

enum {
	OPT_LIST = 0x100, OPT_SAMPLE_KEY, OPT_SAMPLE_TRUST, OPT_SAMPLE_MEAS,
	OPT_CERT_ALGO, OPT_FRESH, OPT_NONCE, OPT_REQUIRE_NONCE, OPT_MESSAGE,
};

static const struct option long_opts[] = {
	{ "attester", required_argument, NULL, 'a' },
	{ "verifier", required_argument, NULL, 'v' },
	{ "tls", required_argument, NULL, 't' },
	{ "crypto", required_argument, NULL, 'c' },
	{ "ip", required_argument, NULL, 'i' },
	{ "port", required_argument, NULL, 'p' },
	{ "mutual", no_argument, NULL, 'm' },
	{ "endorsements", no_argument, NULL, 'e' },
	{ "loglevel", required_argument, NULL, 'l' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "debug-enclave", no_argument, NULL, 'D' },
	{ "verdictd", no_argument, NULL, 'E' },
	{ "option", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "sample-key", required_argument, NULL, OPT_SAMPLE_KEY },
	{ "sample-trust", required_argument, NULL, OPT_SAMPLE_TRUST },
	{ "sample-measurement", required_argument, NULL, OPT_SAMPLE_MEAS },
	{ "cert-algo", required_argument, NULL, OPT_CERT_ALGO },
	{ "fresh", no_argument, NULL, OPT_FRESH },
	{ "nonce", required_argument, NULL, OPT_NONCE },
	{ "require-nonce", no_argument, NULL, OPT_REQUIRE_NONCE },
	{ "message", required_argument, NULL, OPT_MESSAGE },
	{ NULL, 0, NULL, 0 },
};

static void usage(const struct cli *c, FILE *f)
{
	fprintf(f,
"Usage: %s [options]\n"
"\n"
"  -a, --attester NAME     attester for our certificate (default: detect the TEE)\n"
"  -v, --verifier NAME     verifier for the peer (default: inferred from the\n"
"                          peer's evidence among verifiers with configured trust;\n"
"                          never nullverifier unless named)\n"
"  -t, --tls NAME          TLS wrapper (openssl)\n"
"  -c, --crypto NAME       crypto wrapper (openssl)\n"
"  -i, --ip ADDR           %s address (default 127.0.0.1)\n"
"  -p, --port PORT         TCP port (default 1234%s)\n"
"  -m, --mutual            mutual attestation\n"
"  -e, --endorsements      attach endorsements (collateral) to our evidence\n"
"  -l, --loglevel LEVEL    debug|info|warn|error|fatal|off (default warn)\n"
"  -D, --debug-enclave     accepted for compatibility (SGX enclaves only)\n"
"%s"
"      --list              list the compiled-in instances\n"
"      --cert-algo ALGO    certificate key: ecdsa-p256 (default), ecdsa-p384,\n"
"                          rsa-3072\n"
"      --fresh             freshness both ways: new key and evidence per\n"
"                          connection, bound to the peer's hello random, and\n"
"                          the peer's evidence must bind ours (alias\n"
"                          --require-nonce)\n"
"      --nonce HEX         attester: nonce to embed; verifier: nonce required\n"

"  -o, --option K=V        instance option, e.g. sample.svn=3\n"
"      --sample-key FILE   sample attester signing key (PEM)      [demo/test]\n"
"      --sample-trust FILE sample verifier trusted public keys    [demo/test]\n"
"      --sample-measurement HEX  sample attester measurement      [demo/test]\n"
"  -h, --help              this text\n",
		c->prog, c->server ? "listen" : "server",
		c->server ? "; 0 picks a free one" : "",
		c->server ? ""
			  : "  -r, --verdictd          talk to verdictd (EAA echo command)\n"
			    "      --message TEXT      message to send\n");
}

static void list_instances(void)
{
	static const struct {
		rats_tls_instance_kind_t kind;
		const char *title;
	} kinds[] = {
		{ RATS_TLS_INSTANCE_ATTESTER, "attesters" },
		{ RATS_TLS_INSTANCE_VERIFIER, "verifiers" },
		{ RATS_TLS_INSTANCE_TLS, "tls wrappers" },
		{ RATS_TLS_INSTANCE_CRYPTO, "crypto wrappers" },
	};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const char *name;

		printf("%s:", kinds[k].title);
		for (size_t i = 0; (name = rats_tls_instance_name(kinds[k].kind, i)); i++)
			printf(" %s", name);
		printf("\n");
	}
}

static bool set_name(struct cli *c, char *dst, size_t cap, const char *v,
		     const char *what)
{
	if (strlen(v) >= cap) {
		fprintf(stderr, "%s: %s name \"%s\" is too long\n", c->prog, what, v);
		return false;
	}
	strcpy(dst, v);
	return true;
}

/* Add "prefix" + v as an instance option (prefix NULL: v as it is). */
static bool add_opt(struct cli *c, const char *prefix, const char *v)
{
	char *s;

	if (c->nopts == CLI_MAX_OPTS || c->nowned == CLI_MAX_OPTS) {
		fprintf(stderr, "%s: too many options\n", c->prog);
		return false;
	}
	if (!prefix) {
		c->opts[c->nopts++] = v;
		return true;
	}
	if (asprintf(&s, "%s%s", prefix, v) < 0)
		return false;
	c->owned[c->nowned++] = s;
	c->opts[c->nopts++] = s;
	return true;
}

int cli_parse(struct cli *c, int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	enum eaa_log_level level;
	int ch;

	c->prog = base ? base + 1 : argv[0];
	c->conf.api_version = RATS_TLS_API_VERSION;
	c->conf.log_level = RATS_TLS_LOG_LEVEL_DEFAULT;
	c->conf.cert_algo = RATS_TLS_CERT_ALGO_ECDSA_P256;
	c->conf.flags = c->server ? RATS_TLS_CONF_FLAGS_SERVER : 0;
	c->ip = "127.0.0.1";
	c->port = "1234";
	c->message = "Hello and welcome to RATS-TLS!\n";
	while ((ch = getopt_long(argc, argv, "a:v:t:c:i:p:mel:DEho:", long_opts,
				 NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (!set_name(c, c->conf.attester_type,
				      sizeof(c->conf.attester_type), optarg,
				      "attester"))
				return 2;
			break;
		case 'v':
			if (!set_name(c, c->conf.verifier_type,
				      sizeof(c->conf.verifier_type), optarg,
				      "verifier"))
				return 2;
			break;
		case 't':
			if (!set_name(c, c->conf.tls_type,
				      sizeof(c->conf.tls_type), optarg, "tls"))
				return 2;
			break;
		case 'c':
			if (!set_name(c, c->conf.crypto_type,
				      sizeof(c->conf.crypto_type), optarg,
				      "crypto"))
				return 2;
			break;
		case 'i': c->ip = optarg; break;
		case 'p': c->port = optarg; break;
		case 'm': c->conf.flags |= RATS_TLS_CONF_FLAGS_MUTUAL; break;
		case 'e':
			c->conf.flags |= RATS_TLS_CONF_FLAGS_PROVIDE_ENDORSEMENTS;
			break;
		case 'l':
			if (!eaa_log_parse_level(optarg, &level)) {
				fprintf(stderr, "%s: unknown log level \"%s\"\n",
					c->prog, optarg);
				return 2;
			}
			c->conf.log_level = (rats_tls_log_level_t)level;
			eaa_log_set_level(level);
			break;
		case 'D': break;
		case 'E':
			if (c->server)
				goto bad;
			c->verdictd = true;
			break;
		case 'o':
			if (!add_opt(c, NULL, optarg))
				return 2;
			break;
		case OPT_LIST: list_instances(); return 1;
		case OPT_SAMPLE_KEY:
			if (!add_opt(c, "sample.key=", optarg))
				return 2;
			break;
		case OPT_SAMPLE_TRUST:
			if (!add_opt(c, "sample.trust=", optarg))
				return 2;
			break;
		case OPT_SAMPLE_MEAS:
			if (!add_opt(c, "sample.measurement=", optarg))
				return 2;
			break;
		case OPT_CERT_ALGO:
			if (!strcmp(optarg, "ecdsa-p256"))
				c->conf.cert_algo = RATS_TLS_CERT_ALGO_ECDSA_P256;
			else if (!strcmp(optarg, "ecdsa-p384"))
				c->conf.cert_algo = RATS_TLS_CERT_ALGO_ECDSA_P384;
			else if (!strcmp(optarg, "rsa-3072"))
				c->conf.cert_algo = RATS_TLS_CERT_ALGO_RSA_3072;
			else {
				fprintf(stderr, "%s: unknown --cert-algo \"%s\"\n",
					c->prog, optarg);
				return 2;
			}
			break;
		case OPT_FRESH:
		case OPT_REQUIRE_NONCE:
			c->conf.flags |= RATS_TLS_CONF_FLAGS_FRESH;
			break;
		case OPT_NONCE: {
			size_t n = strlen(optarg) / 2;

			if (n == 0 || n > sizeof(c->nonce) ||
			    !hex_decode_fixed(optarg, c->nonce, n)) {
				fprintf(stderr, "%s: --nonce: expected 2 to 128 "
					"hex digits\n", c->prog);
				return 2;
			}
			c->conf.nonce = c->nonce;
			c->conf.nonce_len = n;
			break;
		}
		case OPT_MESSAGE:
			if (c->server)
				goto bad;
			c->message = optarg;
			break;
		case 'h': usage(c, stdout); return 1;
		default:
			goto bad;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", c->prog,
			argv[optind]);
		goto bad;
	}
	c->opts[c->nopts] = NULL;
	c->conf.options = c->opts;
	return 0;
bad:
	usage(c, stderr);
	return 2;
}

void cli_free(struct cli *c)
{
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	c->nowned = 0;
}

void cli_fail(const struct cli *c, const char *what, const char *reason)
{
	fprintf(stderr, "%s: %s: %s\n", c->prog, what, reason);
}
