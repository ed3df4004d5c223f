/* wipe.h - secrets that must not outlive their use beyond the buffers we
 * wipe ourselves: the stack frames compilers fill with temporaries (a
 * vectorised loop over a key, spilled registers). As libgcrypt's
 * burn_stack does, a thread that handled secrets overwrites the stack its
 * callees used before it returns. */
#ifndef EAA_WIPE_H
#define EAA_WIPE_H

#include <stddef.h>

/* Zero about `bytes` of stack below the caller's frame. */
void eaa_stack_burn(size_t bytes);

#endif
