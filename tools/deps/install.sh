#!/usr/bin/env bash
# Installs everything the build and the local stack need, and nothing that is already there:
#   apt        Debian packages listed in tools/deps/apt-packages.txt
#   java, go   checks only (the JRE comes from apt; Go from /usr/local/go or Debian's golang-go)
#   terraform  check only: terraform and the hashicorp/aws provider mirror (tools/deps/terraform.env)
#   jars       DynamoDB Local and Apache Kafka from Maven Central into .cache/jars/<name>/
#   venv       .venv from tools/deps/requirements.txt (exact pins)
#   lambda-rie the AWS Lambda Runtime Interface Emulator into .cache/bin/ (go install)
#   librdkafka the pinned static librdkafka (tools/deps/build-librdkafka.sh; arm64 too once
#              tools/deps/install-arm64.sh has installed the cross toolchain)
# Prints one line per component ("deps: X ok (cached)" / "deps: X installed"). On failure it prints
# the failing tool's output and exits non-zero. Safe to run concurrently: the work is under a lock.
set -euo pipefail
# shellcheck source=tools/deps/preamble.sh
source "$(dirname "$0")/preamble.sh"

say() { echo "deps: $*"; }

sha() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

install_apt() {
  local missing=() package status native
  native="$(dpkg --print-architecture)"
  while read -r package; do
    case "$package" in '' | '#'*) continue ;; esac
    # One line per installed architecture: with arm64 multiarch (install-arm64.sh) a -dev package
    # can be there twice; what counts is the build machine's own (or an arch-independent one).
    status="$(dpkg-query -W -f='${db:Status-Status} ${Architecture}\n' "$package" 2>/dev/null ||
      true)"
    grep -Eqx "installed ($native|all)" <<<"$status" || missing+=("$package")
  done <"$deps/apt-packages.txt"
  if [ "${#missing[@]}" -eq 0 ]; then
    say "apt ok (cached)"
    return
  fi
  [ "$(id -u)" -eq 0 ] || { echo "deps: missing Debian packages (run as root): ${missing[*]}" >&2; exit 1; }
  run env DEBIAN_FRONTEND=noninteractive apt-get update
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  say "apt installed (${missing[*]})"
}

check_java() {
  local version
  version="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
  if [ -z "$version" ] || [ "$version" -lt 17 ]; then
    echo "deps: java 17 or newer is required (found: ${version:-none})" >&2
    exit 1
  fi
  say "java ok ($version)"
}

go_binary=""
check_go() {
  if command -v go >/dev/null 2>&1; then
    go_binary="$(command -v go)"
  elif [ -x /usr/local/go/bin/go ]; then
    go_binary=/usr/local/go/bin/go
  else
    run env DEBIAN_FRONTEND=noninteractive apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends golang-go
    go_binary="$(command -v go)"
    say "go installed ($("$go_binary" version))"
    return
  fi
  say "go ok ($("$go_binary" version | cut -d' ' -f3))"
}

# Terraform is not in any registry this project reaches, so it is checked, not installed. Without it
# (or its provider mirror) only the Terraform module tests (tests/terraform) fail, so this warns
# loudly instead of stopping `make build` or `make demo`.
check_terraform() {
  # shellcheck source=tools/deps/terraform.env
  source "$deps/terraform.env"
  local binary="${TERRAFORM:-terraform}" version platform mirror provider
  mirror="${TERRAFORM_PROVIDER_MIRROR:-$TERRAFORM_PROVIDER_MIRROR_DEFAULT}"
  if ! version="$(TF_CLI_CONFIG_FILE=/dev/null "$binary" version -json 2>/dev/null |
    sed -n 's/.*"terraform_version": *"\([0-9.]*\)".*/\1/p')" || [ -z "$version" ]; then
    echo "deps: MISSING: terraform ($binary) is not installed; the Terraform module tests" \
      "(tests/terraform, deploy_terraform_least_privilege) will fail. Install Terraform" \
      ">= $TERRAFORM_MIN_VERSION on PATH or set TERRAFORM=<path> (no registry here serves it)." >&2
    return
  fi
  if [ "$(printf '%s\n' "$TERRAFORM_MIN_VERSION" "$version" | sort -V | head -n 1)" != \
    "$TERRAFORM_MIN_VERSION" ]; then
    echo "deps: MISSING: terraform $version is older than $TERRAFORM_MIN_VERSION; the Terraform" \
      "module tests will fail" >&2
    return
  fi
  platform="linux_$(dpkg --print-architecture)"
  provider="$mirror/registry.terraform.io/hashicorp/aws/$TERRAFORM_AWS_PROVIDER_VERSION/$platform"
  if ! compgen -G "$provider/terraform-provider-aws_v${TERRAFORM_AWS_PROVIDER_VERSION}*" >/dev/null; then
    echo "deps: MISSING: the hashicorp/aws $TERRAFORM_AWS_PROVIDER_VERSION provider for $platform" \
      "is not in the filesystem mirror $mirror (expected $provider/terraform-provider-aws_v...);" \
      "no provider registry is reachable, so the Terraform module tests will fail. Set" \
      "TERRAFORM_PROVIDER_MIRROR=<dir> to another mirror." >&2
    return
  fi
  say "terraform ok ($version, hashicorp/aws $TERRAFORM_AWS_PROVIDER_VERSION in $mirror)"
}

