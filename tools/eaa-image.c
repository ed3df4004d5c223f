/* eaa-image - image security by hand (docs/image-security.md):
 *
 *   eaa-image check [--policy FILE] IMAGE
 *   eaa-image unpack [--policy FILE] IMAGE ROOTFS
 *
 * check: a local image (dir:PATH with its signatures, or oci:PATH[:REF])
 * against containers-policy.json (default /etc/containers/policy.json),
 * as `skopeo copy` would before copying it. unpack: the same check, every
 * time, then the layers into the new directory ROOTFS, each layer's digest
 * verified, ROOTFS appearing only when all were. Exit 0 on success, 1 with
 * the reason (image, requirement or layer, why), 2 on a usage or policy
 * error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "local.h"
#include "log.h"
#include "policy.h"

static const char *prog = "eaa-image";

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s check [--policy FILE] IMAGE\n"
		"       %s unpack [--policy FILE] IMAGE ROOTFS\n"
		"  IMAGE: dir:PATH or oci:PATH[:REF]\n"
		"  --policy FILE   containers-policy.json (default /etc/containers/policy.json)\n",
		prog, prog);
}

static int unpack(const struct img_local *l, const char *rootfs)
{
	struct img_layer *layers;
	struct eaa_err err;
	size_t n;

	if (!img_local_layers(l, &layers, &n, &err) || !img_unpack(layers, n, rootfs, &err)) {
		fprintf(stderr, "%s: %s: %s\n", prog, l->text, err.msg);
		free(layers);
		return 1;
	}
	printf("%s: %zu layer(s) unpacked into %s\n", l->text, n, rootfs);
	free(layers);
	return 0;
}

static int check(const char *policy_file, const char *image, const char *rootfs)
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
		rc = rootfs ? unpack(&l, rootfs) : 0;
	} else {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		rc = 1;
	}
	img_local_free(&l);
	img_policy_free(p);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = "/etc/containers/policy.json";
	int c;

	while ((c = getopt_long(argc, argv, "p:h", longs, NULL)) != -1) {
		switch (c) {
		case 'p': policy = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind == 2 && strcmp(argv[optind], "check") == 0)
		return check(policy, argv[optind + 1], NULL);
	if (argc - optind == 3 && strcmp(argv[optind], "unpack") == 0)
		return check(policy, argv[optind + 1], argv[optind + 2]);
	usage(stderr);
	return 2;
}
