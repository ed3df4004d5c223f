/* fuzz_vd_eaa - an attested agent's requests, any bytes, through the EAA
 * framing and command handler over a store with a key and resources; the
 * same bytes also as ocicrypt key-provider input (keyprovider.c). */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eaa.h"
#include "json_util.h"
#include "keyprovider.h"
#include "log.h"

static struct vd_store *s;
/* allowed (under the default resource policy) and unattested */
static struct vd_peer peers[2] = {
	{ true, NULL, "sample", "{\"measurement\":\"aa\",\"svn\":1}", NULL },
	{ false, "denied", NULL, NULL, NULL },
};
static char root[] = "/tmp/fuzz-vd-eaa-XXXXXX";

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	return remove(p);
}

static void cleanup(void)
{
	vd_rpolicy_free(peers[0].rpolicy);
	vd_store_close(s);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t key[] = "01234567890123456789012345678901";
	static const char policy[] = "{\"default\": [{\"type\": \"reject\"}]}";
	struct eaa_err err;

	/* refusals are logged per request: not thousands of lines a second */
	eaa_log_set_level(EAA_LOG_ERROR);
	if (!mkdtemp(root) || !(s = vd_store_open(root, &err)) ||
	    !vd_store_install_defaults(s, &err) ||
	    !(peers[0].rpolicy = vd_rpolicy_new(s)) ||
	    !vd_key_set(s, "84688df7-2c0c-40fa-956b-29d8e74d16c0", key, &err) ||
	    !vd_key_set(s, "default/key/1", key, &err) ||
	    !vd_resource_set(s, VD_RES_IMAGE_POLICY, (const uint8_t *)policy,
			     strlen(policy), &err) ||
	    !vd_named_set(s, "default/sigstore-config/test", (const uint8_t *)"x", 1,
			  &err)) {
		fprintf(stderr, "fuzz_vd_eaa: store set-up failed\n");
		abort();
	}
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vd_reply r;
	struct eaa_err err;
	char *out = NULL;
	long frame = json_frame((const char *)data, size);

	if (vd_kp_handle(s, "attestation-agent", VD_KP_WRAP | VD_KP_UNWRAP, (const char *)data, size, &out, &err))
		free(out);

	if (frame > 0)
		size = (size_t)frame;
	if (vd_eaa_handle(s, &peers[size % 2], (const char *)data, size, &r))
		vd_reply_free(&r);
	return 0;
}
