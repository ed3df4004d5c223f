/* plain_tls.h - the baseline for new attested channels: a plain OpenSSL
 * TLS 1.3 server and client, no attestation, with the same key type and
 * the same exchange as a key release (bench/plain_tls.c). */
#ifndef EAA_BENCH_PLAIN_TLS_H
#define EAA_BENCH_PLAIN_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <openssl/ssl.h>

/* Fork a server on 127.0.0.1 (a free port, in *port): workers threads
 * accept in turn, and on each connection do the mutual TLS 1.3 handshake
 * (P-256 self-signed certificates, each side's pinned by the other), read
 * one request, write reply, close. *client gets the client's context (the
 * caller frees it). Returns the server's pid; dies on failure. */
pid_t plain_server_start(int workers, const char *reply, int *port, SSL_CTX **client);

/* One release as a client: connect, handshake, send req, read the reply,
 * which must contain expect; shut down and close. */
bool plain_release(SSL_CTX *client, int port, const char *req, size_t len,
		   const char *expect);

#endif
