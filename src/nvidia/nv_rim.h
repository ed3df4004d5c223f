/* nv_rim.h - NVIDIA's reference integrity manifests (RIMs): SWID-tag XML
 * signed with XML-DSig, their chain to NVIDIA's RIM root, and the
 * comparison of a report's measurement blocks with their golden values. */
#ifndef EAA_NV_RIM_H
#define EAA_NV_RIM_H

#include <stdbool.h>
#include <time.h>
#include <jansson.h>
#include "err.h"
#include "nv_evidence.h"
#include "spdm.h"

/* Compare r with the RIMs of trust (if any) and set dev["rim"]:
 * {"checked": false} when none were given, else {"checked": true,
 * "rims": [ids], "matched": [indexes]}; a mismatch fails (EAA_E_REJECTED)
 * naming the index. */
bool nv_rim_check(const struct spdm_report *r, const struct nv_trust *trust,
		  time_t at, json_t *dev, struct eaa_err *err);

#endif
