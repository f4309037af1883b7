#!/usr/bin/env bash
# door-redis.sh: wrk on GET /v1/me with one management token, against
# "keyward serve" with and without --redis, for two builds (issue 12 item
# 10: a Redis round trip per request). Runs are interleaved, round after
# round, so drift on a shared machine hits every configuration alike;
# compare the ratios within a round.
#
# Besides req/s it prints the CPU time the keyward process and the
# redis-server spent per request (from /proc, user + system): on a loaded
# machine throughput mostly measures the neighbours, CPU per request much
# less so.
#
# Usage: bench/door-redis.sh BEFORE_REV AFTER_REV [ROUNDS] [DURATION]
#   e.g. bench/door-redis.sh 3c535d0 4246dc6 2 10s
# Needs wrk, redis-server and taskset; serves on 127.0.0.1 only. Builds are
# kept in ${TMPDIR:-/tmp}/keyward-bench-REV and reused.
set -euo pipefail
before=${1:?before revision}
after=${2:?after revision}
rounds=${3:-2}
duration=${4:-10s}
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	git -C "$repo" worktree remove --force "$work/src" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bin() { echo "${TMPDIR:-/tmp}/keyward-bench-$1"; }
for rev in "$before" "$after"; do
	[ -x "$(bin "$rev")" ] && continue
	git -C "$repo" worktree add -q --detach "$work/src" "$rev"
	(cd "$work/src" && go build -o "$(bin "$rev")" ./cmd/keyward)
	git -C "$repo" worktree remove --force "$work/src"
done

# cpu PID: user + system clock ticks of PID so far.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)

rport=$(freeport)
redis-server --bind 127.0.0.1 --port "$rport" --save "" --appendonly no --loglevel warning >/dev/null &
rpid=$!
pids+=($rpid)
sleep 0.5

# run REV REDIS(yes|no): one measured wrk run; prints "req/s keyward-CPU-µs/req
# redis-CPU-µs/req".
run() {
	local rev=$1 redis=$2 port data args=()
	port=$(freeport)
	data=$(mktemp -d -p "$work")
	[ "$redis" = yes ] && args=(--redis "redis://127.0.0.1:$rport/0")
	taskset -c 1 "$(bin "$rev")" serve --listen "127.0.0.1:$port" --data "$data" --log-level error "${args[@]}" >/dev/null 2>&1 &
	local pid=$!
	for _ in $(seq 200); do
		curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	local key secret tok
	key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$data/admin.json")
	secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$data/admin.json")
	tok=$("$(bin "$rev")" token management --key "$key" --secret "$secret")
	curl -fs -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/v1/me" >/dev/null
	taskset -c 0 wrk -t1 -c32 -d2s -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/v1/me" >/dev/null
	local c0 r0 out
	c0=$(cpu "$pid")
	r0=$(cpu "$rpid")
	out=$(taskset -c 0 wrk -t1 -c32 -d"$duration" -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/v1/me")
	local c1 r1
	c1=$(cpu "$pid")
	r1=$(cpu "$rpid")
	grep -q Non-2xx <<<"$out" && echo "non-2xx answers: $out" >&2
	awk -v c="$((c1 - c0))" -v r="$((r1 - r0))" -v hz="$tick" '
		/requests in/ {n = $1}
		/Requests\/sec/ {rps = $2}
		END {printf "%s %.1f %.1f", rps, c / hz * 1e6 / n, r / hz * 1e6 / n}' <<<"$out"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

printf 'round\tbuild\tredis\treq/s\tkeyward µs CPU/req\tredis µs CPU/req\n'
for r in $(seq "$rounds"); do
	for rev in "$before" "$after"; do
		for redis in no yes; do
			read -r rps c rc <<<"$(run "$rev" "$redis")"
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$rev" "$redis" "$rps" "$c" "$rc"
		done
	done
done
