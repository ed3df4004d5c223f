/* eaa_kbc.c - the agent's side of the EAA protocol (see eaa_kbc.h). */
#include <arpa/inet.h>
#include <jansson.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "codec.h"
#include "eaa_kbc.h"
#include "log.h"
#include "rats-tls/api.h"

#define MAX_REPLY (16u * 1024u * 1024u)

struct aa_eaa {
	rats_tls_handle h;
	rats_tls_conn *conn;
	int fd;
};

static int tcp_connect(const char *addr, struct eaa_err *err)
{
	char host[256], *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct timeval tv = { 60, 0 };
	int fd = -1;

	snprintf(host, sizeof(host), "%s", addr);
	colon = strrchr(host, ':');
	if (!colon) {
		eaa_fail(err, EAA_E_CONFIG, "verdictd address \"%s\": want IP:PORT", addr);
		return -1;
	}
	*colon = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
		eaa_fail(err, EAA_E_IO, "verdictd address \"%s\": cannot resolve", addr);
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		eaa_fail(err, EAA_E_IO, "cannot connect to verdictd at %s", addr);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

struct aa_eaa *aa_eaa_connect(const struct aa_eaa_conf *conf, struct eaa_err *err)
{
	rats_tls_conf_t rc = { .api_version = RATS_TLS_API_VERSION,
			       .flags = RATS_TLS_CONF_FLAGS_MUTUAL,
			       .log_level = RATS_TLS_LOG_LEVEL_WARN,
			       .options = conf->options };
	struct aa_eaa *c;

	if (!conf->verifier && !conf->insecure_broker) {
		eaa_fail(err, EAA_E_CONFIG, "no verifier for verdictd's certificate: name "
			 "one, or accept any broker with the insecure option");
		return NULL;
	}
	if (conf->insecure_broker)
		LOG_WARN("verdictd at %s is NOT authenticated (insecure broker option): "
			 "anyone on the path can answer as verdictd", conf->addr);
	snprintf(rc.attester_type, sizeof(rc.attester_type), "%s",
		 conf->attester ? conf->attester : "");
	snprintf(rc.verifier_type, sizeof(rc.verifier_type), "%s",
		 conf->verifier ? conf->verifier : "nullverifier");
	c = calloc(1, sizeof(*c));
	if (!c) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	c->fd = -1;
	if (rats_tls_init(&rc, &c->h) != RATS_TLS_ERR_NONE) {
		eaa_fail(err, EAA_E_CONFIG, "librats-tls: %s", rats_tls_last_error());
		free(c);
		return NULL;
	}
	if ((c->fd = tcp_connect(conf->addr, err)) < 0)
		goto fail;
	if (rats_tls_conn_open(c->h, c->fd, &c->conn) != RATS_TLS_ERR_NONE) {
		c->conn = NULL;
		eaa_fail(err, EAA_E_REJECTED, "attestation to verdictd at %s failed: %s",
			 conf->addr, rats_tls_last_error());
		goto fail;
	}
	return c;
fail:
	aa_eaa_close(c);
	return NULL;
}

void aa_eaa_close(struct aa_eaa *c)
{
	if (!c)
		return;
	if (c->conn)
		rats_tls_conn_close(c->conn);
	if (c->fd >= 0)
		close(c->fd);
	rats_tls_cleanup(c->h);
	free(c);
}

/* One request and its JSON reply. */
static json_t *exchange(struct aa_eaa *c, json_t *req, struct eaa_err *err)
{
	char *text = json_dumps(req, JSON_COMPACT), *buf = NULL;
	size_t len, have = 0, cap = 0;
	json_error_t je;
	json_t *reply = NULL;

	if (!text) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	len = strlen(text);
	if (rats_tls_conn_write(c->conn, text, &len) != RATS_TLS_ERR_NONE) {
		eaa_fail(err, EAA_E_REJECTED, "verdictd refused the request: %s "
			 "(refused attestation?)", rats_tls_last_error());
		goto out;
	}
	/* read until the reply parses as one JSON object */
	while (!reply) {
		if (have == cap) {
			char *nb;

			cap = cap ? cap * 2 : 4096;
			if (cap > MAX_REPLY || !(nb = realloc(buf, cap + 1))) {
				eaa_fail(err, EAA_E_FORMAT, "verdictd's reply is too large");
				goto out;
			}
			buf = nb;
		}
		len = cap - have;
		if (rats_tls_conn_read(c->conn, buf + have, &len) != RATS_TLS_ERR_NONE ||
		    len == 0) {
			eaa_fail(err, EAA_E_REJECTED, "verdictd closed the connection: %s "
				 "(did its policy refuse our attestation?)", rats_tls_last_error());
			goto out;
		}
		have += len;
		reply = json_loadb(buf, have, 0, &je);
	}
out:
	free(text);
	free(buf);
	return reply;
}

bool aa_eaa_decrypt(struct aa_eaa *c, const char *kid, const uint8_t *data,
		    size_t n, const uint8_t *iv, size_t ivn, uint8_t **out,
		    size_t *outn, struct eaa_err *err)
{
	char *enc = base64_encode(data, n, false), *ivb = base64_encode(iv, ivn, false);
	json_t *req = enc && ivb ? json_pack("{s:s,s:[{s:s,s:s,s:s,s:i,s:s}]}", "command",
					      "Decrypt", "blobs", "kid", kid, "encrypted_data",
					      enc, "algorithm", "A256GCM", "key_length", 256,
					      "iv", ivb) : NULL;
	json_t *reply = req ? exchange(c, req, err) : NULL;
	const char *status = json_string_value(json_object_get(reply, "status"));
	const char *plain;
	bool ok = false;

	if (!req)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	else if (reply && (!status || strcmp(status, "OK") != 0))
		eaa_fail(err, EAA_E_REJECTED, "verdictd: %s",
			 json_string_value(json_object_get(reply, "error")) ?
			 json_string_value(json_object_get(reply, "error")) : "Decrypt failed");
	else if (reply) {
		plain = json_string_value(json_object_get(json_object_get(reply, "data"), enc));
		ok = plain && base64_decode(plain, false, out, outn);
		if (!ok)
			eaa_fail(err, EAA_E_FORMAT, "verdictd's Decrypt reply has no plaintext");
	}
	json_decref(req);
	json_decref(reply);
	free(enc);
	free(ivb);
	return ok;
}

/* A packet byte field: base64 text or an array of numbers. */
static bool field_bytes(json_t *v, uint8_t **out, size_t *n)
{
	size_t i;
	json_t *e;

	if (json_is_string(v))
		return base64_decode(json_string_value(v), false, out, n);
	if (!json_is_array(v) || json_array_size(v) > MAX_REPLY)
		return false;
	*n = json_array_size(v);
	if (!(*out = malloc(*n ? *n : 1)))
		return false;
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    json_integer_value(e) > 255) {
			free(*out);
			return false;
		}
		(*out)[i] = (uint8_t)json_integer_value(e);
	}
	return true;
}

