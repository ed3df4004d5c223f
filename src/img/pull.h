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
	/* The attestation agent's GetResource address: policy, registries.d
	 * (one YAML file) and key paths given as kbs:///<repo>/<type>/<tag>
	 * are fetched from it (from the broker), for this pull only. */
	const char *getresource;
};

/* Is the manifest (with the server's Content-Type) an index? 0: no, an
 * image manifest; 1: yes, and chosen is the digest of os/arch's entry;
 * -1: not JSON, or no entry for the platform (err says which). */
int img_manifest_platform(const uint8_t *body, size_t n, const char *ctype, const char *os,
			  const char *arch, char chosen[80], struct eaa_err *err);

/* image is "docker://NAME[:TAG|@DIGEST]", or a local "dir:PATH" (with its
 * signatures) or "oci:PATH[:REF]"; rootfs must not exist. */
bool img_pull(const char *image, const char *rootfs, const struct img_pull_opts *o,
	      struct eaa_err *err);

#endif
