/* rats_verify_nvidia.h - rats-verify's `--tee nvidia` mode, in its own file
 * because its options (--rim, --crl, --nonce) are its own. */
#ifndef EAA_RATS_VERIFY_NVIDIA_H
#define EAA_RATS_VERIFY_NVIDIA_H

#include <stdbool.h>

/* Whether the command line names --tee nvidia. */
bool rats_verify_is_nvidia(int argc, char **argv);
/* Exit status: 0 verified (claims on stdout), 1 refused, 2 usage. */
int rats_verify_nvidia(int argc, char **argv);

#endif