# Copies the run-time jars a pom under tools/deps/maven/<name>/ names into .cache/jars/<name>/.
# The stamp is the pom's hash, so a changed pin re-resolves; ~/.m2 stays Maven's download cache.
install_jars() {
  local name="$1" pom="$deps/maven/$1/pom.xml" target="$cache/jars/$1" stamp
  stamp="$(sha "$pom")"
  if [ -f "$target/.stamp" ] && [ "$(cat "$target/.stamp")" = "$stamp" ] &&
    compgen -G "$target/*.jar" >/dev/null; then
    say "$name ok (cached)"
    return
  fi
  rm -rf "$target.new"
  run mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$target.new"
  echo "$stamp" >"$target.new/.stamp"
  rm -rf "$target"
  mv "$target.new" "$target"
  say "$name installed"
}

# The venv is updated in place (pip install -r) so packages a developer added by hand survive; the
# requirements hash stored in the venv says whether it is current.
install_venv() {
  local venv="$repo/.venv" stamp
  stamp="$(sha "$deps/requirements.txt")"
  if [ -x "$venv/bin/python" ] && [ -f "$venv/requirements.sha256" ] &&
    [ "$(cat "$venv/requirements.sha256")" = "$stamp" ] && "$venv/bin/python" -c '' 2>/dev/null; then
    say "venv ok (cached)"
    return
  fi
  if ! "$venv/bin/python" -c '' 2>/dev/null; then
    rm -rf "$venv"
    # Debian's interpreter (python3-venv), not whatever python3 is first on PATH, so every machine
    # gets the same one.
    run /usr/bin/python3 -m venv "$venv"
  fi
  run "$venv/bin/pip" install -q -r "$deps/requirements.txt"
  echo "$stamp" >"$venv/requirements.sha256"
  say "venv installed"
}

# The emulator is a Go module. Every test that invokes the bootstrap the way Lambda does runs under
# it, so it is required: when `go install` fails, install.sh says why on stderr and fails. A binary
# of another pin is removed first, so no test runs under an emulator the pin does not name.
install_rie() {
  local version module=github.com/aws/aws-lambda-runtime-interface-emulator
  local binary="$cache/bin/aws-lambda-rie"
  version="$(grep -v '^#' "$deps/lambda-rie.version" | head -n 1)"
  if [ -x "$binary" ] && [ -f "$binary.stamp" ] && [ "$(cat "$binary.stamp")" = "$version" ]; then
    say "lambda-rie ok (cached)"
    return
  fi
  rm -f "$binary" "$binary.stamp"
  mkdir -p "$cache/bin"
  if ! GOBIN="$cache/bin" timeout 300 "$go_binary" install \
    "$module/cmd/aws-lambda-rie@$version" >"$log" 2>&1; then
    echo "deps: FAILED: lambda-rie $version: go install $module/cmd/aws-lambda-rie@$version failed;" \
      "the tests that run the bootstrap under the Lambda Runtime Interface Emulator cannot run:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  echo "$version" >"$binary.stamp"
  say "lambda-rie installed ($version)"
}

install_apt
check_java
check_go
check_terraform
install_jars dynamodb-local
install_jars kafka
install_venv
install_rie
"$deps/build-librdkafka.sh" x86_64 aarch64-if-installed