bool aa_provider_packet_parse(const uint8_t *p, size_t n, char **kid, uint8_t **data,
			      size_t *dn, uint8_t **iv, size_t *ivn, struct eaa_err *err)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)p, n, 0, &je);
	const char *k = json_string_value(json_object_get(j, "kid"));
	const char *type = json_string_value(json_object_get(j, "wrap_type"));
	const char *alg = json_string_value(json_object_get(j, "algorithm"));
	bool ok = false;

	*kid = NULL;
	*data = *iv = NULL;
	if (!k || !((type && strcmp(type, "A256GCM") == 0) ||
		    (alg && strcmp(alg, "AES") == 0))) {
		eaa_fail(err, EAA_E_FORMAT, "key-provider packet: needs a kid and wrap_type "
			 "A256GCM (or algorithm AES)");
	} else if (!field_bytes(json_object_get(j, "wrapped_data"), data, dn) ||
		   !field_bytes(json_object_get(j, "iv"), iv, ivn)) {
		eaa_fail(err, EAA_E_FORMAT, "key-provider packet: wrapped_data and iv must be "
			 "base64 or byte arrays");
	} else {
		/* kbs:///repo/type/tag names the key repo/type/tag */
		const char *path = strncmp(k, "kbs://", 6) == 0 && strchr(k + 6, '/') ?
				   strchr(k + 6, '/') + 1 : k;

		ok = (*kid = strdup(path)) != NULL;
		if (!ok)
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	if (!ok) {
		free(*data);
		free(*iv);
		*data = *iv = NULL;
	}
	json_decref(j);
	return ok;
}

static bool unwrap_packet(struct aa_eaa *c, const uint8_t *p, size_t n,
			  uint8_t **opts, size_t *optsn, struct eaa_err *err)
{
	uint8_t *data, *iv;
	size_t dn, ivn;
	char *kid;
	bool ok;

	if (!aa_provider_packet_parse(p, n, &kid, &data, &dn, &iv, &ivn, err))
		return false;
	ok = aa_eaa_decrypt(c, kid, data, dn, iv, ivn, opts, optsn, err);
	free(kid);
	free(data);
	free(iv);
	return ok;
}

bool aa_eaa_unwrap_annotation(struct aa_eaa *c, const char *annotation,
			      uint8_t **opts, size_t *optsn, struct eaa_err *err)
{
	const char *p = annotation;

	eaa_fail(err, EAA_E_FORMAT, "provider annotation: no key packet");
	while (*p) {
		size_t len = strcspn(p, ",");
		char *one = strndup(p, len);
		uint8_t *pkt = NULL;
		size_t n;
		bool ok = false;

		if (one && base64_decode(one, false, &pkt, &n))
			ok = unwrap_packet(c, pkt, n, opts, optsn, err);
		else
			eaa_fail(err, EAA_E_FORMAT, "provider annotation: a packet is not base64");
		free(one);
		free(pkt);
		if (ok)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}
