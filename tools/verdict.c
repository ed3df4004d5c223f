/* verdict - configure verdictd through its client API, with the original
 * verdict's options (docs/verdictd.md):
 *
 *   verdict --client-api 127.0.0.1:10001 --export-opa-reference sgxData
 *   verdict --client-api 127.0.0.1:10001 --test-opa-local-reference sgxPolicy.rego ./sgxData ./evidence
 *   verdict --client-api 127.0.0.1:10001 --set-opa-reference sgxData ./sgxData
 *
 * Every call carries the token verdictd keeps in <root>/client-api.token
 * (--token-file). With --kbs-admin URL --kbs-admin-key KEY the set
 * commands go to verdictd's KBS admin API instead (verdict_kbs.h). --test-opa-local needs no daemon. Exit 0 on success, 1
 * on a failure (one line on stderr), 2 on a usage error. */
#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "api.h"
#include "bytes.h"
#include "codec.h"
#include "eaa/rego.h"
#include "file.h"
#include "net.h"
#include "verdict_derive.h"
#include "verdict_kbs.h"

#define MAX_FILE (16u * 1024u * 1024u)

static const char *prog = "verdict";
static const char *api = "[::1]:60000", *out_dir = ".";
static const char *token_file = VD_DEFAULT_ROOT "/" VD_TOKEN_FILE;
/* --kbs-admin: the set commands go to verdictd's KBS admin API instead */
static struct verdict_kbs kbs;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [-c ADDR:PORT] [--token-file FILE] [-p DIR] COMMAND\n"
"Configure verdictd (docs/verdictd.md). Commands:\n"
"  --set-opa-policy NAME FILE          e.g. sgxPolicy.rego ./policy.rego, or\n"
"                                      resourcePolicy.rego (keys and resources)\n"
"  --export-opa-policy NAME            writes DIR/NAME\n"
"  --set-opa-reference NAME FILE       e.g. sgxData ./sgxData, resourceData\n"
"  --export-opa-reference NAME         writes DIR/NAME\n"
"  --test-opa-remote POLICY REFERENCE INPUT_FILE      both stored\n"
"  --test-opa-local POLICY_FILE REFERENCE_FILE INPUT_FILE   no daemon\n"
"  --test-opa-local-policy POLICY_FILE REFERENCE INPUT_FILE\n"
"  --test-opa-local-reference POLICY REFERENCE_FILE INPUT_FILE\n"
"  --set-image-policy FILE, --export-image-policy (DIR/image_policy.json)\n"
"  --set-image-sigstore FILE, --export-image-sigstore (DIR/image_sigstore.yaml)\n"
"  --list-gpg-keys, --import-gpg-key FILE, --delete-gpg-key ID\n"
"  --export-gpg-keyring                prints it (base64)\n"
"  --set_resource ID FILE, --get_resource ID   resources/<repo>/<type>/<tag>\n"
"  --create-key KID, --import-key KID FILE (32 bytes), --list-keys,\n"
"  --delete-key KID\n"
"  --derive TEE [INPUTS] [--print | --set-opa-reference NAME [--replace]]\n"
"                                      reference values from artifacts: a signed\n"
"                                      enclave, OVMF, TDVF, a quote (--derive TEE -h)\n"
"  --store-export DEST, --store-import SRC   copy every document of --store\n"
"                                      to DEST, or of SRC into --store (a\n"
"                                      directory or postgresql://...; no\n"
"                                      verdictd needed)\n"
"Options:\n"
"  -c, --client-api ADDR:PORT  verdictd's client API (default [::1]:60000)\n"
"      --kbs-admin URL         instead, verdictd's KBS admin API (trustee's), for\n"
"                              --set-opa-policy, --set-opa-reference (members are\n"
"                              set, the others kept) and --set_resource; https://,\n"
"                              or http:// to this machine only\n"
"      --kbs-admin-key PEM     the owner's private key that signs its tokens\n"
"                              (one of verdictd's --kbs-admin-key)\n"
"      --kbs-ca PEM            the KBS certificate's CA (default: the system's)\n"
"  -p, --path DIR              where --export-* write (default .)\n"
"      --token-file FILE       the client API token (default %s)\n"
"      --store DIR|URL         the store --store-export/--store-import use\n"
"      --store-key FILE        the postgresql store's master key\n"
"  -h, --help\n", prog, VD_DEFAULT_ROOT "/" VD_TOKEN_FILE);
}

