/* fuzz_rego_input - arbitrary input documents (the attester's claims, an
 * agent's request) against policies compiled once: verdictd's SGX policy
 * shape and one that feeds input to many built-ins, tokens, keys and
 * certificates among them. Each input is also explained against `allow`
 * (rego_query_eval_explain), whose text must stay within its buffer and
 * plain ASCII: it goes to verdictd's log. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eaa/rego.h"

static const char policy[] =
	"package f\n"
	"import rego.v1\n"
	"default allow := false\n"
	"allow if {\n"
	"  input.mrEnclave == data.mrEnclave[_]\n"
	"  input.svn >= data.svn\n"
	"}\n"
	"s contains x if some x in input[_]\n"
	"o[k] := v if { some k, v in input; is_string(k) }\n"
	"n := count(input)\n"
	"txt := sprintf(\"%v %s %d %.2f\", [input, input.a, input.b, input.c])\n"
	"j := json.marshal(input)\n"
	"u := json.unmarshal(input.s)\n"
	"r := regex.match(input.p, input.s)\n"
	"t := time.parse_rfc3339_ns(input.t)\n"
	"sv := semver.compare(input.v1, input.v2)\n"
	"b := base64.decode(input.b64)\n"
	"h := hex.decode(input.hex)\n"
	"tot := sum([x | some x in input.nums])\n"
	"m := max(input.nums)\n"
	"srt := sort(input.nums)\n"
	"sub := substring(input.s, input.i, input.n)\n"
	"parts := split(input.s, input.sep)\n"
	"num := to_number(input.s)\n"
	"keys := object.keys(input)\n"
	"slice := array.slice(input.nums, input.i, input.n)\n"
	"every_ok if every x in input.nums { x > 0 }\n"
	"jw := io.jwt.decode(input.jwt)\n"
	"jv := io.jwt.decode_verify(input.jwt, {\"cert\": input.cert, \"iss\": input.s})\n"
	"js := io.jwt.decode_verify(input.jwt, {\"secret\": input.s, \"aud\": input.p})\n"
	"je := io.jwt.verify_es256(input.jwt, input.cert)\n"
	"jh := io.jwt.verify_hs256(input.jwt, input.s)\n"
	"jo := io.jwt.encode_sign_raw(input.s, input.p, input.cert)\n"
	"x5 := crypto.x509.parse_certificates(input.cert)\n"
	"x5v := crypto.x509.parse_and_verify_certificates(input.cert)\n"
	"csr := crypto.x509.parse_certificate_request(input.cert)\n"
	"pks := crypto.parse_private_keys(input.cert)\n"
	"kp := crypto.x509.parse_keypair(input.cert, input.s)\n";

static struct rego_query *q, *allow;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char data[] = "{\"mrEnclave\":[\"zqs=\"],\"svn\":1}";
	struct rego_builder *b = rego_builder_new();
	struct rego_policy *p;
	struct rego_error err;

	if (!b || !rego_builder_add_module(b, "f.rego", policy, strlen(policy),
					   REGO_SYNTAX_AUTO, &err) ||
	    !rego_builder_set_data(b, data, strlen(data), &err) ||
	    !(p = rego_builder_compile(b, &err)) ||
	    !(q = rego_query_compile(p, "data.f", &err)) ||
	    !(allow = rego_query_compile(p, "data.f.allow", &err))) {
		fprintf(stderr, "fuzz_rego_input: the fixed policy: %s\n", err.msg);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rego_limits lim = { .max_steps = 100000, .max_bytes = 32u << 20 };
	struct rego_error err;
	char *out = NULL;

	char why[300];
	size_t i;

	rego_query_eval(q, (const char *)data, size, &lim, &out, &err);
	free(out);
	memset(why, 0x7f, sizeof(why));
	rego_query_eval_explain(allow, (const char *)data, size, &lim, NULL, why,
				sizeof(why), &err);
	for (i = 0; why[i]; i++)
		if (i == sizeof(why) - 1 || (why[i] != '\n' && (why[i] < 0x20 || why[i] > 0x7e)))
			abort();
	return 0;
}
