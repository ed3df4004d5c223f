/* fuzz_aa_agent - what reaches the attestation agent from its callers:
 * gRPC messages (protobuf), key-provider inputs (JSON with dc parameters
 * and a packet, unwrapped by offline_fs_kbc with a fixed key), resource
 * paths and aa_kbc_params. The first byte picks which (mod 4). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"
#include "pb.h"

static struct aa_agent *agent;
static char keys[] = "/tmp/fuzz_aa_agent-keys-XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct aa_kbc_conf conf;
	static const char doc[] =
		"{\"default/key/1\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}";
	struct eaa_err err;
	int fd = mkstemp(keys);

	if (fd < 0 || write(fd, doc, sizeof(doc) - 1) != (ssize_t)(sizeof(doc) - 1))
		abort();
	close(fd);
	conf.keys_file = keys;
	conf.resources_file = keys;
	if (!(agent = aa_agent_new("offline_fs_kbc::null", NULL, &conf, &err)))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eaa_err err;
	const uint8_t *f;
	uint8_t *out = NULL;
	char *s, *json = NULL, name[64];
	const char *uri;
	size_t n;

	if (size < 1)
		return 0;
	if (!(s = strndup((const char *)data + 1, size - 1)))
		return 0;
	switch (data[0] % 4) {
	case 0:
		for (uint32_t field = 1; field <= 3; field++)
			(void)pb_get_bytes(data + 1, size - 1, field, &f, &n);
		break;
	case 1:
		if (aa_agent_keyprovider(agent, (const char *)data + 1, size - 1, &json, &err))
			free(json);
		break;
	case 2:
		if (aa_agent_resource(agent, NULL, s, &out, &n, &err))
			free(out);
		break;
	default:
		(void)aa_kbc_params_split(s, name, &uri, &err);
		break;
	}
	free(s);
	return 0;
}
