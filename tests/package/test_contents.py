"""What each zip holds: the launcher, a stripped binary whose build-id and debuglink match the
.debug file beside the zip, and a lib/ directory that satisfies every DT_NEEDED of every ELF file
in the zip by itself (so nothing is looked up on the host)."""

from __future__ import annotations

import re
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from package_root import zip_path

ARCHES = {"x86_64": ("PACKAGE_ZIP_X86_64", "", "ld-linux-x86-64.so.2"),
          "arm64": ("PACKAGE_ZIP_ARM64", "aarch64-linux-gnu-", "ld-linux-aarch64.so.1")}
PROGRAM = "bin/ddb-eventstore-dispatcher"


def readelf(prefix: str, *arguments: str) -> str:
    return subprocess.run([f"{prefix}readelf", *arguments], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def build_id(prefix: str, path: Path) -> str:
    found = re.search(r"Build ID: ([0-9a-f]+)", readelf(prefix, "-n", str(path)))
    assert found, f"{path} has no build-id note"
    return found.group(1)


@pytest.fixture(params=sorted(ARCHES))
def unpacked(request, tmp_path):
    variable, prefix, loader = ARCHES[request.param]
    package = zip_path(variable)
    with zipfile.ZipFile(package) as archive:
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        archive.extractall(tmp_path)
    return package, tmp_path, modes, prefix, loader


def test_launcher_and_binary_are_executable_and_the_binary_is_stripped(unpacked):
    package, root, modes, prefix, _ = unpacked
    assert modes["bootstrap"] & stat.S_IXUSR and modes[PROGRAM] & stat.S_IXUSR, modes
    assert (root / "bootstrap").read_text().startswith("#!/bin/sh\n")
    sections = readelf(prefix, "-S", "-W", str(root / PROGRAM))
    assert ".symtab" not in sections and ".debug_info" not in sections, "binary is not stripped"
    assert ".gnu_debuglink" in sections


def test_debug_file_beside_the_zip_matches_the_binary(unpacked):
    package, root, _, prefix, _ = unpacked
    debug = package.with_suffix(".debug")
    assert debug.is_file(), f"{debug} missing"
    assert build_id(prefix, debug) == build_id(prefix, root / PROGRAM)
    assert ".debug_info" in readelf(prefix, "-S", "-W", str(debug))
    link = readelf(prefix, "--string-dump=.gnu_debuglink", str(root / PROGRAM))
    assert debug.name in link, link


def test_lib_satisfies_every_needed_library_and_holds_the_loader(unpacked):
    _, root, _, prefix, loader = unpacked
    lib = root / "lib"
    assert (lib / loader).is_file()
    assert (lib / "libc.so.6").is_file() and (lib / "libresolv.so.2").is_file()
    missing = []
    for elf in [root / PROGRAM, *sorted(lib.iterdir())]:
        for needed in re.findall(r"\(NEEDED\).*\[(.*)\]", readelf(prefix, "-d", str(elf))):
            if not (lib / needed).is_file():
                missing.append(f"{elf.name} needs {needed}")
    assert not missing, missing
    interpreter = re.search(r"program interpreter: (.*)\]", readelf(prefix, "-l", str(root / PROGRAM)))
    assert interpreter and interpreter.group(1).endswith("/" + loader)