static int failf(const char *what, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, why);
	return 1;
}

static char *b64_file(const char *path, struct eaa_err *err)
{
	uint8_t *buf;
	size_t n;
	char *b;

	if (!file_read(path, MAX_FILE, &buf, &n, err))
		return NULL;
	b = base64_encode(buf, n, false);
	free(buf);
	return b;
}

/* Send req (its "token" added) to verdictd; its whole reply when the
 * status is OK, else NULL with the reason printed. */
static json_t *call_one(json_t *req);

/* The reply's "data" (true when it has none), or NULL. Takes req. */
static json_t *call(json_t *req)
{
	json_t *reply = req ? call_one(req) : NULL, *data;

	json_decref(req);
	if (!reply)
		return NULL;
	data = json_object_get(reply, "data");
	data = data ? json_incref(data) : json_true();
	json_decref(reply);
	return data;
}

/* The token must not outlive the call in our memory: jansson's copy is
 * wiped in place (the string is ours until req is released). */
static void wipe_token(json_t *req)
{
	char *t = (char *)json_string_value(json_object_get(req, "token"));

	if (t)
		OPENSSL_cleanse(t, strlen(t));
}

static json_t *call_one(json_t *req)
{
	char addr[256], *text, *colon, buf[65536];
	const char *ip, *why = "";
	struct eaa_err err;
	uint8_t *tok;
	size_t n, off = 0;
	json_t *reply = NULL;
	json_error_t je;
	int fd;

	if (!file_read(token_file, 128, &tok, &n, &err)) {
		failf("client API token", err.msg);
		return NULL;
	}
	while (n && (tok[n - 1] == '\n' || tok[n - 1] == '\r'))
		tok[--n] = '\0';
	/* the token goes first: verdictd buffers no more than 64 KiB of a
	 * request until it has seen the token (docs/verdictd.md) */
	{
		json_t *first = json_pack("{s:s}", "token", (char *)tok);

		OPENSSL_cleanse(tok, n);
		free(tok);
		text = first && json_object_update(first, req) == 0 ?
		       json_dumps(first, JSON_COMPACT) : NULL;
		wipe_token(first);
		json_decref(first);
	}
	snprintf(addr, sizeof(addr), "%s", api);
	colon = strrchr(addr, ':');
	if (!text || !colon) {
		if (text)
			OPENSSL_cleanse(text, strlen(text));
		free(text);
		failf("client API", "want ADDR:PORT");
		return NULL;
	}
	*colon = '\0';
	ip = addr[0] == '[' ? (colon[-1] = '\0', addr + 1) : addr;
	if ((fd = net_connect(ip, colon + 1, &why)) < 0) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
		failf(api, why);
		return NULL;
	}
	net_set_timeout(fd, 60);
	for (n = strlen(text); off < n;) {
		ssize_t put = write(fd, text + off, n - off);

		if (put <= 0)
			break;
		off += (size_t)put;
	}
	OPENSSL_cleanse(text, n);
	free(text);
	{
		struct wr w;
		uint8_t *all;
		size_t len;
		ssize_t got;

		wr_init(&w);
		while ((got = read(fd, buf, sizeof(buf))) > 0)
			wr_bytes(&w, buf, (size_t)got);
		close(fd);
		wr_u8(&w, 0);
		all = wr_take(&w, &len);
		reply = all ? json_loads((char *)all, 0, &je) : NULL;
		free(all);
	}
	if (!reply) {
		failf(api, "no reply, or not JSON");
		return NULL;
	}
	if (!json_string_value(json_object_get(reply, "status")) ||
	    strcmp(json_string_value(json_object_get(reply, "status")), "OK") != 0) {
		const char *e = json_string_value(json_object_get(reply, "error"));

		failf("verdictd", e ? e : "failed");
		json_decref(reply);
		return NULL;
	}
	return reply;
}

