/* snp_json.c - trustee's JSON form of SEV-SNP evidence (see snp_json.h). */
#include <stdlib.h>
#include <string.h>
#include "json_util.h"
#include "snp_json.h"

/* A number member in [0, max]. */
static bool num(const json_t *o, const char *name, uint64_t max, uint64_t *v,
		struct eaa_err *err)
{
	json_t *m = json_object_get(o, name);

	if (!json_is_integer(m) || json_integer_value(m) < 0 ||
	    (uint64_t)json_integer_value(m) > max)
		return eaa_fail(err, EAA_E_FORMAT, "attestation_report.%s: want an integer "
				"0 to %llu", name, (unsigned long long)max);
	*v = (uint64_t)json_integer_value(m);
	return true;
}

/* A byte-array member of exactly n bytes into p. */
static bool bytes(const json_t *o, const char *name, uint8_t *p, size_t n, struct eaa_err *err)
{
	json_t *m = json_object_get(o, name);
	size_t i;

	if (!json_is_array(m) || json_array_size(m) != n)
		return eaa_fail(err, EAA_E_FORMAT, "attestation_report.%s: want %zu bytes", name, n);
	for (i = 0; i < n; i++) {
		json_t *b = json_array_get(m, i);

		if (!json_is_integer(b) || json_integer_value(b) < 0 || json_integer_value(b) > 255)
			return eaa_fail(err, EAA_E_FORMAT, "attestation_report.%s[%zu]: not a byte",
					name, i);
		p[i] = (uint8_t)json_integer_value(b);
	}
	return true;
}

