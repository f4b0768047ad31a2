# Sourced by the dependency installers (install.sh, install-arm64.sh): the repository paths, one
# lock shared by every installer (so concurrent runs never interleave apt or downloads), and `run`.
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
deps="$repo/tools/deps"
cache="$repo/.cache"
mkdir -p "$cache"

exec 9>"$cache/deps.lock"
flock 9

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Runs a command with its output captured; on failure shows the output and stops.
run() {
  if ! "$@" >"$log" 2>&1; then
    echo "deps: failed: $*" >&2
    tail -n 100 "$log" >&2
    exit 1
  fi
}
