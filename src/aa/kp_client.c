/* kp_client.c - the ocicrypt side of the key-provider protocol (see
 * kp_client.h): gRPC through src/grpc, cmd through a child process. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bytes.h"
#include "codec.h"
#include "file.h"
#include "json_util.h"
#include "kp_client.h"
#include "kp_packet.h"
#include "pb.h"
#include "unary.h"

#define UNWRAP "/keyprovider.KeyProviderService/UnWrapKey"
#define MAX_OUTPUT (16u * 1024u * 1024u)
#define TIMEOUT_S 120

extern char **environ;

void aa_kp_provider_free(struct aa_kp_provider *p)
{
	free(p->grpc);
	free(p->cmd);
	for (size_t i = 0; p->args[i]; i++)
		free(p->args[i]);
	free(p->dc);
	memset(p, 0, sizeof(*p));
}

bool aa_kp_provider_load(struct aa_kp_provider *p, const char *config,
			 const char *name, const char *dc, struct eaa_err *err)
{
	json_error_t je;
	json_t *j, *e, *cmd, *args, *a;
	uint8_t *raw;
	size_t n, i;
	bool ok = false;

	memset(p, 0, sizeof(*p));
	eaa_err_clear(err);
	if (!config && !(config = getenv("OCICRYPT_KEYPROVIDER_CONFIG")))
		return eaa_fail(err, EAA_E_CONFIG, "key provider %s: no configuration "
				"(--keyprovider-config or OCICRYPT_KEYPROVIDER_CONFIG)", name);
	if (!file_read(config, 1u << 20, &raw, &n, err))
		return eaa_err_prefix(err, "key provider configuration");
	j = json_loadb((char *)raw, n, 0, &je);
	free(raw);
	e = json_object_get(json_object_get(j, "key-providers"), name);
	cmd = json_object_get(e, "cmd");
	args = json_object_get(cmd, "args");
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (!j) {
		eaa_fail(err, EAA_E_FORMAT, "%s:%d: %s", config, je.line, je.text);
	} else if (!json_is_object(e)) {
		eaa_fail(err, EAA_E_CONFIG, "%s: no key-providers.%s", config, name);
	} else if (json_is_string(json_object_get(e, "grpc"))) {
		ok = (p->grpc = strdup(json_string_value(json_object_get(e, "grpc")))) != NULL;
	} else if (json_is_string(json_object_get(cmd, "path")) &&
		   (!args || (json_is_array(args) && json_array_size(args) < AA_KP_MAX_ARGS))) {
		p->cmd = strdup(json_string_value(json_object_get(cmd, "path")));
		p->args[0] = p->cmd ? strdup(p->cmd) : NULL;
		ok = p->args[0] != NULL;
		json_array_foreach(args, i, a) {
			if (!json_is_string(a)) {
				ok = eaa_fail(err, EAA_E_CONFIG, "%s: key-providers.%s.cmd.args "
					      "must be strings", config, name);
				break;
			}
			ok = ok && (p->args[i + 1] = strdup(json_string_value(a))) != NULL;
		}
	} else {
		eaa_fail(err, EAA_E_CONFIG, "%s: key-providers.%s needs \"grpc\": ADDR or "
			 "\"cmd\": {\"path\": ..., \"args\": [...]}", config, name);
	}
	if (ok && dc && !(p->dc = strdup(dc)))
		ok = false;
	json_decref(j);
	if (!ok) {
		if (err->code == EAA_OK || !err->msg[0])
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
		aa_kp_provider_free(p);
	}
	return ok;
}

char *aa_kp_unwrap_input(const struct aa_kp_provider *p, const uint8_t *pkt, size_t n)
{
	char *ann = base64_encode(pkt, n, false);
	char *dc = p->dc ? base64_encode(p->dc, strlen(p->dc), false) : NULL;
	json_t *params = json_object(), *j = NULL;
	char *s = NULL;

	if (ann && params && (!p->dc || dc)) {
		json_object_set_new(params, p->name, p->dc ? json_pack("[s]", dc) : json_array());
		j = json_pack("{s:s,s:{},s:{s:{s:O},s:s}}", "op", "keyunwrap",
			      "keywrapparams", "keyunwrapparams", "dc", "Parameters", params,
			      "annotation", ann);
		s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	}
	json_decref(params);
	json_decref(j);
	free(ann);
	free(dc);
	return s;
}

/* Run the cmd provider: input on its stdin, its stdout back. */
static bool run_cmd(const struct aa_kp_provider *p, const char *in, uint8_t **out,
		    size_t *outn, struct eaa_err *err)
{
	posix_spawn_file_actions_t fa;
	int to[2] = { -1, -1 }, from[2] = { -1, -1 }, status = 0;
	size_t off = 0, len = strlen(in);
	time_t deadline = time(NULL) + TIMEOUT_S;
	struct wr w;
	pid_t pid;
	bool ok = false, timed_out = false;
	char buf[65536];

	wr_init(&w);
	if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0) {
		eaa_fail(err, EAA_E_IO, "key provider %s: pipe: %s", p->name, strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, to[0], 0);
	posix_spawn_file_actions_adddup2(&fa, from[1], 1);
	errno = posix_spawn(&pid, p->cmd, &fa, NULL, p->args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(to[0]);
	close(from[1]);
	to[0] = from[1] = -1;
	if (errno) {
		eaa_fail(err, EAA_E_IO, "key provider %s: cannot run %s: %s", p->name, p->cmd,
			 strerror(errno));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		ssize_t put = write(to[1], in + off, len - off);

		if (put <= 0)
			break;
		off += (size_t)put;
	}
	close(to[1]);
	to[1] = -1;
	for (;;) {
		struct pollfd pfd = { .fd = from[0], .events = POLLIN };
		int left = (int)(deadline - time(NULL));
		ssize_t got;

		if (left <= 0 || poll(&pfd, 1, left * 1000) == 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		got = read(from[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (w.len + (size_t)got > MAX_OUTPUT) {
			kill(pid, SIGKILL);
			break;
		}
		wr_bytes(&w, buf, (size_t)got);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		eaa_fail(err, EAA_E_IO, "key provider %s: %s gave no answer in %d s", p->name,
			 p->cmd, TIMEOUT_S);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		eaa_fail(err, EAA_E_REJECTED, "key provider %s: %s failed (see its message "
			 "above)", p->name, p->cmd);
	else if (w.failed)
		eaa_fail(err, EAA_E_FORMAT, "key provider %s: output over %u bytes", p->name,
			 MAX_OUTPUT);
	else
		ok = (*out = wr_take(&w, outn)) != NULL ||
		     eaa_fail(err, EAA_E_FORMAT, "key provider %s: no output", p->name);
out:
	for (int i = 0; i < 2; i++) {
		if (to[i] >= 0)
			close(to[i]);
		if (from[i] >= 0)
			close(from[i]);
	}
	wr_free(&w);
	return ok;
}

static bool run_grpc(const struct aa_kp_provider *p, const char *in, uint8_t **out,
		     size_t *outn, struct eaa_err *err)
{
	struct wr req;
	uint8_t *reply;
	const uint8_t *json;
	size_t n;
	bool ok = false;

	wr_init(&req);
	pb_put_bytes(&req, 1, in, strlen(in));
	if (req.failed) {
		wr_free(&req);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	if (grpc_unary_call(p->grpc, UNWRAP, req.buf, req.len, TIMEOUT_S, &reply, &n, err)) {
		if (!pb_get_bytes(reply, n, 1, &json, outn) || !(*out = malloc(*outn + 1)))
			eaa_fail(err, EAA_E_FORMAT, "key provider %s: the reply is not a "
				 "key-provider message", p->name);
		else
			ok = (memcpy(*out, json, *outn), true);
		OPENSSL_cleanse(reply, n);
		free(reply);
	} else {
		eaa_err_prefix(err, "key provider %s", p->name);
	}
	wr_free(&req);
	return ok;
}

static bool unwrap_one(const struct aa_kp_provider *p, const uint8_t *pkt, size_t n,
		       uint8_t **opts, size_t *optsn, struct eaa_err *err)
{
	char *in = aa_kp_unwrap_input(p, pkt, n);
	uint8_t *out = NULL;
	size_t outn;
	json_error_t je;
	json_t *j = NULL;
	bool ok;

	if (!in)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = p->grpc ? run_grpc(p, in, &out, &outn, err) : run_cmd(p, in, &out, &outn, err);
	free(in);
	if (ok) {
		j = json_loadb((char *)out, outn, 0, &je);
		ok = json_get_bytes(json_object_get(json_object_get(j, "keyunwrapresults"),
						    "optsdata"), MAX_OUTPUT, opts, optsn) ||
		     eaa_fail(err, EAA_E_FORMAT, "key provider %s: the output has no "
			      "keyunwrapresults.optsdata", p->name);
		OPENSSL_cleanse(out, outn);
	}
	if (j) {
		char *s = (char *)json_string_value(json_object_get(
			json_object_get(j, "keyunwrapresults"), "optsdata"));

		if (s)
			OPENSSL_cleanse(s, strlen(s));
	}
	json_decref(j);
	free(out);
	return ok;
}

struct unwrap_ctx {
	const struct aa_kp_provider *p;
	uint8_t **opts;
	size_t *optsn;
};

static bool unwrap_each(void *arg, const uint8_t *pkt, size_t n, struct eaa_err *err)
{
	struct unwrap_ctx *u = arg;

	return unwrap_one(u->p, pkt, n, u->opts, u->optsn, err);
}

bool aa_kp_unwrap_annotation(const struct aa_kp_provider *p, const char *annotation,
			     uint8_t **opts, size_t *optsn, struct eaa_err *err)
{
	struct unwrap_ctx u = { p, opts, optsn };

	return kp_annotation_each(annotation, unwrap_each, &u, err);
}
