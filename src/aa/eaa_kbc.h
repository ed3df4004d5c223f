/* eaa_kbc.h - the agent's side of the EAA protocol (docs/eaa-protocol.md):
 * attest to verdictd over librats-tls and ask it to unwrap layer keys.
 * One attested connection serves every request of its lifetime, from any
 * number of threads at once: each request is written whole, in turn, and
 * its reply is the one in the same place of verdictd's answers (verdictd
 * answers a channel's requests in order), so requests are pipelined, not
 * serialised by a round trip each. A failure that leaves the stream
 * unknown fails every request on it. */
#ifndef EAA_AA_EAA_KBC_H
#define EAA_AA_EAA_KBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

struct aa_eaa;
struct aa_broker_policy;

struct aa_eaa_conf {
	const char *addr;        /* verdictd's "IP:PORT" */
	const char *attester;    /* our evidence ("sample", "tdx_ecdsa", ...) */
	const char *verifier;    /* for verdictd's certificate; NULL with
				    insecure_broker only */
	bool insecure_broker;    /* accept any verdictd (warned on use) */
	const char *const *options; /* librats-tls instance options */
	/* verdictd's claims must satisfy this (NULL: no claims check) */
	const struct aa_broker_policy *policy;
	int timeout_s;           /* each connect, read and write (0: 60) */
};

struct aa_eaa *aa_eaa_connect(const struct aa_eaa_conf *conf,
			      struct eaa_err *err);
void aa_eaa_close(struct aa_eaa *c);

/* Whether the channel can carry another request: no failure has left its
 * stream in an unknown state, and verdictd has not closed it meanwhile
 * (its idle timeout, a restart; seen only while no reply is due: with
 * requests in flight, a closed channel fails them instead). An
 * application-level "Fail" answer leaves the channel usable. */
bool aa_eaa_usable(struct aa_eaa *c);

/* Decrypt: AES-256-GCM data (ciphertext || tag) under kid's KEK with iv,
 * done by verdictd. *out is malloc'd. */
bool aa_eaa_decrypt(struct aa_eaa *c, const char *kid, const uint8_t *data,
		    size_t n, const uint8_t *iv, size_t ivn, uint8_t **out,
		    size_t *outn, struct eaa_err *err);

/* The answer to an asynchronous request: ok with the plaintext (out,
 * wiped and freed after the call: copy it), or err. Called once, from the
 * channel's reader thread, not under any lock of the channel; it may close
 * the channel. */
typedef void (*aa_eaa_decrypt_cb)(void *arg, bool ok, const uint8_t *out, size_t n,
				  const struct eaa_err *err);

/* Decrypt without waiting: the request is written now, in turn, and cb
 * called with the reply when the channel's reader thread (started on the
 * first such request) reads it. False (err, cb never called) when it
 * cannot be sent without waiting: the channel is broken (EAA_E_CLOSED,
 * or another code from its failure), another request is part-written or
 * too many are in flight (EAA_E_IO): the caller may then use
 * aa_eaa_decrypt. A channel failure after sending fails cb with the
 * failure's code (EAA_E_CLOSED when verdictd closed or did not answer). */
bool aa_eaa_decrypt_async(struct aa_eaa *c, const char *kid, const uint8_t *data,
			  size_t n, const uint8_t *iv, size_t ivn, aa_eaa_decrypt_cb cb,
			  void *arg, struct eaa_err *err);

/* A resource without waiting, as aa_eaa_decrypt_async: Get Resource Info
 * is written now; when its reply comes the reader thread writes Get
 * Resource, and cb gets the resource (out) or the failure. A channel that
 * cannot take the second request then fails cb with EAA_E_CLOSED. */
bool aa_eaa_resource_async(struct aa_eaa *c, const char *path, aa_eaa_decrypt_cb cb,
			   void *arg, struct eaa_err *err);

/* The private layer options from a provider annotation (comma-separated
 * base64 packets {"kid","wrapped_data","iv","wrap_type"} or the older
 * byte-array form), unwrapped by verdictd. */
bool aa_eaa_unwrap_annotation(struct aa_eaa *c, const char *annotation,
			      uint8_t **opts, size_t *optsn,
			      struct eaa_err *err);

/* A resource <repo>/<type>/<tag> (Get Resource Info, then Get Resource).
 * *out is malloc'd. */
bool aa_eaa_resource(struct aa_eaa *c, const char *path, uint8_t **out,
		     size_t *outn, struct eaa_err *err);

#endif
