#!/usr/bin/env bash
# Checks formatting of every C++ source with the checked-in .clang-format (no changes are made).
# `tools/lint.sh --fix` rewrites the files instead.
# .clang-tidy records the naming rules; Debian 12's clang-tidy 14 cannot parse libstdc++'s C++23
# <expected>, so it is not run here.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' | sort)
[ "${#files[@]}" -gt 0 ] || { echo "lint: no C++ files"; exit 0; }
case "${1:-}" in
  --fix) clang-format -i "${files[@]}"; echo "lint: formatted ${#files[@]} files" ;;
  *) clang-format --dry-run -Werror "${files[@]}"; echo "lint: ${#files[@]} files formatted correctly" ;;
esac