/* Write the base64 reply into DIR/name. */
static int export(json_t *data, const char *name)
{
	char path[4096];
	struct eaa_err err;
	uint8_t *raw;
	size_t n;
	int rc = 0;

	if (!data)
		return 1;
	if (!json_is_string(data) || !base64_decode(json_string_value(data), false, &raw, &n)) {
		json_decref(data);
		return failf("verdictd", "reply is not base64");
	}
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	if (!file_write_atomic(path, raw, n, 0600, &err))
		rc = failf("export", err.msg);
	else
		printf("%s\n", path);
	free(raw);
	json_decref(data);
	return rc;
}

static int done(json_t *data)
{
	if (!data)
		return 1;
	if (!json_is_true(data)) {
		char *s = json_dumps(data, JSON_ENCODE_ANY | JSON_INDENT(4) | JSON_SORT_KEYS);

		printf("%s\n", s ? s : "");
		free(s);
	} else {
		printf("OK\n");
	}
	json_decref(data);
	return 0;
}

/* A test's result, then why allow is not true (when it is not) under
 * it, as verdictd or the local engine explained it. */
static int done_why(json_t *data, const char *why)
{
	int rc = done(data);

	if (rc == 0 && why && why[0])
		printf("why allow is not true:\n%s\n", why);
	return rc;
}

/* The explanation of a local test whose allow is not true ("" when it
 * is), naming the policy by its file's name. */
static const char *explain_local(const char *file, const char *p, size_t pn,
				 const char *d, size_t dn, const char *in, size_t n,
				 const char *result, char *why, size_t cap)
{
	json_t *doc = json_loads(result, 0, NULL);
	bool allowed = json_is_true(json_object_get(doc, "allow"));
	const char *base = strrchr(file, '/');
	char *decision = NULL;
	struct eaa_err err;

	json_decref(doc);
	why[0] = '\0';
	if (!allowed)
		vd_opa_check_why(base ? base + 1 : file, p, pn, d, dn, in, n, &decision,
				 why, cap, &err);
	free(decision);
	return why;
}

/* --test-opa-*: each side by stored name or by local file. */
static int test_opa(const char *policy, bool policy_local, const char *ref,
		    bool ref_local, const char *input)
{
	struct eaa_err err;
	json_t *req = json_object(), *reply;
	char *in = b64_file(input, &err), *b;
	int rc;

	if (!in) {
		json_decref(req);
		return failf(input, err.msg);
	}
	json_object_set_new(req, "command", json_string("test-opa"));
	json_object_set_new(req, "input", json_string(in));
	free(in);
	if (policy_local) {
		if (!(b = b64_file(policy, &err))) {
			json_decref(req);
			return failf(policy, err.msg);
		}
		json_object_set_new(req, "policy_content", json_string(b));
		free(b);
	} else {
		json_object_set_new(req, "policy", json_string(policy));
	}
	if (ref_local) {
		if (!(b = b64_file(ref, &err))) {
			json_decref(req);
			return failf(ref, err.msg);
		}
		json_object_set_new(req, "reference_content", json_string(b));
		free(b);
	} else {
		json_object_set_new(req, "reference", json_string(ref));
	}
	reply = call_one(req);
	json_decref(req);
	if (!reply)
		return 1;
	rc = done_why(json_incref(json_object_get(reply, "data")),
		      json_string_value(json_object_get(reply, "explanation")));
	json_decref(reply);
	return rc;
}

/* --test-opa-local: no daemon involved. */
static int test_local(const char *policy, const char *ref, const char *input)
{
	struct eaa_err err;
	uint8_t *p = NULL, *d = NULL, *i = NULL;
	size_t pn, dn, in;
	char *result = NULL, why[REGO_EXPLAIN_CAP];
	int rc;

	if (!file_read(policy, MAX_FILE, &p, &pn, &err) ||
	    !file_read(ref, MAX_FILE, &d, &dn, &err) ||
	    !file_read(input, MAX_FILE, &i, &in, &err))
		rc = failf("test", err.msg);
	else if (!vd_opa_decide((char *)p, pn, (char *)d, dn, (char *)i, in, &result, &err))
		rc = failf("test", err.msg);
	else
		rc = done_why(json_loads(result, 0, NULL),
			      explain_local(policy, (char *)p, pn, (char *)d, dn, (char *)i,
					    in, result, why, sizeof(why)));
	free(p);
	free(d);
	free(i);
	free(result);
	return rc;
}

