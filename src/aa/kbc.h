/* kbc.h - key broker clients (KBCs), by table: what the agent asks for a
 * layer key or a resource, and from whom. A KBC is named in aa_kbc_params
 * as "<kbc>::<uri>" (e.g. "eaa_kbc::10.0.0.1:20002"). */
#ifndef EAA_AA_KBC_H
#define EAA_AA_KBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "kp_packet.h"

/* Everything a KBC may take from the agent's configuration. */
struct aa_kbc_conf {
	/* eaa_kbc */
	const char *attester;        /* our evidence; NULL or "" detects the TEE */
	const char *broker_verifier; /* verifier for verdictd's certificate */
	const char *broker_pubkey;   /* pinned verdictd TLS key (PEM file) */
	const char *broker_ca;       /* CA that issued verdictd's certificate */
	const char *broker_name;     /* the name or IP verdictd's CA-issued
					certificate must be for (NULL: the
					host in aa_kbc_params) */
	const char *broker_policy;   /* Rego file over verdictd's claims;
					required with broker_verifier */
	const char *broker_tcb;      /* accepted tcb_status values, comma-
					separated (NULL: UpToDate) */
	int broker_timeout;          /* seconds for each connect, read and
					write to verdictd (0: 60) */
	bool insecure_broker;        /* accept any verdictd (warned on use) */
	const char *const *options;  /* librats-tls instance options */
	long ttl;                    /* seconds an attested channel is reused;
					0: for the agent's lifetime */
	/* offline_fs_kbc */
	const char *keys_file;       /* default /etc/aa-offline_fs_kbc-keys.json */
	const char *resources_file;  /* default /etc/aa-offline_fs_kbc-resources.json */
	/* sample_kbc and the sample attester: test material, never implied */
	bool allow_sample;
	/* cc_kbc with the sample attester: send trustee's unsigned sample
	 * evidence {"svn", "report_data"} instead of our signed report, for a
	 * KBS that takes only that (trustee's); it proves nothing */
	bool kbs_sample_trustee;
	/* callers one KBC instance may hold at once (0: no bound): fewer
	 * than the gRPC workers of a service, so a stalled broker never
	 * takes every worker, even before it is known to be slow. One more
	 * caller waits briefly for a place (agent.c), so a broker that
	 * answers serves every caller. */
	unsigned max_callers;
};

struct aa_kbc_ops {
	const char *name;
	const char *what;      /* one line for --list */
	/* NULL: the slot is reserved, the KBC not built */
	void *(*open)(const char *uri, const struct aa_kbc_conf *conf,
		      struct eaa_err *err);
	/* unwrap and resource may run on several threads at once (the KBC
	 * orders its requests itself); false: the agent runs one at a time
	 * per instance */
	bool concurrent;
	/* The PrivateLayerBlockCipherOptions in one key packet (malloc'd). */
	bool (*unwrap)(void *kbc, const struct kp_packet *pkt, uint8_t **out,
		       size_t *n, struct eaa_err *err);
	/* Optional: unwrap without waiting, on a channel already attested.
	 * True: done is called once, later, from another thread (out is
	 * the KBC's: copy it); false: not started (no usable channel, or
	 * it would wait), done never called: use unwrap. A channel that fails
	 * after the request went out fails done with EAA_E_CLOSED, which
	 * unwrap would have retried on a new channel. */
	bool (*unwrap_async)(void *kbc, const struct kp_packet *pkt,
			     void (*done)(void *arg, bool ok, const uint8_t *out, size_t n,
					  const struct eaa_err *err),
			     void *arg);
	/* Optional: a resource without waiting, as unwrap_async. */
	bool (*resource_async)(void *kbc, const char *path,
			       void (*done)(void *arg, bool ok, const uint8_t *out, size_t n,
					    const struct eaa_err *err),
			       void *arg);
	/* A resource <repo>/<type>/<tag> (malloc'd). */
	bool (*resource)(void *kbc, const char *path, uint8_t **out, size_t *n,
			 struct eaa_err *err);
	void (*close)(void *kbc);
};

extern const struct aa_kbc_ops aa_kbc_eaa, aa_kbc_offline_fs, aa_kbc_sample,
	aa_kbc_cc;
/* NULL-terminated, in --list order. */
extern const struct aa_kbc_ops *const aa_kbcs[];

const struct aa_kbc_ops *aa_kbc_find(const char *name);

/* "<kbc>::<uri>" into its parts (name copied into name[64], *uri points
 * into params). */
bool aa_kbc_params_split(const char *params, char name[64], const char **uri,
			 struct eaa_err *err);

/* A key packet opened locally with its KEK (key, keyn bytes; AES-256-GCM,
 * as verdictd wraps): the PrivateLayerBlockCipherOptions (malloc'd). who
 * names the KBC in the error. */
bool aa_kbc_unwrap_with(const char *who, const struct kp_packet *pkt, const uint8_t *key,
			size_t keyn, uint8_t **out, size_t *n, struct eaa_err *err);

/* "kbs:///repo/type/tag", "kbs://host/repo/type/tag" or "repo/type/tag"
 * into "repo/type/tag" (a pointer into uri), checked: three non-empty
 * segments of [A-Za-z0-9._-] not "." or "..". */
const char *aa_resource_path(const char *uri, struct eaa_err *err);

#endif
