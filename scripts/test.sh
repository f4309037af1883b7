#!/usr/bin/env bash
# Runs every keyward test on this machine, installing first what the tests need:
# Debian packages (scripts/apt-packages.txt), npm packages (interop/), and a
# PostgreSQL and Redis of its own when none answers on 127.0.0.1.
# Usage: bash scripts/test.sh [go test flags…]   (default: ./... with -count=1)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
log() { printf '== %s\n' "$*" >&2; }

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages.
mapfile -t want < <(sed -e 's/#.*//' -e '/^\s*$/d' scripts/apt-packages.txt)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && continue
  # A program of that name from elsewhere (nodesource's nodejs ships npm and
  # conflicts with Debian's npm package) is as good as the package.
  command -v "$p" >/dev/null 2>&1 && continue
  missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. npm packages for the interop tests (versions pinned in interop/package-lock.json).
if [ -f interop/package.json ]; then
  if [ ! -d interop/node_modules ] || [ interop/package-lock.json -nt interop/node_modules ]; then
    log "installing npm packages for interop/"
    (cd interop && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# 3. PostgreSQL: use the machine's when it answers, else run one of our own.
pg_answers() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
if [ -z "${KEYWARD_TEST_POSTGRES:-}" ]; then
  if pg_answers 5432; then
    export KEYWARD_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
  else
    log "no PostgreSQL on 127.0.0.1:5432: starting one of our own on 55432"
    command -v pg_ctlcluster >/dev/null || { sudo_ apt-get update -qq; sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
    pgdir=/tmp/keyward-test-pg
    if [ ! -f "$pgdir/PG_VERSION" ]; then
      sudo_ mkdir -p "$pgdir"; sudo_ chown postgres "$pgdir"
      sudo_ runuser -u postgres -- "$bindir/initdb" -D "$pgdir" -A trust -U postgres >/dev/null
    fi
    pg_answers 55432 || sudo_ runuser -u postgres -- "$bindir/pg_ctl" -D "$pgdir" -l "$pgdir/log" \
      -o "-c listen_addresses=127.0.0.1 -p 55432 -k /tmp" -w start >/dev/null
    export KEYWARD_TEST_POSTGRES="postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable"
  fi
fi

# 4. Redis: likewise.
if [ -z "${KEYWARD_TEST_REDIS:-}" ]; then
  if pg_answers 6379; then
    export KEYWARD_TEST_REDIS=127.0.0.1:6379
  else
    log "no Redis on 127.0.0.1:6379: starting one of our own on 56379"
    command -v redis-server >/dev/null || { sudo_ apt-get update -qq; sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
    pg_answers 56379 || redis-server --daemonize yes --bind 127.0.0.1 --port 56379 --save "" --appendonly no >/dev/null
    for _ in $(seq 50); do pg_answers 56379 && break; sleep 0.1; done
    export KEYWARD_TEST_REDIS=127.0.0.1:56379
  fi
fi

# 5. The tests. Strict: a missing dependency fails instead of skipping.
export KEYWARD_TEST_STRICT=1
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-count=1 -timeout=25m ./...)
log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './interop/node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" $unformatted >&2
  exit 1
fi
log "go vet"
go vet ./...
log "go test ${args[*]}"
go test "${args[@]}"
if [ -f bench/go.mod ] && [ $# -eq 0 ]; then
  log "go test (bench module)"
  (cd bench && go vet ./... && go test -count=1 ./...)
fi