/* A text reply printed as it is (gpg key lists). */
static int text_reply(json_t *data)
{
	if (!data)
		return 1;
	fputs(json_string_value(data) ? json_string_value(data) : "", stdout);
	json_decref(data);
	return 0;
}

static json_t *named(const char *cmd, const char *key, const char *value)
{
	json_t *req = json_object();

	json_object_set_new(req, "command", json_string(cmd));
	if (key)
		json_object_set_new(req, key, json_string(value));
	return req;
}

/* A command that uploads a file under "content". */
static int upload(json_t *req, const char *file)
{
	struct eaa_err err;
	char *b = b64_file(file, &err);

	if (!b) {
		json_decref(req);
		return failf(file, err.msg);
	}
	json_object_set_new(req, "content", json_string(b));
	free(b);
	return done(call(req));
}

enum {
	SET_POLICY = 0x100, EXPORT_POLICY, SET_REF, EXPORT_REF, TEST_REMOTE,
	TEST_LOCAL, TEST_LOCAL_POLICY, TEST_LOCAL_REF, SET_IMG_POLICY,
	EXPORT_IMG_POLICY, SET_SIGSTORE, EXPORT_SIGSTORE, EXPORT_GPG,
	SET_RESOURCE, GET_RESOURCE, CREATE_KEY, IMPORT_KEY, LIST_KEYS,
	DELETE_KEY, TOKEN_FILE, LIST_GPG, IMPORT_GPG, DELETE_GPG, KBS_ADMIN,
	KBS_ADMIN_KEY, KBS_CA, STORE, STORE_KEY, STORE_EXPORT, STORE_IMPORT,
};

/* --store and --store-key: the store verdict opens itself (no verdictd)
 * for --store-export and --store-import */
static const char *store_at, *store_key;

static struct vd_store *open_store(const char *where, struct eaa_err *err)
{
	struct stat st;

	if (vd_store_is_url(where))
		return vd_store_open_shared(NULL, where, store_key, err);
	/* a file store is one that exists: a typo must not make an empty one */
	if (stat(where, &st) != 0 || !S_ISDIR(st.st_mode)) {
		eaa_fail(err, EAA_E_IO, "%s is not a directory", where);
		return NULL;
	}
	return vd_store_open(where, err);
}

/* A store as messages name it: a URL may hold a password. */
static const char *shown(const char *where)
{
	return vd_store_is_url(where) ? "the PostgreSQL store" : where;
}

/* Move a whole store between its forms: every document as it is, in
 * one transaction of the destination. */
static int store_move(const char *from, const char *to)
{
	struct eaa_err err = { 0 };
	struct vd_store *src = NULL, *dst = NULL;
	size_t n = 0;
	int rc = 1;

	if (!store_at) {
		fprintf(stderr, "%s: --store-export and --store-import need --store (a directory "
			"or postgresql://...)\n", prog);
		return 2;
	}
	if (!(src = open_store(from, &err)) || !(dst = open_store(to, &err)))
		fprintf(stderr, "%s: %s: %s\n", prog, shown(src ? to : from), err.msg);
	else if (!vd_store_copy(src, dst, &n, &err))
		fprintf(stderr, "%s: copying %s to %s: %s\n", prog, shown(from), shown(to), err.msg);
	else {
		printf("copied %zu documents from %s to %s\n", n, shown(from), shown(to));
		rc = 0;
	}
	vd_store_close(src);
	vd_store_close(dst);
	return rc;
}

/* How many operands each command takes after its option argument. */
static int extra_args(int cmd)
{
	switch (cmd) {
	case SET_POLICY: case SET_REF: case SET_RESOURCE: case IMPORT_KEY:
		return 1;
	case TEST_REMOTE: case TEST_LOCAL: case TEST_LOCAL_POLICY: case TEST_LOCAL_REF:
		return 2;
	default:
		return 0;
	}
}