static void le(uint8_t *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A TCB_VERSION: Milan and Genoa (no FMC) bootloader, tee, 4 reserved,
 * snp, microcode; Turin (an FMC) fmc, bootloader, tee, snp, 3 reserved,
 * microcode. */
static bool tcb(const json_t *o, const char *name, uint8_t p[8], struct eaa_err *err)
{
	const json_t *t = json_object_get(o, name);
	uint64_t fmc = 0, bl, tee, snp, uc;
	bool turin = json_is_integer(json_object_get(t, "fmc"));

	if (!json_is_object(t) || (turin && !num(t, "fmc", 255, &fmc, err)) ||
	    !num(t, "bootloader", 255, &bl, err) || !num(t, "tee", 255, &tee, err) ||
	    !num(t, "snp", 255, &snp, err) || !num(t, "microcode", 255, &uc, err))
		return eaa_fail(err, EAA_E_FORMAT, "attestation_report.%s: want a TCB version",
				name);
	memset(p, 0, 8);
	if (turin) {
		p[0] = (uint8_t)fmc, p[1] = (uint8_t)bl, p[2] = (uint8_t)tee, p[3] = (uint8_t)snp;
	} else {
		p[0] = (uint8_t)bl, p[1] = (uint8_t)tee, p[6] = (uint8_t)snp;
	}
	p[7] = (uint8_t)uc;
	return true;
}

/* A firmware version {major, minor, build} as build, minor, major. */
static bool version3(const json_t *o, const char *name, uint8_t p[3], struct eaa_err *err)
{
	const json_t *v = json_object_get(o, name);
	uint64_t major, minor, build;

	if (!json_is_object(v) || !num(v, "major", 255, &major, err) ||
	    !num(v, "minor", 255, &minor, err) || !num(v, "build", 255, &build, err))
		return eaa_fail(err, EAA_E_FORMAT, "attestation_report.%s: want {major, minor, "
				"build}", name);
	p[0] = (uint8_t)build, p[1] = (uint8_t)minor, p[2] = (uint8_t)major;
	return true;
}

bool snp_report_from_json(const json_t *r, uint8_t out[SNP_REPORT_SIZE], struct eaa_err *err)
{
	const json_t *sig = json_object_get(r, "signature");
	uint64_t version, svn, policy, vmpl, algo, plat, key, fam, mod, step = 0;

	memset(out, 0, SNP_REPORT_SIZE);
	if (!json_is_object(r))
		return eaa_fail(err, EAA_E_FORMAT, "attestation_report is not an object");
	if (!num(r, "version", 5, &version, err) || version < 2 ||
	    !num(r, "guest_svn", UINT32_MAX, &svn, err) || !num(r, "policy", INT64_MAX, &policy, err) ||
	    !bytes(r, "family_id", out + 0x10, 16, err) || !bytes(r, "image_id", out + 0x20, 16, err) ||
	    !num(r, "vmpl", UINT32_MAX, &vmpl, err) || !num(r, "sig_algo", UINT32_MAX, &algo, err) ||
	    !tcb(r, "current_tcb", out + 0x38, err) || !num(r, "plat_info", INT64_MAX, &plat, err) ||
	    !num(r, "key_info", UINT32_MAX, &key, err) ||
	    !bytes(r, "report_data", out + 0x50, 64, err) ||
	    !bytes(r, "measurement", out + 0x90, 48, err) ||
	    !bytes(r, "host_data", out + 0xc0, 32, err) ||
	    !bytes(r, "id_key_digest", out + 0xe0, 48, err) ||
	    !bytes(r, "author_key_digest", out + 0x110, 48, err) ||
	    !bytes(r, "report_id", out + 0x140, 32, err) ||
	    !bytes(r, "report_id_ma", out + 0x160, 32, err) ||
	    !tcb(r, "reported_tcb", out + 0x180, err) ||
	    !bytes(r, "chip_id", out + 0x1a0, 64, err) ||
	    !tcb(r, "committed_tcb", out + 0x1e0, err) ||
	    !version3(r, "current", out + 0x1e8, err) ||
	    !version3(r, "committed", out + 0x1ec, err) ||
	    !tcb(r, "launch_tcb", out + 0x1f0, err))
		return false;
	/* the CPUID fields came with version 3 */
	if (version >= 3) {
		if (!num(r, "cpuid_fam_id", 255, &fam, err) || !num(r, "cpuid_mod_id", 255, &mod, err) ||
		    !num(r, "cpuid_step", 255, &step, err))
			return false;
		out[0x188] = (uint8_t)fam, out[0x189] = (uint8_t)mod, out[0x18a] = (uint8_t)step;
	}
	if (version >= 5) {
		uint64_t lmv, cmv;

		if (!num(r, "launch_mit_vector", INT64_MAX, &lmv, err) ||
		    !num(r, "current_mit_vector", INT64_MAX, &cmv, err))
			return false;
		le(out + 0x1f8, lmv, 8);
		le(out + 0x200, cmv, 8);
	}
	le(out + 0x00, version, 4);
	le(out + 0x04, svn, 4);
	le(out + 0x08, policy, 8);
	le(out + 0x30, vmpl, 4);
	le(out + 0x34, algo, 4);
	le(out + 0x40, plat, 8);
	le(out + 0x48, key, 4);
	if (!json_is_object(sig) || !bytes(sig, "r", out + 0x2a0, 72, err) ||
	    !bytes(sig, "s", out + 0x2e8, 72, err))
		return eaa_fail(err, EAA_E_FORMAT, "attestation_report.signature: want {r, s} of "
				"72 bytes each");
	return true;
}

bool snp_vcek_from_json(const json_t *chain, uint8_t **der, size_t *n, struct eaa_err *err)
{
	size_t i;

	*der = NULL;
	*n = 0;
	for (i = 0; json_is_array(chain) && i < json_array_size(chain); i++) {
		const json_t *c = json_array_get(chain, i), *data = json_object_get(c, "data");
		const char *type = json_string_value(json_object_get(c, "cert_type"));
		size_t k, len = json_array_size(data);

		if (!type || (strcmp(type, "VCEK") != 0 && strcmp(type, "VLEK") != 0))
			continue;
		if (!json_is_array(data) || !len || len > 16384 || !(*der = malloc(len)))
			return eaa_fail(err, EAA_E_FORMAT, "cert_chain[%zu].data: want the "
					"certificate's bytes", i);
		for (k = 0; k < len; k++) {
			json_t *b = json_array_get(data, k);

			if (!json_is_integer(b) || json_integer_value(b) < 0 ||
			    json_integer_value(b) > 255) {
				free(*der);
				*der = NULL;
				return eaa_fail(err, EAA_E_FORMAT, "cert_chain[%zu].data[%zu]: not "
						"a byte", i, k);
			}
			(*der)[k] = (uint8_t)json_integer_value(b);
		}
		*n = len;
		return true;
	}
	return eaa_fail(err, EAA_E_NO_EVIDENCE, "cert_chain has no VCEK or VLEK");
}

/* ---- bytes -> trustee's form ---- */

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}


