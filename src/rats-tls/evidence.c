/* evidence.c - the TCG DICE tagged-evidence value (OID 2.23.133.5.4.9):
 *
 *     tag(T) [ bstr(quote or report), bstr(claims-buffer) ]
 *
 * Definite lengths only, exactly two elements, nothing after them. */
#include <string.h>
#include "cbor_io.h"
#include "internal.h"

bool evidence_encode(uint64_t tag, const void *quote, size_t quote_len,
		     const void *claims, size_t claims_len, struct wr *out)
{
	return cbor_put_tag(out, tag) && cbor_put_array(out, 2) &&
	       cbor_put_bstr(out, quote, quote_len) &&
	       cbor_put_bstr(out, claims, claims_len);
}

static bool want(struct rd *r, enum cbor_kind kind, struct cbor_item *it,
		 const char *what, struct eaa_err *err)
{
	struct rd peek = *r;

	if (cbor_expect(r, kind, it))
		return true;
	if (!cbor_next(&peek, it))
		return eaa_fail(err, EAA_E_FORMAT,
				"%s: truncated or invalid CBOR where a %s was "
				"expected", what, cbor_kind_name(kind));
	return eaa_fail(err, EAA_E_FORMAT, "%s: expected a %s, found a %s",
			what, cbor_kind_name(kind), cbor_kind_name(it->kind));
}

bool evidence_decode(struct rd in, struct rats_evidence *ev,
		     struct eaa_err *err)
{
	struct cbor_item it;

	memset(ev, 0, sizeof(*ev));
	if (rd_left(&in) > RATS_MAX_EXTENSION)
		return eaa_fail(err, EAA_E_FORMAT,
				"evidence extension: %zu bytes exceeds the %d "
				"byte limit", rd_left(&in), RATS_MAX_EXTENSION);
	if (!want(&in, CBOR_K_TAG, &it, "evidence extension", err))
		return false;
	ev->tag = it.val;
	if (!want(&in, CBOR_K_ARRAY, &it, "evidence extension: tagged value",
		  err))
		return false;
	if (it.val != 2)
		return eaa_fail(err, EAA_E_FORMAT,
				"evidence extension: array has %llu elements, "
				"expected 2 (evidence, claims-buffer)",
				(unsigned long long)it.val);
	if (!want(&in, CBOR_K_BSTR, &it, "evidence extension: element 0 "
		  "(evidence)", err))
		return false;
	ev->quote = it.data;
	if (!want(&in, CBOR_K_BSTR, &it, "evidence extension: element 1 "
		  "(claims-buffer)", err))
		return false;
	ev->claims_buffer = it.data;
	if (!rd_done(&in))
		return eaa_fail(err, EAA_E_FORMAT,
				"evidence extension: %zu trailing bytes after "
				"the tagged evidence", rd_left(&in));
	if (rd_done(&ev->quote))
		return eaa_fail(err, EAA_E_FORMAT,
				"evidence extension: evidence is empty");
	return true;
}
