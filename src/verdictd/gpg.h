/* gpg.h - GPG public keys for image signature checks (gpg/keyring.gpg),
 * as the original's --list-gpg-keys, --import-gpg-key, --delete-gpg-key. */
#ifndef EAA_VD_GPG_H
#define EAA_VD_GPG_H

#include "store.h"

/* Import public keys (armored or binary); *summary (malloc'd) says what
 * changed. Secret keys are refused. */
bool vd_gpg_import(struct vd_store *s, const uint8_t *key, size_t n,
		   char **summary, struct eaa_err *err);
/* One line per key: "<fingerprint> <first user id>" (malloc'd). */
bool vd_gpg_list(struct vd_store *s, char **text, struct eaa_err *err);
/* By key id or fingerprint (8 to 40 hex digits). */
bool vd_gpg_delete(struct vd_store *s, const char *id, struct eaa_err *err);

#endif
