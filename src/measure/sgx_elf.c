/* sgx_elf.c - walk a signed enclave's ELF64 headers to its sgx_metadata
 * note and the SIGSTRUCT in it (sgx_elf.h). The file is the owner's and
 * untrusted: every offset and size is taken through the bounded reader,
 * so a header pointing outside the file is refused, never followed. */
#include <inttypes.h>
#include <string.h>
#include "sgx_elf.h"
#include "sigstruct.h"

#define EHDR_SIZE 64u
#define SHDR_SIZE 64u
#define EM_X86_64 62u
#define SHT_NOTE 7u
#define SHT_NOBITS 8u
#define SHN_XINDEX 0xffffu
#define NOTE_HEADER 12u
#define META_CSS_OFFSET 64u   /* enclave_css within metadata_t */

static const char meta_section[] = ".note.sgxmeta";
static const char meta_name[] = "sgx_metadata";   /* namesz counts the NUL */

struct shdr {
	uint32_t name, type;
	uint64_t offset, size;
};

/* The len bytes at off in the image, or false when they are not all in it. */
static bool slice(const uint8_t *img, size_t n, uint64_t off, uint64_t len, struct rd *out)
{
	struct rd r = rd_init(img, n);

	return off <= SIZE_MAX && len <= SIZE_MAX && rd_skip(&r, (size_t)off) &&
	       rd_sub(&r, (size_t)len, out);
}

static bool read_shdr(struct rd *r, struct shdr *s)
{
	uint64_t flags, addr, align, entsize;
	uint32_t link, info;

	return rd_u32le(r, &s->name) && rd_u32le(r, &s->type) && rd_u64le(r, &flags) &&
	       rd_u64le(r, &addr) && rd_u64le(r, &s->offset) && rd_u64le(r, &s->size) &&
	       rd_u32le(r, &link) && rd_u32le(r, &info) && rd_u64le(r, &align) &&
	       rd_u64le(r, &entsize);
}

/* Does the NUL-terminated string at off in strtab equal want? */
static bool name_is(const struct rd *strtab, uint32_t off, const char *want)
{
	struct rd r = *strtab;
	size_t len = strlen(want) + 1;
	char got[32];

	if (len > sizeof(got) || !rd_skip(&r, off) || !rd_bytes(&r, got, len))
		return false;
	return memcmp(got, want, len) == 0;
}

/* The section headers and the section-name table. */
static bool read_sections(const uint8_t *img, size_t n, struct rd *table, uint16_t *count,
			  struct rd *strtab, struct eaa_err *err)
{
	struct rd r = rd_init(img, n), t;
	uint8_t ident[16];
	uint16_t type, machine, ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
	uint32_t version, flags;
	uint64_t entry, phoff, shoff;
	struct shdr names;
	size_t i;