/* The commands the KBS admin API serves. */
static int run_kbs(int cmd, const char *a, char **more)
{
	switch (cmd) {
	case SET_POLICY: return verdict_kbs_set_policy(&kbs, a, more[0]);
	case SET_REF: return verdict_kbs_set_reference(&kbs, a, more[0]);
	case SET_RESOURCE: return verdict_kbs_set_resource(&kbs, a, more[0]);
	case TEST_LOCAL: return test_local(a, more[0], more[1]);
	}
	fprintf(stderr, "%s: --kbs-admin serves --set-opa-policy, --set-opa-reference and "
		"--set_resource; for this command use the client API (--client-api)\n", prog);
	return 2;
}

static int run(int cmd, const char *a, char **more)
{
	json_t *req;

	if (cmd == STORE_EXPORT)
		return store_move(store_at, a);
	if (cmd == STORE_IMPORT)
		return store_move(a, store_at);
	if (kbs.url)
		return run_kbs(cmd, a, more);
	switch (cmd) {
	case SET_POLICY:
	case SET_REF:
		return upload(named("set-opa", "name", a), more[0]);
	case EXPORT_POLICY:
	case EXPORT_REF:
		return export(call(named("export-opa", "name", a)), a);
	case TEST_REMOTE: return test_opa(a, false, more[0], false, more[1]);
	case TEST_LOCAL: return test_local(a, more[0], more[1]);
	case TEST_LOCAL_POLICY: return test_opa(a, true, more[0], false, more[1]);
	case TEST_LOCAL_REF: return test_opa(a, false, more[0], true, more[1]);
	case SET_IMG_POLICY:
		return upload(named("set-resource", "name", "image-policy"), a);
	case EXPORT_IMG_POLICY:
		return export(call(named("get-resource", "name", "image-policy")),
			      "image_policy.json");
	case SET_SIGSTORE:
		return upload(named("set-resource", "name", "sigstore"), a);
	case EXPORT_SIGSTORE:
		return export(call(named("get-resource", "name", "sigstore")),
			      "image_sigstore.yaml");
	case EXPORT_GPG:
		return done(call(named("get-resource", "name", "gpg-keyring")));
	case SET_RESOURCE:
		req = named("set-resource", "path", a);
		json_object_set_new(req, "name", json_string(""));
		return upload(req, more[0]);
	case GET_RESOURCE:
		req = named("get-resource", "path", a);
		json_object_set_new(req, "name", json_string(""));
		return done(call(req));
	case CREATE_KEY: return done(call(named("key-create", "kid", a)));
	case IMPORT_KEY: return upload(named("key-import", "kid", a), more[0]);
	case LIST_KEYS: return done(call(named("key-list", NULL, NULL)));
	case DELETE_KEY: return done(call(named("key-delete", "kid", a)));
	case LIST_GPG: return text_reply(call(named("gpg-list", NULL, NULL)));
	case IMPORT_GPG: return upload(named("gpg-import", NULL, NULL), a);
	case DELETE_GPG: return done(call(named("gpg-delete", "id", a)));
	}
	return 2;
}

/* The client API as `verdict --derive` uses it (verdict_derive.h). */
static void derive_connect_to(const char *addr, const char *token)
{
	if (addr)
		api = addr;
	if (token)
		token_file = token;
}

static char *derive_get_reference(const char *name, size_t *n)
{
	json_t *data = call(named("export-opa", "name", name));
	uint8_t *raw = NULL;

	if (!data)
		return NULL;
	if (!json_is_string(data) ||
	    !base64_decode(json_string_value(data), false, &raw, n)) {
		failf("verdictd", "reply is not base64");
		raw = NULL;
	}
	json_decref(data);
	return (char *)raw;
}

static int derive_set_reference(const char *name, const char *text, size_t n)
{
	json_t *req = named("set-opa", "name", name), *data;
	char *b = base64_encode((const uint8_t *)text, n, false);

	if (!b) {
		json_decref(req);
		return failf(name, "out of memory");
	}
	json_object_set_new(req, "content", json_string(b));
	free(b);
	data = call(req);
	if (!data)
		return 1;
	json_decref(data);
	return 0;
}

