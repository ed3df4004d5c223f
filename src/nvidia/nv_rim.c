/* nv_rim.c - RIM comparison (see nv_rim.h). */
#include "nv_rim.h"

bool nv_rim_check(const struct spdm_report *r, const struct nv_trust *trust,
		  time_t at, json_t *dev, struct eaa_err *err)
{
	if (trust && trust->rims && trust->rims[0])
		return eaa_fail(err, EAA_E_UNSUPPORTED, "RIM comparison is not "
				"built yet");
	return json_object_set_new(dev, "rim", json_pack("{s:b}", "checked", 0)) == 0 ||
	       eaa_fail(err, EAA_E_NOMEM, "out of memory");
}