	if (!rd_bytes(&r, ident, sizeof(ident)))
		return eaa_fail(err, EAA_E_FORMAT, "ELF header: the file is %zu bytes", n);
	if (memcmp(ident, "\177ELF", 4) != 0)
		return eaa_fail(err, EAA_E_FORMAT, "not an ELF file (no \\177ELF at offset 0)");
	if (ident[4] != 2 || ident[5] != 1)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"ELF class %u, data %u: an SGX enclave is ELF64 little-endian",
				ident[4], ident[5]);
	if (!rd_u16le(&r, &type) || !rd_u16le(&r, &machine) || !rd_u32le(&r, &version) ||
	    !rd_u64le(&r, &entry) || !rd_u64le(&r, &phoff) || !rd_u64le(&r, &shoff) ||
	    !rd_u32le(&r, &flags) || !rd_u16le(&r, &ehsize) || !rd_u16le(&r, &phentsize) ||
	    !rd_u16le(&r, &phnum) || !rd_u16le(&r, &shentsize) || !rd_u16le(&r, &shnum) ||
	    !rd_u16le(&r, &shstrndx))
		return eaa_fail(err, EAA_E_FORMAT, "ELF header: the file is %zu bytes", n);
	if (machine != EM_X86_64)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"ELF e_machine %u: an SGX enclave is x86-64 (62)", machine);
	if (shoff == 0 || shnum == 0)
		return eaa_fail(err, EAA_E_CONFIG,
				"no sgx_metadata note: the ELF has no section headers "
				"(e_shoff %" PRIu64 ", e_shnum %u)", shoff, shnum);
	if (shentsize != SHDR_SIZE)
		return eaa_fail(err, EAA_E_FORMAT, "ELF e_shentsize is %u, not %u", shentsize,
				SHDR_SIZE);
	if (shstrndx == 0 || shstrndx >= shnum || shstrndx == SHN_XINDEX)
		return eaa_fail(err, EAA_E_FORMAT,
				"ELF e_shstrndx %u is not a section (e_shnum %u)", shstrndx, shnum);
	if (!slice(img, n, shoff, (uint64_t)shnum * SHDR_SIZE, table))
		return eaa_fail(err, EAA_E_FORMAT,
				"ELF section headers (%u at offset %" PRIu64 ") end past the file's %zu bytes",
				shnum, shoff, n);
	t = *table;
	for (i = 0; i <= shstrndx; i++)
		if (!read_shdr(&t, &names))
			return eaa_fail(err, EAA_E_FORMAT, "ELF section header %zu", i);
	if (names.type == SHT_NOBITS ||
	    !slice(img, n, names.offset, names.size, strtab))
		return eaa_fail(err, EAA_E_FORMAT,
				"ELF section-name table (section %u: %" PRIu64 " bytes at offset %"
				PRIu64 ") is not in the file", shstrndx, names.size, names.offset);
	*count = shnum;
	return true;
}

/* The descriptor of the sgx_metadata note that fills .note.sgxmeta. */
static bool find_note(const uint8_t *img, size_t n, struct rd *desc, struct eaa_err *err)
{
	struct rd table, strtab, sec;
	struct shdr s;
	uint32_t namesz, descsz, type;
	char name[sizeof(meta_name)];
	uint16_t count = 0, i;

	if (!read_sections(img, n, &table, &count, &strtab, err))
		return false;
	for (i = 0; i < count; i++) {
		if (!read_shdr(&table, &s))
			return eaa_fail(err, EAA_E_FORMAT, "ELF section header %u", i);
		if (name_is(&strtab, s.name, meta_section))
			break;
	}
	if (i == count)
		return eaa_fail(err, EAA_E_CONFIG,
				"no sgx_metadata note: the ELF has no %s section "
				"(not an enclave signed by sgx_sign?)", meta_section);
	if (s.type != SHT_NOTE)
		return eaa_fail(err, EAA_E_FORMAT, "%s (section %u) has type %u, not SHT_NOTE",
				meta_section, i, s.type);
	if (!slice(img, n, s.offset, s.size, &sec))
		return eaa_fail(err, EAA_E_FORMAT,
				"%s (section %u: %" PRIu64 " bytes at offset %" PRIu64
				") ends past the file's %zu bytes", meta_section, i, s.size, s.offset, n);
	if (!rd_u32le(&sec, &namesz) || !rd_u32le(&sec, &descsz) || !rd_u32le(&sec, &type))
		return eaa_fail(err, EAA_E_FORMAT, "%s: note header cut short", meta_section);
	if (namesz != sizeof(meta_name) || !rd_bytes(&sec, name, sizeof(name)) ||
	    memcmp(name, meta_name, sizeof(name)) != 0)
		return eaa_fail(err, EAA_E_CONFIG,
				"no sgx_metadata note: the note in %s is not named \"%s\" "
				"(namesz %" PRIu32 ")", meta_section, meta_name, namesz);
	/* the SDK's descriptor follows the name unpadded (metadata_sec.S) */
	if (!rd_sub(&sec, descsz, desc))
		return eaa_fail(err, EAA_E_FORMAT,
				"sgx_metadata note: descsz %" PRIu32 " is more than the %zu bytes left in %s",
				descsz, rd_left(&sec), meta_section);
	return true;
}

