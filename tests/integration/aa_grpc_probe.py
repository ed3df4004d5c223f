#!/usr/bin/python3
"""aa_grpc_probe.py CHECK ADDR [ARGS] - gRPC calls to the attestation agent
that its own clients never make, one line out per check:

  big ADDR SIZE PID     an UnWrapKey message of SIZE bytes; prints the status
                        and how much the agent's peak RSS (VmHWM of PID) grew,
                        in kB: "big RESOURCE_EXHAUSTED grew=1234"
  idle ADDR PATH        a GetResource call that never sends its message, then
                        a normal GetResource call for PATH on the same
                        connection (5 s deadline): "second OK" or its status;
                        then how the idle call ended: "idle DEADLINE_EXCEEDED"
  dc ADDR ANNOTATION    UnWrapKey of one packet with the dc parameter as
                        ocicrypt sends it for "provider:attestation-agent"
                        without a KBC: "Enabled" (base64), a bare "Enabled",
                        and an empty list: "dc <case> <status>" each
  busy ADDR PATH N M    N callers at once, each on its own connection, each
                        making M GetResource calls for PATH one after another:
                        the count of each status, "busy OK=120"
"""
import base64, collections, json, sys, threading
import grpc

KP = "/keyprovider.KeyProviderService/UnWrapKey"
GR = "/getresource.GetResourceService/GetResource"


def field(num, b):
    n, v = len(b), bytearray()
    while True:
        v.append((n & 0x7f) | (0x80 if n > 0x7f else 0))
        n >>= 7
        if not n:
            break
    return bytes([num << 3 | 2]) + bytes(v) + b


def ident(x):
    return x


def hwm(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no VmHWM")


def big(addr, size, pid):
    ch = grpc.insecure_channel(addr, options=[("grpc.max_send_message_length", -1)])
    before = hwm(pid)
    f = ch.unary_unary(KP, request_serializer=ident, response_deserializer=ident)
    try:
        f(b"\x0a" + b"\x00" * int(size), timeout=60)
        status = "OK"
    except grpc.RpcError as e:
        status = e.code().name
    print(f"big {status} grew={hwm(pid) - before}")


def idle(addr, path):
    ch = grpc.insecure_channel(addr)
    never = threading.Event()

    def nothing():
        never.wait()  # the message never comes
        yield b""

    stuck = ch.stream_unary(GR, request_serializer=ident,
                            response_deserializer=ident).future(nothing(), timeout=20)
    f = ch.unary_unary(GR, request_serializer=ident, response_deserializer=ident)
    try:
        f(field(1, path.encode()), timeout=5)
        print("second OK", flush=True)
    except grpc.RpcError as e:
        print("second", e.code().name, e.details(), flush=True)
    try:
        stuck.result(timeout=30)
        print("idle OK")
    except grpc.FutureTimeoutError:
        print("idle still running")
    except grpc.RpcError as e:
        print("idle", e.code().name, e.details())
    never.set()


def dc(addr, annotation):
    ch = grpc.insecure_channel(addr)
    f = ch.unary_unary(KP, request_serializer=ident, response_deserializer=ident)
    cases = {"enabled-b64": [base64.b64encode(b"Enabled").decode()],
             "enabled-text": ["Enabled"], "empty": []}
    for name, params in cases.items():
        req = {"op": "keyunwrap", "keyunwrapparams": {
            "dc": {"Parameters": {"attestation-agent": params}}, "annotation": annotation}}
        try:
            f(field(1, json.dumps(req).encode()), timeout=10)
            print("dc", name, "OK")
        except grpc.RpcError as e:
            print("dc", name, e.code().name, e.details())


def busy(addr, path, n, m):
    counts, lock = collections.Counter(), threading.Lock()
    start = threading.Barrier(int(n))

    def caller():
        ch = grpc.insecure_channel(addr, options=[("grpc.use_local_subchannel_pool", 1)])
        f = ch.unary_unary(GR, request_serializer=ident, response_deserializer=ident)
        start.wait()
        for _ in range(int(m)):
            try:
                f(field(1, path.encode()), timeout=30)
                status = "OK"
            except grpc.RpcError as e:
                status = e.code().name
            with lock:
                counts[status] += 1

    threads = [threading.Thread(target=caller) for _ in range(int(n))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("busy", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))


{"big": big, "idle": idle, "dc": dc, "busy": busy}[sys.argv[1]](*sys.argv[2:])
