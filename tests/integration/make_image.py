#!/usr/bin/env python3
"""make_image.py OUT LAYER... - an OCI image layout OUT with one layer per
argument, built by hand so that layers can hold what no honest tool writes.

A LAYER is a comma-separated list of entries, with an optional compression
prefix ("gz:" default, "zst:", "raw:"):
  f:NAME=TEXT      a file          d:NAME           a directory
  l:NAME>TARGET    a symlink       h:NAME>TARGET    a hard link
Names go into the tar exactly as given ("../x" and "/x" included)."""
import gzip, hashlib, io, json, os, subprocess, sys, tarfile

out = sys.argv[1]
os.makedirs(out + "/blobs/sha256")


def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{d}", "wb").write(data)
    return "sha256:" + d, len(data)


def layer(spec):
    comp, _, spec = spec.partition(":") if spec.split(":", 1)[0] in ("gz", "zst", "raw") \
        else ("gz", ":", spec)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in spec.split(","):
            kind, rest = e.split(":", 1)
            if kind == "f":
                name, text = rest.split("=", 1)
                info = tarfile.TarInfo(name)
                data = text.encode()
                info.size, info.mode = len(data), 0o644
                t.addfile(info, io.BytesIO(data))
                continue
            info = tarfile.TarInfo(rest.split(">")[0])
            if kind == "d":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind in ("l", "h"):
                info.type = tarfile.SYMTYPE if kind == "l" else tarfile.LNKTYPE
                info.linkname = rest.split(">", 1)[1]
            t.addfile(info)
    raw = buf.getvalue()
    if comp == "gz":
        return gzip.compress(raw, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip", raw
    if comp == "zst":
        z = subprocess.run(["zstd", "-q", "-c"], input=raw, capture_output=True, check=True).stdout
        return z, "application/vnd.oci.image.layer.v1.tar+zstd", raw
    return raw, "application/vnd.oci.image.layer.v1.tar", raw


layers, diff_ids = [], []
for spec in sys.argv[2:]:
    data, mt, raw = layer(spec)
    d, n = blob(data)
    layers.append({"mediaType": mt, "digest": d, "size": n})
    diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
config = json.dumps({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
cdig, csize = blob(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": cdig, "size": csize},
                       "layers": layers}).encode()
mdig, msize = blob(manifest)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": mdig, "size": msize}]}, open(out + "/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(out + "/oci-layout", "w"))
print(" ".join(l["digest"] for l in layers))