/* Metadata versions this reader knows: majors 1, 2, 3, and 11..13 (the
 * same plus SGX_MAJOR_VERSION_GAP for enclaves with an ELRANGE). */
static bool known_version(uint64_t version)
{
	uint32_t major = (uint32_t)(version >> 32);

	return (major >= 1 && major <= 3) || (major >= 11 && major <= 13);
}

bool sgx_elf_metadata(const uint8_t *img, size_t n, struct sgx_elf_meta *m,
		      struct eaa_err *err)
{
	uint8_t first_css[SIGSTRUCT_SIZE], css[SIGSTRUCT_SIZE];
	struct rd desc, entry, look, css_rd, copy;
	uint64_t magic, version, enclave_size;
	uint32_t size;
	size_t at;

	memset(m, 0, sizeof(*m));
	if (!find_note(img, n, &desc, err))
		return false;
	at = 0;
	while (rd_left(&desc) >= 8) {
		look = desc;
		if (!rd_u64le(&look, &magic) || magic != SGX_METADATA_MAGIC) {
			/* metadata_sec.S reserves the note zero-filled; sgx_sign
			 * fills it in when it signs */
			if (m->entries == 0 && rd_all_zero(&desc))
				return eaa_fail(err, EAA_E_CONFIG,
						"no SGX metadata: the sgx_metadata note is all zero, "
						"the placeholder of an enclave not yet signed (sgx_sign sign)");
			if (m->entries == 0)
				return eaa_fail(err, EAA_E_UNSUPPORTED,
						"sgx_metadata note: magic 0x%016" PRIx64
						" is not 0x%016llx (not SDK metadata)",
						magic, SGX_METADATA_MAGIC);
			break;   /* the rest of the note is the signer's zero fill */
		}
		if (!rd_u64le(&look, &version) || !rd_u32le(&look, &size))
			return eaa_fail(err, EAA_E_FORMAT,
					"sgx_metadata entry %u (note offset %zu) cut short",
					m->entries, at);
		if (size < META_CSS_OFFSET + SIGSTRUCT_SIZE || !rd_sub(&desc, size, &entry))
			return eaa_fail(err, EAA_E_FORMAT,
					"sgx_metadata entry %u (note offset %zu): size %" PRIu32
					" is not from %u to the %zu bytes left",
					m->entries, at, size, META_CSS_OFFSET + SIGSTRUCT_SIZE,
					rd_left(&desc));
		if (!rd_skip(&entry, 40) || !rd_u64le(&entry, &enclave_size) ||
		    !rd_skip(&entry, 16) || !rd_sub(&entry, SIGSTRUCT_SIZE, &css_rd))
			return eaa_fail(err, EAA_E_FORMAT, "sgx_metadata entry %u", m->entries);
		copy = css_rd;
		if (!rd_bytes(&copy, css, sizeof(css)))
			return eaa_fail(err, EAA_E_FORMAT, "sgx_metadata entry %u", m->entries);
		if (m->entries == 0) {
			if (!known_version(version))
				return eaa_fail(err, EAA_E_UNSUPPORTED,
						"sgx_metadata version %" PRIu32 ".%" PRIu32
						" is not one this reader knows (1.x to 3.x, 11.x to 13.x)",
						(uint32_t)(version >> 32), (uint32_t)version);
			memcpy(first_css, css, sizeof(css));
			m->version = version;
			m->enclave_size = enclave_size;
			m->sigstruct = css_rd;
		} else if (memcmp(first_css, css, sizeof(css)) != 0) {
			/* the loader may pick this entry: which identity launches
			 * is then not the one we would derive */
			return eaa_fail(err, EAA_E_FORMAT,
					"sgx_metadata entry %u (version %" PRIu32 ".%" PRIu32
					") carries a SIGSTRUCT other than entry 0's",
					m->entries, (uint32_t)(version >> 32), (uint32_t)version);
		}
		m->entries++;
		at += size;
	}
	if (m->entries == 0)
		return eaa_fail(err, EAA_E_FORMAT,
				"sgx_metadata note: descsz %zu is too short for metadata", rd_left(&desc));
	return true;
}
