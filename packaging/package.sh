#!/usr/bin/env bash
# Builds the Lambda deployment zips: dist/ddb-eventstore-dispatcher-<version>-<arch>.zip for
# provided.al2023, and the matching debug symbols dist/ddb-eventstore-dispatcher-<version>-<arch>.debug.
#
#   packaging/package.sh [x86_64] [arm64]      (default: both)
#
# Environment: PACKAGE_DIST (output directory, default dist/), PACKAGE_GIT_REF (build that commit,
# exported with git archive, instead of the working tree), PACKAGE_JOBS (build parallelism, 2).
#
# The zip is self-contained: Amazon Linux 2023 has an older glibc (2.34) than the build machine
# (Debian 12, 2.36), so the binary runs through the bundled dynamic loader with --library-path to
# the bundled lib/: every shared library it needs (walked from DT_NEEDED, for either architecture
# with readelf, no ldd, so it works for the cross-built arm64 binary) plus the pieces glibc loads
# at run time with dlopen (name-service modules and libresolv). See docs/packaging.md.
#
# Build directories: build/package-<arch> (Release at -O2 with -g, like the ci preset, so ccache
# shares its objects; only the bootstrap target). Prints one summary line per zip.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

name=ddb-eventstore-dispatcher
version="$(sed -n 's/^project([^ ]* VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
[ -n "$version" ] || { echo "package: cannot read the version from CMakeLists.txt" >&2; exit 1; }
dist="${PACKAGE_DIST:-$repo/dist}"
source_dir="$repo"
if [ -n "${PACKAGE_GIT_REF:-}" ]; then
  commit="$(git -C "$repo" rev-parse --verify "$PACKAGE_GIT_REF^{commit}")"
  source_dir="$repo/build/package-source/$commit"
  if [ ! -f "$source_dir/CMakeLists.txt" ]; then
    # Exported beside its final name and renamed, so a concurrent run (one per architecture)
    # never sees a half-written tree; the loser of the rename discards its copy.
    mkdir -p "${source_dir%/*}"
    exported="$(mktemp -d "$source_dir.XXXXXX")"
    git -C "$repo" archive "$commit" | tar -x -C "$exported"
    mv -T "$exported" "$source_dir" 2>/dev/null || rm -rf "$exported"
  fi
fi

# The glibc modules dlopen()ed at run time, not listed in any DT_NEEDED: the name-service
# switch backends nsswitch.conf names on Amazon Linux and Debian ("files", "dns") and the
# resolver library nss_dns uses. The build machine's glibc may have folded some into libc.so.6;
# those missing here are skipped.
runtime_modules=(libnss_files.so.2 libnss_dns.so.2 libresolv.so.2)

arches=("$@")
[ "${#arches[@]}" -gt 0 ] || arches=(x86_64 arm64)

# Per architecture: the GNU triplet, the library directories to resolve from, the binutils prefix.
configure_arch() {
  case "$1" in
    x86_64)
      triplet=x86_64-linux-gnu
      tools_prefix=""
      toolchain_args=()
      ;;
    arm64)
      triplet=aarch64-linux-gnu
      tools_prefix=aarch64-linux-gnu-
      toolchain_args=(-DCMAKE_TOOLCHAIN_FILE="$repo/packaging/toolchains/aarch64.cmake")
      "$repo/tools/deps/install-arm64.sh"
      ;;
    *)
      echo "package: unknown architecture '$1' (x86_64 or arm64)" >&2
      exit 2
      ;;
  esac
  library_dirs=("/lib/$triplet" "/usr/lib/$triplet")
}

