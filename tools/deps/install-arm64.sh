#!/usr/bin/env bash
# Installs what the arm64 (Graviton) package needs, and nothing that is already there:
#   - the arm64 dpkg architecture (Debian multiarch), so arm64 -dev libraries install beside the
#     amd64 ones under /usr/lib/aarch64-linux-gnu;
#   - the aarch64 cross compiler and binutils (g++-aarch64-linux-gnu);
#   - the arm64 libraries the dispatcher links (tools/deps/arm64-packages.txt);
#   - qemu-user-static, to smoke-test the arm64 zip (qemu-aarch64 -L <root>, no binfmt needed);
#   - the pinned static librdkafka for aarch64 (tools/deps/build-librdkafka.sh).
# Prints one line ("deps: arm64 ok (cached)" / "deps: arm64 installed (...)"), then librdkafka's.
# Separate from install.sh because it is only needed by `make package` and the package tests, and
# the first run downloads a few hundred MB. Safe to run concurrently with install.sh: both take the
# same lock.
set -euo pipefail
# shellcheck source=tools/deps/preamble.sh
source "$(dirname "$0")/preamble.sh"

missing=()
while read -r package; do
  case "$package" in '' | '#'*) continue ;; esac
  status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"
  [ "$status" = installed ] || missing+=("$package")
done <"$deps/arm64-packages.txt"
if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps: arm64 ok (cached)"
  "$deps/build-librdkafka.sh" aarch64
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "deps: missing Debian packages (run as root): ${missing[*]}" >&2; exit 1; }
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  run dpkg --add-architecture arm64
fi
run env DEBIAN_FRONTEND=noninteractive apt-get update
run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
echo "deps: arm64 installed (${missing[*]})"
"$deps/build-librdkafka.sh" aarch64
