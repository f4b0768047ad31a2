#!/usr/bin/env bash
# Builds librdkafka 2.12.1 as a static library for the dispatcher and installs it outside the clone:
#   /opt/ddb-eventstore-dispatcher/deps/librdkafka-2.12.1/<arch>/{include,lib}  (x86_64 | aarch64)
# Why not Debian's librdkafka 2.0.2: it cannot log in with SCRAM to Apache Kafka 4.x brokers (fixed
# in librdkafka 2.6.1, librdkafka issue 4895). The source comes from the rdkafka-sys crate, which
# vendors librdkafka; its sha256 is pinned below. Built with librdkafka's own configure (mklove),
# not our warning flags: OpenSSL, zlib and zstd from Debian (the product links them as shared
# libraries), lz4 bundled, SASL PLAIN/SCRAM/OAUTHBEARER built in (librdkafka's CMake build would tie
# SCRAM to Cyrus SASL), no Cyrus SASL/GSSAPI, no curl/OIDC, no syslog.
#
# Usage: build-librdkafka.sh [x86_64] [aarch64] [aarch64-if-installed]
#   aarch64 cross-compiles with Debian's aarch64-linux-gnu-gcc and the arm64 -dev libraries
#   (tools/deps/install-arm64.sh); aarch64-if-installed does that only when they are installed.
# Prints one line per architecture ("deps: librdkafka 2.12.1 x86_64 ok (cached)" / "... installed").
# A second run returns at once: the stamp in the prefix records source checksum and build options.
# DISPATCHER_DEPS_ROOT overrides /opt/ddb-eventstore-dispatcher/deps (the CMake cache variable
# DISPATCHER_RDKAFKA_ROOT must then point at the same place).
set -euo pipefail

version=2.12.1
crate=rdkafka-sys-4.10.0+2.12.1
crate_url="https://static.crates.io/crates/rdkafka-sys/rdkafka-sys-4.10.0%2B2.12.1.crate"
crate_sha256=e234cf318915c1059d4921ef7f75616b5219b10b46e9f3a511a15eb4b56a3f77
configure_options=(--disable-gssapi --disable-curl --enable-ssl --enable-zlib --enable-zstd
  --disable-lz4-ext --disable-syslog)

deps_root="${DISPATCHER_DEPS_ROOT:-/opt/ddb-eventstore-dispatcher/deps}"
# What the stamp compares: a new pin or new options rebuild.
stamp_text="$crate_sha256 ${configure_options[*]}"

say() { echo "deps: librdkafka $version $*"; }

[ "$#" -gt 0 ] || set -- x86_64

mkdir -p "$deps_root"
exec 8>"$deps_root/.librdkafka.lock"
flock 8

log="$(mktemp)"
work=""
cleanup() {
  rm -f "$log"
  [ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT

# Runs a command with its output captured; on failure shows the output and stops.
run() {
  if ! "$@" >"$log" 2>&1; then
    echo "deps: librdkafka: failed: $*" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
}

# Downloads the crate once into the deps root (so clean clones do not download again) and checks it.
fetch_source() {
  local archive="$deps_root/src/$crate.crate"
  if [ ! -f "$archive" ] || ! echo "$crate_sha256  $archive" | sha256sum --check --status; then
    mkdir -p "$deps_root/src"
    run curl --fail --silent --show-error --location --retry 3 -o "$archive.part" "$crate_url"
    if ! echo "$crate_sha256  $archive.part" | sha256sum --check --status; then
      rm -f "$archive.part"
      echo "deps: librdkafka: $crate.crate does not match its pinned sha256" >&2
      exit 1
    fi
    mv "$archive.part" "$archive"
  fi
  source_archive="$archive"
}

# Whether the cross toolchain and the arm64 libraries librdkafka links are installed.
aarch64_installed() {
  command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 &&
    [ -f /usr/lib/aarch64-linux-gnu/pkgconfig/libssl.pc ] &&
    [ -f /usr/lib/aarch64-linux-gnu/pkgconfig/libzstd.pc ] &&
    [ -f /usr/lib/aarch64-linux-gnu/pkgconfig/zlib.pc ]
}

build() {
  local arch="$1" prefix="$deps_root/librdkafka-$version/$1"
  local -a cross_env=()
  if [ -f "$prefix/.stamp" ] && [ "$(cat "$prefix/.stamp")" = "$stamp_text" ] &&
    [ -f "$prefix/lib/librdkafka.a" ]; then
    say "$arch ok (cached)"
    return
  fi
  case "$arch" in
    x86_64)
      if [ "$(uname -m)" != x86_64 ]; then
        echo "deps: librdkafka: x86_64 builds only on x86_64" >&2
        exit 1
      fi
      ;;
    aarch64)
      aarch64_installed || {
        echo "deps: librdkafka: aarch64 needs the cross toolchain and the arm64 libssl, zlib and" \
          "zstd -dev packages (tools/deps/install-arm64.sh)" >&2
        exit 1
      }
      # mklove finds compilers and libraries through these; pkg-config reads the arm64 .pc files.
      cross_env=(CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar
        LD=aarch64-linux-gnu-ld NM=aarch64-linux-gnu-nm RANLIB=aarch64-linux-gnu-ranlib
        STRIP=aarch64-linux-gnu-strip OBJDUMP=aarch64-linux-gnu-objdump
        PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
        PKG_CONFIG_PATH=)
      ;;
    *)
      echo "deps: librdkafka: unknown architecture '$arch' (x86_64 or aarch64)" >&2
      exit 2
      ;;
  esac
  fetch_source
  work="$(mktemp -d)"
  run tar -xzf "$source_archive" -C "$work" "$crate/librdkafka"
  local source="$work/$crate/librdkafka"
  # The configure summary names what was found; a missing dependency must stop the build rather than
  # silently produce a library without TLS or SCRAM.
  (cd "$source" && run env "${cross_env[@]}" ./configure --prefix="$prefix.new" \
    --arch="$arch" "${configure_options[@]}")
  local feature
  for feature in SSL ZLIB ZSTD SASL_SCRAM SASL_OAUTHBEARER; do
    grep -Eq "^#define WITH_$feature 1" "$source/config.h" || {
      echo "deps: librdkafka: configure did not enable $feature for $arch" >&2
      exit 1
    }
  done
  # Only the C library (src/); the product does not use the C++ wrapper, examples or tests.
  run env "${cross_env[@]}" make -C "$source/src" -j 2 librdkafka.a
  rm -rf "$prefix.new"
  mkdir -p "$prefix.new/include/librdkafka" "$prefix.new/lib"
  install -m 0644 "$source/src/rdkafka.h" "$source/src/rdkafka_mock.h" \
    "$prefix.new/include/librdkafka/"
  install -m 0644 "$source/src/librdkafka.a" "$prefix.new/lib/"
  install -m 0644 "$source/LICENSES.txt" "$prefix.new/"
  echo "$stamp_text" >"$prefix.new/.stamp"
  rm -rf "$prefix"
  mv "$prefix.new" "$prefix"
  rm -rf "$work"
  work=""
  say "$arch installed ($prefix)"
}

for arch in "$@"; do
  case "$arch" in
    aarch64-if-installed)
      if aarch64_installed; then
        build aarch64
      else
        say "aarch64 skipped (cross toolchain not installed: tools/deps/install-arm64.sh)"
      fi
      ;;
    *) build "$arch" ;;
  esac
done
