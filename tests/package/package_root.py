"""The otherwise empty root the package tests unpack a zip into, and how to run a program inside
it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

TASK_ROOT = "/var/task"
LAUNCHER = f"{TASK_ROOT}/bootstrap"
BINARY = f"{TASK_ROOT}/bin/ddb-eventstore-dispatcher"
AMAZON_LINUX_CA_BUNDLE = "etc/pki/tls/certs/ca-bundle.crt"
BUILD_MACHINE_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
STATIC_SHELL = Path("/bin/busybox")  # Debian's busybox-static (tools/deps/apt-packages.txt)

# libcurl answers `localhost` itself (without the resolver), so DynamoDB is reached by a name
# only the root's hosts file knows; librdkafka resolves `localhost` with getaddrinfo, i.e. glibc's
# name-service switch.
STACK_HOST = "stack.package.test"
AMAZON_LINUX_HOSTS = ("127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                      "::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n"
                      f"127.0.0.1   {STACK_HOST}\n")


def zip_path(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value:
        pytest.fail(f"{variable} is not set: run through ctest (tests/package/CMakeLists.txt), "
                    "which builds the zip first", pytrace=False)
    path = Path(value)
    if not path.is_file():
        pytest.fail(f"{variable}={path} does not exist: `make package` (packaging/package.sh) "
                    "did not produce it", pytrace=False)
    return path


def make_root(base: Path, package: Path, *, ca_bundle: bool = True,
              hosts: str = AMAZON_LINUX_HOSTS) -> Path:
    """An otherwise empty root: /bin/sh (static busybox), /etc basics, the CA bundle at the Amazon
    Linux path (unless `ca_bundle` is false), /tmp, and the zip unpacked into /var/task. Nothing
    from the build machine's /lib, /usr or /etc/ssl."""
    root = base / "root"
    if not STATIC_SHELL.is_file():
        pytest.fail(f"{STATIC_SHELL} is missing: install busybox-static (tools/deps/install.sh)",
                    pytrace=False)
    (root / "bin").mkdir(parents=True)
    shutil.copy2(STATIC_SHELL, root / "bin/sh")  # busybox picks the applet from argv[0]: sh
    etc = root / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n"
                                "sbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin\n")
    (etc / "group").write_text("root:x:0:\nsbx_user1051:x:990:\n")
    (etc / "hosts").write_text(hosts)
    (etc / "nsswitch.conf").write_text("passwd: files\ngroup: files\nhosts: files dns\n")
    # A resolver that answers nothing quickly (nothing listens on loopback port 53): names must
    # come from /etc/hosts.
    (etc / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    if ca_bundle:
        bundle = root / AMAZON_LINUX_CA_BUNDLE
        bundle.parent.mkdir(parents=True)
        shutil.copy2(BUILD_MACHINE_CA_BUNDLE, bundle)
    (root / "tmp").mkdir(mode=0o1777)
    os.chmod(root / "tmp", 0o1777)
    task = root / TASK_ROOT.lstrip("/")
    task.mkdir(parents=True)
    # unzip keeps the Unix modes stored in the zip (as Lambda does); Python's zipfile would not.
    subprocess.run(["unzip", "-q", str(package), "-d", str(task)], check=True)
    return root


def confinement(root: Path) -> list[str]:
    """The command prefix that runs a program with `root` as its /: chroot as root, else an
    unprivileged user namespace (unshare --map-root-user --root). Skips with the reason when
    neither is possible here."""
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    if os.geteuid() == 0 and os.path.exists(chroot):
        return [chroot, str(root)]
    unshare = shutil.which("unshare")
    if unshare:
        prefix = [unshare, "--user", "--map-root-user", f"--root={root}"]
        probe = subprocess.run([*prefix, "/bin/sh", "-c", ":"], capture_output=True)
        if probe.returncode == 0:
            return prefix
        reason = probe.stderr.decode(errors="replace").strip()
    else:
        reason = "unshare is not installed"
    pytest.skip(f"cannot confine a process to an empty root here: not root (no chroot) and "
                f"unshare --user --root failed ({reason})")


def with_host(address: str, host: str) -> str:
    """host:port or scheme://host:port with the host replaced, so the function has to resolve
    it through the root's name-service configuration."""
    scheme, separator, rest = address.rpartition("://")
    port = rest.rsplit(":", 1)[1]
    return f"{scheme}{separator}{host}:{port}"
