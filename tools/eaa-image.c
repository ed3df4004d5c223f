/* eaa-image - image security by hand (docs/image-security.md):
 *
 *   eaa-image check [--policy FILE] IMAGE
 *   eaa-image unpack [--policy FILE] IMAGE ROOTFS
 *   eaa-image pull [--policy FILE] [--registries-d DIR] [--authfile FILE]
 *                  [--tls-verify=false] [--platform OS/ARCH]
 *                  [--decryption-key provider:NAME[:KBC::URI]
 *                   [--keyprovider-config FILE]] [--getresource ADDR]
 *                  docker://IMAGE ROOTFS
 *
 * check: a local image (dir:PATH with its signatures, or oci:PATH[:REF])
 * against containers-policy.json (default /etc/containers/policy.json),
 * as `skopeo copy` would before copying it. unpack: the same check, every
 * time, then the layers into the new directory ROOTFS, each layer's digest
 * verified, ROOTFS appearing only when all were. pull: the same, from a
 * registry too (docker://), with signatures from registries.d's lookaside and sigstore
 * attachments, and encrypted layers decrypted through the key provider
 * (the attestation agent). Exit 0 on success, 1 with
 * the reason (image, requirement or layer, why), 2 on a usage or policy
 * error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kp_client.h"
#include "local.h"
#include "pull.h"
#include "log.h"
#include "policy.h"

static const char *prog = "eaa-image";

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s check [--policy FILE] IMAGE\n"
		"       %s unpack [--policy FILE] [--decryption-key ...] IMAGE ROOTFS\n"
		"       %s pull [--policy FILE] [--registries-d DIR] [--authfile FILE]\n"
		"             [--tls-verify=false] [--platform OS/ARCH]\n"
		"             [--decryption-key provider:NAME[:KBC::URI] [--keyprovider-config F]]\n"
		"             [--getresource ADDR]   (the agent, for kbs:/// policy, registries.d, keys)\n"
		"             docker://IMAGE|IMAGE ROOTFS\n"
		"  IMAGE: dir:PATH or oci:PATH[:REF]\n"
		"  --policy FILE   containers-policy.json (default /etc/containers/policy.json)\n",
		prog, prog, prog);
}

static int check(const char *policy_file, const char *image)
{
	struct img_policy *p;
	struct img_local l;
	struct img_candidate c;
	struct eaa_err err;
	int rc;

	if (!(p = img_policy_load(policy_file, &err))) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return 2;
	}
	if (!img_local_open(image, &l, &err)) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		img_policy_free(p);
		return 1;
	}
	img_local_candidate(&l, &c);
	if (img_policy_check(p, &c, &err)) {
		printf("%s: admitted by %s (manifest %s)\n", image, policy_file, l.manifest_digest);
		rc = 0;
	} else {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		rc = 1;
	}
	img_local_free(&l);
	img_policy_free(p);
	return rc;
}

static int pull(struct img_pull_opts *o, const char *dkey, const char *kp_config,
		const char *image, const char *rootfs)
{
	struct aa_kp_provider kp;
	struct eaa_err err;
	char name[128];
	int rc = 0;

	if (dkey) {
		const char *colon;

		if (strncmp(dkey, "provider:", 9) != 0) {
			fprintf(stderr, "%s: --decryption-key: want provider:NAME[:KBC::URI]\n", prog);
			return 2;
		}
		colon = strchr(dkey + 9, ':');
		snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - dkey - 9) :
			 (int)strlen(dkey + 9), dkey + 9);
		if (!aa_kp_provider_load(&kp, kp_config, name, colon ? colon + 1 : NULL, &err)) {
			fprintf(stderr, "%s: %s\n", prog, err.msg);
			return 2;
		}
		o->kp = &kp;
	}
	if (!img_pull(image, rootfs, o, &err)) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		rc = 1;
	} else {
		printf("%s: %s into %s\n", image, strncmp(image, "docker://", 9) == 0 ?
		       "pulled" : "unpacked", rootfs);
	}
	if (dkey)
		aa_kp_provider_free(&kp);
	return rc;
}

int main(int argc, char **argv)
{
	enum { O_REGD = 0x100, O_AUTH, O_TLS, O_PLATFORM, O_DKEY, O_KPCONF, O_GETRES };
	static const struct option longs[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "registries-d", required_argument, NULL, O_REGD },
		{ "authfile", required_argument, NULL, O_AUTH },
		{ "tls-verify", required_argument, NULL, O_TLS },
		{ "platform", required_argument, NULL, O_PLATFORM },
		{ "decryption-key", required_argument, NULL, O_DKEY },
		{ "keyprovider-config", required_argument, NULL, O_KPCONF },
		{ "getresource", required_argument, NULL, O_GETRES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = "/etc/containers/policy.json", *dkey = NULL, *kp_config = NULL;
	struct img_pull_opts o = { .reg = { .tls_verify = true, .progress = true } };
	char os[64], arch[64];
	int c;

	while ((c = getopt_long(argc, argv, "p:h", longs, NULL)) != -1) {
		switch (c) {
		case 'p': policy = optarg; break;
		case O_REGD: o.registries_d = optarg; break;
		case O_AUTH: o.reg.authfile = optarg; break;
		case O_TLS:
			if (strcmp(optarg, "true") != 0 && strcmp(optarg, "false") != 0) {
				usage(stderr);
				return 2;
			}
			o.reg.tls_verify = strcmp(optarg, "true") == 0;
			break;
		case O_PLATFORM:
			if (sscanf(optarg, "%63[^/]/%63s", os, arch) != 2) {
				usage(stderr);
				return 2;
			}
			o.os = os;
			o.arch = arch;
			break;
		case O_DKEY: dkey = optarg; break;
		case O_KPCONF: kp_config = optarg; break;
		case O_GETRES: o.getresource = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind == 2 && strcmp(argv[optind], "check") == 0)
		return check(policy, argv[optind + 1]);
	/* unpack: a local image; pull: any; both the same steps */
	if (argc - optind == 3 && (strcmp(argv[optind], "unpack") == 0 ||
				   strcmp(argv[optind], "pull") == 0)) {
		o.policy = policy;
		return pull(&o, dkey, kp_config, argv[optind + 1], argv[optind + 2]);
	}
	usage(stderr);
	return 2;
}
