/* fuzz_ccel - TDX CC event logs: parsed and replayed; a log that replays
 * is then checked against its own RTMRs, which must pass, and turned into
 * claims, and checked against RTMRs off by one bit, which must not. */
#include <stdlib.h>
#include "ccel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t rtmr[4][48];
	struct eaa_err err;
	json_t *events = NULL;

	if (!ccel_replay(data, size, rtmr, &err))
		return 0;
	if (!ccel_check(data, size, (const uint8_t(*)[48])rtmr, &events, &err))
		abort(); /* the replay and the check disagree */
	json_decref(events);
	rtmr[size % 4][size % 48] ^= 1;
	if (ccel_check(data, size, (const uint8_t(*)[48])rtmr, NULL, &err))
		abort(); /* a register that differs was not noticed */
	return 0;
}
