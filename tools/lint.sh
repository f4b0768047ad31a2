#!/usr/bin/env bash
# Checks formatting of every C++ source with the checked-in .clang-format (no changes are made).
# `tools/lint.sh --fix` rewrites the files instead. `tools/lint.sh --tidy` also runs clang-tidy.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' | sort)
[ "${#files[@]}" -gt 0 ] || { echo "lint: no C++ files"; exit 0; }
case "${1:-}" in
  --fix) clang-format -i "${files[@]}"; echo "lint: formatted ${#files[@]} files" ;;
  --tidy)
    clang-format --dry-run -Werror "${files[@]}"
    [ -f build/ci/compile_commands.json ] || { echo "lint: build with 'make build' first"; exit 1; }
    mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '^src/.*\.cc$')
    clang-tidy -p build/ci --quiet "${sources[@]}"
    ;;
  *) clang-format --dry-run -Werror "${files[@]}"; echo "lint: ${#files[@]} files formatted correctly" ;;
esac
