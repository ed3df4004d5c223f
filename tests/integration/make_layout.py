#!/usr/bin/env python3
"""make_layout.py DIR - a one-layer OCI image layout, built by hand (a
gzipped tar with one file); prints the layer's digest."""
import gzip, hashlib, io, json, os, sys, tarfile

out = sys.argv[1]
os.makedirs(out + "/blobs/sha256")


def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{d}", "wb").write(data)
    return "sha256:" + d, len(data)


tar = io.BytesIO()
with tarfile.open(fileobj=tar, mode="w") as t:
    data = b"a secret workload\n" * 20000
    info = tarfile.TarInfo("app/secret.txt")
    info.size, info.mtime = len(data), 0
    t.addfile(info, io.BytesIO(data))
raw = tar.getvalue()
layer, lsize = blob(gzip.compress(raw, mtime=0))
config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers",
    "diff_ids": ["sha256:" + hashlib.sha256(raw).hexdigest()]}}).encode()
cdig, csize = blob(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdig, "size": csize},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer,
                "size": lsize}]}).encode()
mdig, msize = blob(manifest)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": mdig, "size": msize, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]},
    open(out + "/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(out + "/oci-layout", "w"))
print(layer)