static const struct verdict_api derive_api = {
	derive_connect_to, derive_get_reference, derive_set_reference,
};

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "client-api", required_argument, NULL, 'c' },
		{ "path", required_argument, NULL, 'p' },
		{ "token-file", required_argument, NULL, TOKEN_FILE },
		{ "kbs-admin", required_argument, NULL, KBS_ADMIN },
		{ "kbs-admin-key", required_argument, NULL, KBS_ADMIN_KEY },
		{ "kbs-ca", required_argument, NULL, KBS_CA },
		{ "set-opa-policy", required_argument, NULL, SET_POLICY },
		{ "export-opa-policy", required_argument, NULL, EXPORT_POLICY },
		{ "set-opa-reference", required_argument, NULL, SET_REF },
		{ "export-opa-reference", required_argument, NULL, EXPORT_REF },
		{ "test-opa-remote", required_argument, NULL, TEST_REMOTE },
		{ "test-opa-local", required_argument, NULL, TEST_LOCAL },
		{ "test-opa-local-policy", required_argument, NULL, TEST_LOCAL_POLICY },
		{ "test-opa-local-reference", required_argument, NULL, TEST_LOCAL_REF },
		{ "set-image-policy", required_argument, NULL, SET_IMG_POLICY },
		{ "export-image-policy", no_argument, NULL, EXPORT_IMG_POLICY },
		{ "set-image-sigstore", required_argument, NULL, SET_SIGSTORE },
		{ "export-image-sigstore", no_argument, NULL, EXPORT_SIGSTORE },
		{ "export-gpg-keyring", no_argument, NULL, EXPORT_GPG },
		{ "set_resource", required_argument, NULL, SET_RESOURCE },
		{ "get_resource", required_argument, NULL, GET_RESOURCE },
		{ "create-key", required_argument, NULL, CREATE_KEY },
		{ "import-key", required_argument, NULL, IMPORT_KEY },
		{ "list-keys", no_argument, NULL, LIST_KEYS },
		{ "delete-key", required_argument, NULL, DELETE_KEY },
		{ "list-gpg-keys", no_argument, NULL, LIST_GPG },
		{ "import-gpg-key", required_argument, NULL, IMPORT_GPG },
		{ "delete-gpg-key", required_argument, NULL, DELETE_GPG },
		{ "store", required_argument, NULL, STORE },
		{ "store-key", required_argument, NULL, STORE_KEY },
		{ "store-export", required_argument, NULL, STORE_EXPORT },
		{ "store-import", required_argument, NULL, STORE_IMPORT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *arg = NULL;
	int c, cmd = 0, need;

	/* --derive has a command line of its own (each TEE its inputs) */
	for (c = 1; c < argc; c++)
		if (strcmp(argv[c], "--derive") == 0 || strncmp(argv[c], "--derive=", 9) == 0)
			return verdict_derive(argc, argv, &derive_api);
	while ((c = getopt_long(argc, argv, "c:p:h", longs, NULL)) != -1) {
		switch (c) {
		case 'c': api = optarg; break;
		case 'p': out_dir = optarg; break;
		case TOKEN_FILE: token_file = optarg; break;
		case KBS_ADMIN: kbs.url = optarg; break;
		case KBS_ADMIN_KEY: kbs.key = optarg; break;
		case KBS_CA: kbs.ca = optarg; break;
		case STORE: store_at = optarg; break;
		case STORE_KEY: store_key = optarg; break;
		case 'h': usage(stdout); return 0;
		case '?': usage(stderr); return 2;
		default:
			if (cmd) {
				fprintf(stderr, "%s: one command at a time\n", prog);
				return 2;
			}
			cmd = c;
			arg = optarg;
		}
	}
	need = cmd ? extra_args(cmd) : 0;
	if (!cmd || argc - optind != need) {
		if (cmd)
			fprintf(stderr, "%s: this command takes %d more operand(s)\n", prog, need);
		usage(stderr);
		return 2;
	}
	if (!kbs.url != !kbs.key) {
		fprintf(stderr, "%s: --kbs-admin and --kbs-admin-key go together\n", prog);
		return 2;
	}
	return run(cmd, arg, argv + optind);
}
