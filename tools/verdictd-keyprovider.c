/* verdictd-keyprovider - verdictd's keys as an ocicrypt `cmd` key provider,
 * for skopeo: reads one KeyProviderKeyWrapProtocolInput on stdin, writes
 * the Output on stdout (docs/verdictd.md, "Key provider").
 *
 *   ocicrypt.conf: {"key-providers": {"attestation-agent": {"cmd": {
 *       "path": "/usr/local/bin/verdictd-keyprovider",
 *       "args": ["--root", "/opt/verdictd"]}}}}
 *   OCICRYPT_KEYPROVIDER_CONFIG=ocicrypt.conf skopeo copy \
 *       --encryption-key provider:attestation-agent:default/key/1 oci:plain oci:enc
 *
 * Runs as the user who owns the state directory's keys. Exit 0 with the
 * output, 1 with one line on stderr. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bytes.h"
#include "keyprovider.h"

#define MAX_INPUT (64u * 1024u * 1024u)

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "store", required_argument, NULL, 's' },
		{ "store-key", required_argument, NULL, 'k' },
		{ "provider", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = VD_DEFAULT_ROOT, *provider = "attestation-agent", *store = NULL,
		   *store_key = NULL;
	struct vd_store *s;
	struct eaa_err err;
	struct wr w;
	char buf[65536], *out = NULL;
	uint8_t *in;
	size_t n;
	ssize_t got;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "r:n:s:k:h", longs, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 's': store = optarg; break;
		case 'k': store_key = optarg; break;
		case 'n': provider = optarg; break;
		case 'h':
			printf("Usage: %s [--root DIR | --store URL --store-key FILE] "
			       "[--provider NAME] < input.json\n"
			       "An ocicrypt cmd key provider over verdictd's keys "
			       "(default root %s, provider attestation-agent; --store: a\n"
			       "directory, or verdictd's PostgreSQL store).\n",
			       argv[0], VD_DEFAULT_ROOT);
			return 0;
		default:
			return 2;
		}
	}
	wr_init(&w);
	while ((got = read(0, buf, sizeof(buf))) > 0 && w.len < MAX_INPUT)
		wr_bytes(&w, buf, (size_t)got);
	if (w.failed || w.len >= MAX_INPUT) {
		fprintf(stderr, "verdictd-keyprovider: input too large or out of memory\n");
		wr_free(&w);
		return 1;
	}
	in = wr_take(&w, &n);
	if (store && !vd_store_is_url(store))
		root = store;
	s = store && vd_store_is_url(store) ? vd_store_open_shared(NULL, store, store_key, &err) :
					      vd_store_open(root, &err);
	if (!s ||
	    !vd_kp_handle(s, provider, VD_KP_WRAP | VD_KP_UNWRAP, (const char *)in, n, &out, &err)) {
		fprintf(stderr, "verdictd-keyprovider: %s\n", err.msg);
	} else {
		fputs(out, stdout);
		rc = fflush(stdout) == 0 ? 0 : 1;
	}
	free(out);
	free(in);
	vd_store_close(s);
	return rc;
}
