/* pull.h - an image from a registry to a root file system: manifest (a
 * platform chosen from an index), signatures (lookaside and sigstore
 * attachments, as registries.d says), the policy check, every layer
 * fetched with its digest checked, encrypted layers decrypted through a
 * key provider (the attestation agent), then unpacked (unpack.h). */
#ifndef EAA_IMG_PULL_H
#define EAA_IMG_PULL_H

#include "kp_client.h"
#include "registry.h"

struct img_pull_opts {
	const char *policy;          /* containers-policy.json */
	const char *registries_d;    /* NULL: /etc/containers/registries.d */
	struct img_registry_opts reg;
	const char *os, *arch;       /* the platform; NULL: linux and ours */
	const struct aa_kp_provider *kp; /* for encrypted layers, or NULL */
};

/* image is "docker://NAME[:TAG|@DIGEST]"; rootfs must not exist. */
bool img_pull(const char *image, const char *rootfs, const struct img_pull_opts *o,
	      struct eaa_err *err);

#endif
