#!/usr/bin/python3
"""kp_grpc_client.py ADDR - call verdictd's keyprovider.KeyProviderService as
ocicrypt does (unary calls whose messages hold the protocol JSON in field 1;
ADDR is HOST:PORT or unix:PATH) and print one line per check: wrap, then
unwrap of what was wrapped (verdictd refuses it: unwrapping is the agent's),
then the errors for a missing kid, an unknown method and a malformed
message."""
import base64, json, sys
import grpc

addr = sys.argv[1]
ch = grpc.insecure_channel(addr)


def field1(b):
    n, shift, v = len(b), 0, bytearray()
    while True:
        v.append((n & 0x7f) | (0x80 if n > 0x7f else 0))
        n >>= 7
        if not n:
            break
    return b"\x0a" + bytes(v) + b


def unfield1(resp):
    i, n, shift = 1, 0, 0
    while True:
        c = resp[i]
        n |= (c & 0x7f) << shift
        i, shift = i + 1, shift + 7
        if not c & 0x80:
            return resp[i:i + n]


def call(method, raw):
    f = ch.unary_unary("/keyprovider.KeyProviderService/" + method,
                       request_serializer=lambda x: x, response_deserializer=lambda x: x)
    try:
        return "ok", f(raw, timeout=10)
    except grpc.RpcError as e:
        return e.code().name, e.details()


def wrap_input(kid, opts):
    return json.dumps({"op": "keywrap", "keywrapparams": {
        "ec": {"Parameters": {"attestation-agent": [base64.b64encode(kid.encode()).decode()]},
               "DecryptConfig": {"Parameters": {}}},
        "optsdata": base64.b64encode(opts).decode()}}).encode()


opts = b'{"cipher":"AES_256_CTR_HMAC_SHA256","key":"c2VjcmV0"}'
status, resp = call("WrapKey", field1(wrap_input("default/key/1", opts)))
ann = json.loads(unfield1(resp))["keywrapresults"]["annotation"] if status == "ok" else ""
ann = base64.b64encode(bytes(ann)).decode() if ann else ""
print("wrap", status, base64.b64decode(ann).decode() if ann else resp)
status, resp = call("UnWrapKey", field1(json.dumps({"op": "keyunwrap", "keyunwrapparams": {
    "dc": {"Parameters": {}}, "annotation": ann}}).encode()))
got = bytes(json.loads(unfield1(resp))["keyunwrapresults"]["optsdata"]) if status == "ok" else b""
print("unwrap", status, ("same" if got == opts else "different") if status == "ok" else resp)
print("missing-kid", *call("WrapKey", field1(wrap_input("default/key/9", opts))))
print("unknown-method", *call("GetKey", field1(b"{}")))
print("malformed", *call("WrapKey", b"\x0a\xff\xff"))
