/* tcb.h - Intel TCB status: match a quote's platform and QE against
 * checked collateral, the way Intel's Quote Verification Library does. */
#ifndef EAA_INTEL_TCB_H
#define EAA_INTEL_TCB_H

#include "collateral.h"
#include "pck.h"
#include "quote.h"

struct tcb_result {
	enum tcb_status status;    /* the converged status */
	enum tcb_status platform;  /* from tcbLevels */
	enum tcb_status qe;        /* from the QE identity's tcbLevels */
	enum tcb_status module;    /* TDX module identity (TDX only) */
	time_t tcb_date;
	char **advisories;         /* NULL-terminated union; owned */
	bool evaluated;            /* false: no collateral was given */
};

/* Fails (naming the mismatch) when the collateral is not for this platform
 * (FMSPC, PCE-ID, TEE), when the QE is not the identity's enclave, or when
 * no TCB level matches: the quote's TCB is then unknown to Intel. */
bool tcb_evaluate(const struct quote *q, const struct pck_ext *pck,
		  const struct collateral *c, struct tcb_result *res,
		  struct eaa_err *err);

void tcb_result_free(struct tcb_result *r);

#endif
