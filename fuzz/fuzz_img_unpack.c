/* fuzz_img_unpack - layer blobs (tar, gzip, zstd) through the unpacker:
 * names, links, whiteouts and archive framing from untrusted bytes. Each
 * input is a layer whose digest is the input's own, unpacked into a fresh
 * root under a private temporary directory, which is then removed. */
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "codec.h"
#include "unpack.h"

static char dir[] = "/tmp/fuzz_img_unpack-XXXXXX";

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	return strcmp(p, dir) == 0 ? 0 : remove(p);
}

static void remove_dir(void)
{
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char blob[64], root[64], digest[80], *hex;
	unsigned char md[32];
	struct img_layer layer = { blob, digest };
	struct eaa_err err;
	int fd;

	snprintf(blob, sizeof(blob), "%s/layer", dir);
	snprintf(root, sizeof(root), "%s/root", dir);
	fd = open(blob, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	EVP_Digest(data, size, md, NULL, EVP_sha256(), NULL);
	hex = hex_encode(md, 32);
	snprintf(digest, sizeof(digest), "sha256:%s", hex ? hex : "");
	free(hex);
	(void)img_unpack(&layer, 1, root, &err);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