# Runs a command with its output captured; on failure shows the output and stops.
quiet() {
  local log
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    echo "package: failed: $*" >&2
    tail -n 60 "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}

build() {
  local arch="$1" build_dir="$repo/build/package-$1${PACKAGE_GIT_REF:+-${commit:0:12}}"
  # Same optimisation and flags as the ci preset (RelWithDebInfo: -O2 -g, warnings are errors):
  # the tested code, symbols for the .debug file, and ccache hits. -O3 trips GCC 12 -Wrestrict
  # false positives in libstdc++.
  quiet cmake -S "$source_dir" -B "$build_dir" -G Ninja "${toolchain_args[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -g -DNDEBUG" \
    -DCMAKE_EXE_LINKER_FLAGS="-Wl,--build-id=sha1" \
    -DDISPATCHER_WERROR=ON -DDISPATCHER_BUILD_TESTS=OFF -DDISPATCHER_BUILD_BENCHMARKS=OFF
  quiet cmake --build "$build_dir" --target bootstrap -j "${PACKAGE_JOBS:-2}"
  binary="$build_dir/src/app/bootstrap"
  stage="$build_dir/stage"
}

# Prints the library file a soname resolves to in this architecture's directories.
resolve() {
  local soname="$1" dir
  for dir in "${library_dirs[@]}"; do
    if [ -e "$dir/$soname" ]; then
      echo "$dir/$soname"
      return 0
    fi
  done
  return 1
}

needed() { "${tools_prefix}readelf" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

interpreter() {
  "${tools_prefix}readelf" -l "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p'
}

# Copies `soname` and, transitively, everything it needs into $stage/lib (real files, under
# their soname: no symlinks in the zip to lose in unpacking).
bundle() {
  local soname="$1" path dependency
  [ -e "$stage/lib/$soname" ] && return 0
  path="$(resolve "$soname")" || {
    echo "package: $soname (needed by the $arch bootstrap) not found in ${library_dirs[*]}" >&2
    exit 1
  }
  cp -L "$path" "$stage/lib/$soname"
  chmod 0755 "$stage/lib/$soname"
  while read -r dependency; do
    [ -n "$dependency" ] && bundle "$dependency"
  done < <(needed "$path")
}

write_launcher() {
  local loader="$1"
  cat >"$stage/bootstrap" <<EOF
#!/bin/sh
# Lambda (provided.al2023) runs this file. The dispatcher was built against a newer glibc than
# Amazon Linux has, so it is started through the glibc dynamic loader bundled in lib/, which loads
# only the bundled libraries. Arguments are passed through: "bootstrap --version" works too.
case "\$0" in */*) here="\${0%/*}" ;; *) here=. ;; esac
here="\$(cd "\$here" && pwd)" || exit 1
exec "\$here/lib/$loader" --library-path "\$here/lib" --argv0 "\$0" "\$here/bin/$name" "\$@"
EOF
  chmod 0755 "$stage/bootstrap"
}

package() {
  local arch="$1" started loader interp module zip debug stage binary
  started=$(date +%s)
  configure_arch "$arch"
  build "$arch"
  zip="$dist/$name-$version-$arch.zip"
  debug="$dist/$name-$version-$arch.debug"
  rm -rf "$stage"
  mkdir -p "$stage/bin" "$stage/lib" "$dist"

  # Debug symbols beside the zip; the shipped binary is stripped and names them by a debuglink
  # (and its build-id, which crash reports and `debuginfod` use).
  "${tools_prefix}objcopy" --only-keep-debug "$binary" "$debug"
  "${tools_prefix}strip" --strip-all -o "$stage/bin/$name" "$binary"
  "${tools_prefix}objcopy" --add-gnu-debuglink="$debug" "$stage/bin/$name"
  chmod 0755 "$stage/bin/$name"

  interp="$(interpreter "$stage/bin/$name")"
  loader="${interp##*/}"
  [ -n "$loader" ] || { echo "package: $arch binary names no program interpreter" >&2; exit 1; }
  bundle "$loader"
  while read -r module; do
    [ -n "$module" ] && bundle "$module"
  done < <(needed "$stage/bin/$name")
  for module in "${runtime_modules[@]}"; do
    if resolve "$module" >/dev/null; then bundle "$module"; fi
  done
  write_launcher "$loader"

  rm -f "$zip"
  # -X: no extra file attributes; the Unix permissions (executable bits) are kept.
  (cd "$stage" && zip -q -X -r "$zip" bootstrap bin lib)
  echo "package: $zip ($(du -k "$zip" | cut -f1) KiB, $(ls "$stage/lib" | wc -l) libraries," \
    "build-id $("${tools_prefix}readelf" -n "$stage/bin/$name" | sed -n 's/.*Build ID: //p')," \
    "$(($(date +%s) - started)) s)"
}

for arch in "${arches[@]}"; do
  package "$arch"
done
