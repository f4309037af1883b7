#!/usr/bin/env bash
# Counts the instructions of one keyward Parse+Verify of a management token
# with valgrind (callgrind), a figure that does not move with machine load.
# Needs valgrind. Note that valgrind's CPU lacks SHA-NI, so SHA-256 takes
# the AVX2 path here and weighs more than on the real CPU.
set -euo pipefail
cd "$(dirname "$0")"
bin=$(mktemp -d)/tokenir
go build -o "$bin" ./cmd/tokenir
count() { GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 | grep -o 'refs: *[0-9,]*' | tr -dc 0-9; }
with=$(count)
without=$(count 0)
echo "keyward Parse+Verify: $(( (with - without) / 20000 )) instructions per op (valgrind, 20,000 ops)"
