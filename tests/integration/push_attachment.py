#!/usr/bin/env python3
"""push_attachment.py REGISTRY REPO MANIFEST_DIGEST PAYLOAD SIGNATURE_B64 -
a sigstore signature pushed as containers/image writes one: an OCI manifest
tagged sha256-<hex>.sig whose layer is the payload (media type
application/vnd.dev.cosign.simplesigning.v1+json) with the base64 signature
in the dev.cosignproject.cosign/signature annotation (Registry API v2
uploads over plain http, for a test registry on loopback)."""
import hashlib, json, sys, urllib.request

reg, repo, digest, payload_file, sig = sys.argv[1:6]
base = f"http://{reg}/v2/{repo}"


def upload(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    req = urllib.request.Request(f"{base}/blobs/uploads/", method="POST")
    loc = urllib.request.urlopen(req).headers["Location"]
    if loc.startswith("/"):
        loc = f"http://{reg}{loc}"
    sep = "&" if "?" in loc else "?"
    req = urllib.request.Request(f"{loc}{sep}digest={d}", data=data, method="PUT",
                                 headers={"Content-Type": "application/octet-stream"})
    urllib.request.urlopen(req)
    return d, len(data)


payload = open(payload_file, "rb").read()
pdig, psize = upload(payload)
config = json.dumps({"architecture": "", "os": "", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": [pdig]}}).encode()
cdig, csize = upload(config)
manifest = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdig, "size": csize},
    "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": pdig,
                "size": psize, "annotations": {"dev.cosignproject.cosign/signature": sig}}]}).encode()
tag = digest.replace(":", "-", 1) + ".sig"
req = urllib.request.Request(f"{base}/manifests/{tag}", data=manifest, method="PUT",
                             headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
urllib.request.urlopen(req)
