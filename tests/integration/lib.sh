# lib.sh - what the shell tests share: counting checks, matching output,
# the plain summary line, and reading an OCI layout's first layer.
# Source it; then end the test with `finish`.
passed=0 failed=0
ok()   { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
expect() { # expect NAME PATTERN TEXT
	if [[ $3 =~ $2 ]]; then ok; else fail "$1: '$3' does not match /$2/"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	[[ $failed == 0 ]]
}
layer_of() { # layer_of DIR: the first layer's digest and media type
	python3 -c "
import json, sys
d = sys.argv[1]
i = json.load(open(d + '/index.json'))['manifests'][0]['digest'].split(':')[1]
l = json.load(open(d + '/blobs/sha256/' + i))['layers'][0]
print(l['digest'], l['mediaType'])" "$1"
}
