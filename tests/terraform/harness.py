"""Runs Terraform on a copy of deploy/terraform, offline: the hashicorp/aws provider comes from the
machine's filesystem mirror (tools/deps/terraform.env) through a CLI configuration file written
into the test's own directory, never from a registry."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "deploy" / "terraform"


def pins() -> dict[str, str]:
    values = {}
    for line in (REPO / "tools" / "deps" / "terraform.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def terraform_binary() -> str:
    binary = shutil.which(os.environ.get("TERRAFORM", "terraform"))
    if not binary:
        pytest.fail("terraform is not installed (tools/deps/install.sh says how to provide it; no "
                    "registry here serves it)", pytrace=False)
    return binary


def provider_mirror() -> Path:
    values = pins()
    mirror = Path(os.environ.get("TERRAFORM_PROVIDER_MIRROR",
                                 values["TERRAFORM_PROVIDER_MIRROR_DEFAULT"]))
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    package = (mirror / "registry.terraform.io" / "hashicorp" / "aws" /
               values["TERRAFORM_AWS_PROVIDER_VERSION"] / f"linux_{machine}")
    if not any(package.glob("terraform-provider-aws_v*")):
        pytest.fail(f"the hashicorp/aws provider is not in the filesystem mirror: {package} "
                    "(set TERRAFORM_PROVIDER_MIRROR; tools/deps/install.sh checks it)", pytrace=False)
    return mirror


class Terraform:
    """One working copy of deploy/terraform under `root`, and the commands run on it."""

    def __init__(self, root: Path):
        self.root = root
        self.binary = terraform_binary()
        self.module = root / "terraform"
        shutil.copytree(MODULE, self.module,
                        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"))
        cli_config = root / "terraform.tfrc"
        cli_config.write_text(
            "provider_installation {\n"
            "  filesystem_mirror {\n"
            f"    path    = \"{provider_mirror()}\"\n"
            "    include = [\"registry.terraform.io/hashicorp/aws\"]\n"
            "  }\n"
            "  direct {\n"
            "    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n"
            "  }\n"
            "}\n")
        self.environment = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        }
        self.timings: list[tuple[str, float]] = []
        self.slow: list[str] = []

    def report(self) -> str:
        commands = ", ".join(f"{command} {seconds:.1f} s" for command, seconds in self.timings)
        return f"{commands}; slowest resources: {self.slow}"

    def run(self, directory: Path, *arguments: str, check: bool = True,
            timeout: float = 300) -> subprocess.CompletedProcess:
        started = time.monotonic()
        result = subprocess.run([self.binary, f"-chdir={directory}", *arguments, "-no-color"],
                                env=self.environment, capture_output=True, text=True,
                                timeout=timeout)
        self.timings.append((arguments[0], time.monotonic() - started))
        # Resources that took 5 s or more, for the time report.
        self.slow += [line.strip() for line in result.stdout.splitlines()
                      if re.search(r"complete after ([5-9]|\d\d+)s", line)]
        if check and result.returncode != 0:
            pytest.fail(f"terraform {' '.join(arguments)} in {directory} failed "
                        f"({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}",
                        pytrace=False)
        return result
