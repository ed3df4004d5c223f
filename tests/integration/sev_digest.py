#!/usr/bin/env python3
"""sev_digest.py - an independent check of `verdict --derive sev` and
`--derive csv`, written from the published algorithms, not from our C:

  launch digest = H(firmware image || kernel hashes table)

where the table is QEMU's (target/i386/sev.c; the layout simple-kbs's
calculate_sev_launch_digest.py and Hygon's calculate_hash.py build):
GUID 9438d606-... | u16 168 | three entries {GUID, u16 50, SHA-256}
for the command line (with its NUL), the initrd and the kernel, zero
padded to 176 bytes. H is SHA-256 for SEV; for Hygon CSV it is SM3, done
here in pure Python from GB/T 32905-2016 (no OpenSSL, no pysmx), checked
against the standard's examples before use.

  sev_digest.py sha256|sm3 OVMF KERNEL INITRD|- CMDLINE_BYTES_FILE
prints the digest in base64. CMDLINE_BYTES_FILE holds the exact bytes
hashed for the command line (the caller adds the NUL)."""
import base64
import hashlib
import struct
import sys
import uuid

IV = [0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600,
      0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E]
M32 = 0xFFFFFFFF


def rotl(x, n):
    n %= 32
    return ((x << n) | (x >> (32 - n))) & M32


def p0(x):
    return x ^ rotl(x, 9) ^ rotl(x, 17)


def p1(x):
    return x ^ rotl(x, 15) ^ rotl(x, 23)


def compress(v, block):
    w = list(struct.unpack(">16I", block))
    for j in range(16, 68):
        w.append(p1(w[j - 16] ^ w[j - 9] ^ rotl(w[j - 3], 15)) ^ rotl(w[j - 13], 7) ^ w[j - 6])
    w1 = [w[j] ^ w[j + 4] for j in range(64)]
    a, b, c, d, e, f, g, h = v
    for j in range(64):
        t = 0x79CC4519 if j < 16 else 0x7A879D8A
        ss1 = rotl((rotl(a, 12) + e + rotl(t, j)) & M32, 7)
        ss2 = ss1 ^ rotl(a, 12)
        if j < 16:
            ff, gg = a ^ b ^ c, e ^ f ^ g
        else:
            ff = (a & b) | (a & c) | (b & c)
            gg = (e & f) | (~e & g)
        tt1 = (ff + d + ss2 + w1[j]) & M32
        tt2 = (gg + h + ss1 + w[j]) & M32
        d, c, b, a = c, rotl(b, 9), a, tt1
        h, g, f, e = g, rotl(f, 19), e, p0(tt2)
    return [x ^ y for x, y in zip(v, (a, b, c, d, e, f, g, h))]


def sm3(data):
    n = len(data)
    msg = data + b"\x80" + b"\x00" * ((55 - n) % 64) + struct.pack(">Q", n * 8)
    v = IV
    for i in range(0, len(msg), 64):
        v = compress(v, msg[i:i + 64])
    return struct.pack(">8I", *v)


# GB/T 32905-2016 appendix A
assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
assert sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def guid(s):
    return uuid.UUID(s).bytes_le


def table(kernel, initrd, cmdline):
    entries = b""
    for g, data in (("97d02dd8-bd20-4c94-aa78-e7714d36ab2a", cmdline),
                    ("44baf731-3a2f-4bd7-9af1-41e29169781d", initrd),
                    ("4de79437-abd2-427f-b835-d5b172d2045b", kernel)):
        entries += guid(g) + struct.pack("<H", 50) + hashlib.sha256(data).digest()
    t = guid("9438d606-4f22-4cc9-b479-a793d411fd21") + struct.pack("<H", 18 + len(entries)) + entries
    return t + b"\x00" * (-len(t) % 16)


def main():
    algo, ovmf, kernel, initrd, cmdline = sys.argv[1:6]
    read = lambda p: open(p, "rb").read()
    data = read(ovmf) + table(read(kernel), b"" if initrd == "-" else read(initrd), read(cmdline))
    d = hashlib.sha256(data).digest() if algo == "sha256" else sm3(data)
    print(base64.b64encode(d).decode())


if __name__ == "__main__":
    main()
