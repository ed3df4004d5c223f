/* wipe.c - stack burning (see wipe.h). */
#include <string.h>
#include "wipe.h"

#define CHUNK 4096

/* One chunk per call, recursing: a variable-length array would do it in
 * one frame, but a bounded recursion keeps each frame small and cannot be
 * turned into a single stack-clash-sized allocation. noinline and the
 * use of buf after the call keep the compiler from removing either. */
__attribute__((noinline)) void eaa_stack_burn(size_t bytes)
{
	unsigned char buf[CHUNK];

	explicit_bzero(buf, sizeof(buf));
	if (bytes > CHUNK)
		eaa_stack_burn(bytes - CHUNK);
	__asm__ __volatile__("" : : "r"(buf) : "memory");
}
