#!/usr/bin/env bash
# Checks formatting of every C++ source with the checked-in .clang-format (no changes are made).
# `tools/lint.sh --fix` rewrites the files instead. Then runs clang-tidy 19 with the checked-in
# .clang-tidy on every translation unit under src/ (tools/clang_tidy.py: the ci build's compile
# commands, one process per core, results cached by content under ~/.cache like ccache's; any
# finding fails, as does a NOLINT without its check and reason), and validates
# the deployment template (deploy/template.yaml) with the pinned cfn-lint from the project venv.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "lint: no C++ files"
else
  case "${1:-}" in
    --fix) clang-format -i "${files[@]}"; echo "lint: formatted ${#files[@]} files" ;;
    *) clang-format --dry-run -Werror "${files[@]}"; echo "lint: ${#files[@]} files formatted correctly" ;;
  esac
fi

if [ "${1:-}" != --fix ]; then
  command -v clang-tidy-19 >/dev/null || {
    echo "lint: clang-tidy-19 missing: run tools/deps/install.sh (tools/deps/apt-packages.txt)" >&2
    exit 1
  }
  python3 tools/clang_tidy.py
fi

if [ "${1:-}" != --fix ] && [ -f deploy/template.yaml ]; then
  cfn_lint=.venv/bin/cfn-lint
  [ -x "$cfn_lint" ] || { echo "lint: $cfn_lint missing: run tools/deps/install.sh" >&2; exit 1; }
  "$cfn_lint" deploy/template.yaml
  echo "lint: deploy/template.yaml passes cfn-lint"
fi
# Terraform formatting is checked by the terraform_module test (tests/terraform); --fix applies it.
if [ "${1:-}" = --fix ] && command -v "${TERRAFORM:-terraform}" >/dev/null 2>&1; then
  TF_CLI_CONFIG_FILE=/dev/null "${TERRAFORM:-terraform}" fmt -recursive deploy/terraform >/dev/null
  echo "lint: formatted deploy/terraform"
fi
