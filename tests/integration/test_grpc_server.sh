#!/usr/bin/env bash
# test_grpc_server.sh BIN_DIR - the agent's gRPC server (src/grpc/server.c,
# on nghttp2) answers what is not one well-formed unary gRPC call with a
# named gRPC status, and keeps serving; driven by nghttp2's own client
# (nghttp) so that the requests are what no gRPC library would send:
#   - a well-formed GetResource call: grpc-status 0 and the resource;
#   - content-type not application/grpc: INVALID_ARGUMENT (3), named;
#   - GET instead of POST: UNIMPLEMENTED (12), named;
#   - a compressed message: UNIMPLEMENTED, named;
#   - two messages in one call: UNIMPLEMENTED, named;
#   - a message shorter than its prefix says, and no message at all:
#     INVALID_ARGUMENT, named;
#   - HTTP/1.1 and bytes that are not HTTP at all: the connection closes;
#   - a connection that never opens HTTP/2 is closed after
#     --request-timeout, and one that does is not;
#   - after all of it the well-formed call is still answered.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(cd "$1" && pwd)
tmp=$(mktemp -d)
aa=""
trap 'kill $aa 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
command -v nghttp >/dev/null || { [[ ${CI:-} == true ]] && fail "nghttp is not installed (nghttp2-client)"; echo "SKIP: no nghttp"; finish; }

python3 - <<'PY'
import base64, json
json.dump({}, open("keys.json", "w"))
json.dump({"default/sigstore-config/test": base64.b64encode(b"docker: {}\n").decode()},
          open("resources.json", "w"))
PY
# one GetResourceRequest {1: path, 2: kbc, 3: uri}, as gRPC frames it:
# flag, big-endian length, message; and the malformed ones
python3 - <<'PY'
import struct
def f(tag, b): return bytes([tag << 3 | 2, len(b)]) + b
msg = f(1, b"default/sigstore-config/test") + f(2, b"offline_fs_kbc") + f(3, b"null")
frame = lambda m, flag=0: bytes([flag]) + struct.pack(">I", len(m)) + m
open("good", "wb").write(frame(msg))
open("compressed", "wb").write(frame(msg, 1))
open("two", "wb").write(frame(msg) + frame(msg))
open("short", "wb").write(frame(msg)[:-3])
open("prefix-only", "wb").write(frame(msg)[:3])
PY
fifo=$tmp/aa.fifo
mkfifo "$fifo"
"$BIN/attestation-agent" --keyprovider_sock 127.0.0.1:0 --getresource_sock 127.0.0.1:0 \
	--aa_kbc_params offline_fs_kbc::null --offline-keys keys.json \
	--offline-resources resources.json --request-timeout 2 >"$fifo" 2>>agent.log &
aa=$!
exec 4<"$fifo"
read -r line <&4 || line=""
read -r line <&4 || line=""
gr=${line##* }
[[ $gr =~ ^[0-9]+$ ]] || { fail "the agent did not start: $(tail -3 agent.log)"; finish; }
url=http://127.0.0.1:$gr/getresource.GetResourceService/GetResource

call() { # call DATA_FILE [nghttp options...]: the frames nghttp saw
	local data=$1
	shift
	timeout 20 nghttp -v -d "$data" -H 'te: trailers' "$@" "$url" 2>&1 | tr -d '\0'
}

out=$(call good -H 'content-type: application/grpc')
expect "a well-formed call" 'grpc-status: 0' "$out"
expect "its resource" 'docker: \{\}' "$out"

out=$(call good -H 'content-type: text/plain')
expect "content-type" 'grpc-status: 3' "$out"
expect "content-type named" 'grpc-message: not a gRPC call \(content-type\)' "$out"

out=$(timeout 20 nghttp -v -H 'content-type: application/grpc' "$url" 2>&1)
expect "GET" 'grpc-status: 12' "$out"
expect "GET named" 'not a gRPC call \(method or path\)' "$out"

out=$(call compressed -H 'content-type: application/grpc')
expect "compressed" 'grpc-status: 12' "$out"
expect "compressed named" 'compressed request messages are not accepted' "$out"

out=$(call two -H 'content-type: application/grpc')
expect "two messages" 'grpc-status: 12' "$out"
expect "two messages named" 'more than one request message' "$out"

out=$(call short -H 'content-type: application/grpc')
expect "short message" 'grpc-status: 3' "$out"
expect "short message named" 'the request message is cut short' "$out"

out=$(call prefix-only -H 'content-type: application/grpc')
expect "prefix only" 'grpc-status: 3' "$out"
expect "prefix only named" 'no request message' "$out"

# not HTTP/2: the server's preface check closes the connection
raw() { # raw PORT: stdin's bytes on a TCP connection; how it ended
	timeout 20 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
s.settimeout(15)
got = b""
while True:
    b = s.recv(4096)
    if not b: break
    got += b
print("closed after", len(got), "bytes:", got[:40])' "$1" 2>&1
}
out=$(printf 'POST /getresource.GetResourceService/GetResource HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n' | raw "$gr")
expect "HTTP/1.1" '^closed after' "$out"
[[ $out == *"HTTP/1"* ]] && fail "HTTP/1.1 was answered: $out" || ok
out=$(printf 'garbage that is not HTTP\r\n\r\n' | raw "$gr")
expect "not HTTP" '^closed after' "$out"

# a connection that sends nothing is closed after --request-timeout (2 s);
# the clock is the agent's, this only bounds the wait
out=$(timeout 20 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.monotonic()
s.settimeout(15)
try:
    b = s.recv(4096)
    while b: b = s.recv(4096)
    print("closed after %.1f s" % (time.monotonic() - t))
except socket.timeout:
    print("still open after 15 s")' "$gr" 2>&1)
expect "silent connection" '^closed after [1-9]' "$out"
expect "silent connection logged" 'sent no HTTP/2 within 2 s: closed' "$(cat agent.log)"

out=$(call good -H 'content-type: application/grpc')
expect "served after all of it" 'grpc-status: 0' "$out"
kill -0 "$aa" 2>/dev/null && ok || fail "the agent died: $(tail -3 agent.log)"
finish
