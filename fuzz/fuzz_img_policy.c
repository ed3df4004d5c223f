/* fuzz_img_policy - image security's parsers of untrusted or user bytes:
 * containers-policy.json (then a scope lookup and a check with no
 * signatures), signature payloads, image references, registries.d YAML
 * (then a lookup), and manifests (an index's platform).
 * The first byte picks which (mod 5). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"
#include "registries.h"
#include "pull.h"
#include "sig.h"

static const char zero_digest[] =
	"sha256:0000000000000000000000000000000000000000000000000000000000000000";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eaa_err err;
	struct img_ref r;
	struct img_candidate c = { .transport = IMG_T_DOCKER, .text = "fuzz", .ref = &r,
				   .manifest_digest = zero_digest };
	struct img_req req = { .type = IMG_REQ_SIGNED_BY,
			       .identity = { .type = IMG_ID_MATCH_REPO_DIGEST_OR_EXACT } };
	struct img_policy *p;
	char *s;

	if (size < 1 || !img_ref_parse("example.com/app:v1", true, &r, NULL))
		return 0;
	struct img_registries *reg;

	char chosen[80];

	switch (data[0] % 5) {
	case 0:
		if ((p = img_policy_parse((const char *)data + 1, size - 1, "fuzz.json", &err))) {
			(void)img_policy_check(p, &c, &err);
			c.transport = IMG_T_OCI;
			c.path = "/srv/images/app";
			(void)img_policy_check(p, &c, &err);
			img_policy_free(p);
		}
		break;
	case 1:
		(void)img_payload_check(data + 1, size - 1, "atomic container signature", &req,
					&c, &err);
		(void)img_payload_check(data + 1, size - 1, "cosign container image signature",
					&req, &c, &err);
		break;
	case 3:
		if ((reg = img_registries_parse((const char *)data + 1, size - 1, "fuzz.yaml",
						&err))) {
			(void)img_registries_lookaside(reg, &r);
			(void)img_registries_attachments(reg, &r);
			img_registries_free(reg);
		}
		break;
	case 4:
		(void)img_manifest_platform(data + 1, size - 1, "application/vnd.oci.image.index.v1+json",
					    "linux", "amd64", chosen, &err);
		break;
	default:
		if ((s = strndup((const char *)data + 1, size - 1))) {
			(void)img_ref_parse(s, true, &r, &err);
			free(s);
		}
		break;
	}
	return 0;
}
