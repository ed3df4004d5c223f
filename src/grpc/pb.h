/* pb.h - the little protobuf the key-provider and get-resource services
 * need: messages whose fields are strings or bytes. Read with the bounded
 * reader, written with the growing writer. */
#ifndef EAA_PB_H
#define EAA_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bytes.h"

/* The last occurrence of length-delimited field `field` in a message
 * (protobuf's "last one wins"); absent gives an empty span. False when the
 * message does not parse or the field has another wire type. */
bool pb_get_bytes(const uint8_t *p, size_t n, uint32_t field,
		  const uint8_t **out, size_t *outn);

/* Append field `field` as length-delimited bytes. */
void pb_put_bytes(struct wr *w, uint32_t field, const void *p, size_t n);

#endif