/* A TCB_VERSION in the sev crate's form, laid out as tcb() reads it. */
static json_t *tcb_json(const uint8_t p[8], bool turin)
{
	if (turin)
		return json_pack("{s:i, s:i, s:i, s:i, s:i}", "fmc", p[0], "bootloader", p[1],
				 "tee", p[2], "snp", p[3], "microcode", p[7]);
	return json_pack("{s:n, s:i, s:i, s:i, s:i}", "fmc", "bootloader", p[0], "tee", p[1],
			 "snp", p[6], "microcode", p[7]);
}

json_t *snp_report_to_json(const uint8_t in[SNP_REPORT_SIZE], struct eaa_err *err)
{
	uint32_t version = (uint32_t)get_le(in, 4);
	/* Turin (family 0x1a) puts an FMC version first in each TCB; the
	 * CPUID fields that say so came with version 3 */
	bool turin = version >= 3 && in[0x188] == 0x1a;
	json_t *r;

	if (version < 2 || version > 5) {
		eaa_fail(err, EAA_E_FORMAT, "SEV-SNP report version %u (2 to 5 are known)", version);
		return NULL;
	}
	/* the members in the order the sev crate writes them */
	r = json_pack("{s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:o, s:I, s:I, s:o, s:o, s:o, s:o, "
		      "s:o, s:o, s:o, s:o}",
		      "version", (json_int_t)version, "guest_svn", (json_int_t)get_le(in + 4, 4),
		      "policy", (json_int_t)get_le(in + 8, 8), "family_id", json_byte_array(in + 0x10, 16),
		      "image_id", json_byte_array(in + 0x20, 16), "vmpl", (json_int_t)get_le(in + 0x30, 4),
		      "sig_algo", (json_int_t)get_le(in + 0x34, 4), "current_tcb",
		      tcb_json(in + 0x38, turin), "plat_info", (json_int_t)get_le(in + 0x40, 8),
		      "key_info", (json_int_t)get_le(in + 0x48, 4), "report_data",
		      json_byte_array(in + 0x50, 64), "measurement", json_byte_array(in + 0x90, 48),
		      "host_data", json_byte_array(in + 0xc0, 32), "id_key_digest",
		      json_byte_array(in + 0xe0, 48), "author_key_digest", json_byte_array(in + 0x110, 48),
		      "report_id", json_byte_array(in + 0x140, 32), "report_id_ma",
		      json_byte_array(in + 0x160, 32), "reported_tcb", tcb_json(in + 0x180, turin));
	if (r && version >= 3 &&
	    (json_object_set_new(r, "cpuid_fam_id", json_integer(in[0x188])) != 0 ||
	     json_object_set_new(r, "cpuid_mod_id", json_integer(in[0x189])) != 0 ||
	     json_object_set_new(r, "cpuid_step", json_integer(in[0x18a])) != 0)) {
		json_decref(r);
		r = NULL;
	}
	if (r && (json_object_set_new(r, "chip_id", json_byte_array(in + 0x1a0, 64)) != 0 ||
		  json_object_set_new(r, "committed_tcb", tcb_json(in + 0x1e0, turin)) != 0 ||
		  json_object_set_new(r, "current", json_pack("{s:i, s:i, s:i}", "major", in[0x1ea],
							      "minor", in[0x1e9], "build",
							      in[0x1e8])) != 0 ||
		  json_object_set_new(r, "committed", json_pack("{s:i, s:i, s:i}", "major",
								in[0x1ee], "minor", in[0x1ed],
								"build", in[0x1ec])) != 0 ||
		  json_object_set_new(r, "launch_tcb", tcb_json(in + 0x1f0, turin)) != 0 ||
		  (version >= 5 &&
		   (json_object_set_new(r, "launch_mit_vector",
					json_integer((json_int_t)get_le(in + 0x1f8, 8))) != 0 ||
		    json_object_set_new(r, "current_mit_vector",
					json_integer((json_int_t)get_le(in + 0x200, 8))) != 0)) ||
		  json_object_set_new(r, "signature", json_pack("{s:o, s:o}", "r",
								json_byte_array(in + 0x2a0, 72), "s",
								json_byte_array(in + 0x2e8, 72))) != 0)) {
		json_decref(r);
		r = NULL;
	}
	if (!r)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	return r;
}
