#!/usr/bin/env python3
"""Runs clang-tidy 19 with the checked-in .clang-tidy on every translation unit under src/.

Uses the ci build's compile commands (build/ci/compile_commands.json), one clang-tidy per core.
A translation unit that was clean is remembered under build/ci/clang-tidy-cache/ by a key that
covers everything its result depends on: the clang-tidy version, the .clang-tidy files, the
extra arguments, its compile command and the content of every file it includes (from ninja's
dependency log, used only when ninja marks it VALID, i.e. the object is up to date). A unit whose
key is not in the cache, or whose dependencies are unknown, is checked. Exit status 1 on any
finding, with clang-tidy's output of each unit that has one.
"""
import concurrent.futures
import hashlib
import json
import os
import pathlib
import shlex
import shutil
import subprocess
import sys
import time

TIDY = "clang-tidy-19"
# g++-only warning flags (-Wlogical-op, -Wuseless-cast, ...) are in the compile commands.
EXTRA_ARGS = ["--extra-arg=-Wno-unknown-warning-option"]
SCOPE = ("src/",)


def fail(message):
    print(f"lint: {message}", file=sys.stderr)
    sys.exit(1)


def ninja_deps(build_dir):
    """object path (relative to build_dir) -> list of dependency paths, for VALID entries only."""
    if not (build_dir / ".ninja_deps").exists() or shutil.which("ninja") is None:
        return {}
    out = subprocess.run(["ninja", "-C", str(build_dir), "-t", "deps"], capture_output=True,
                         text=True, check=False).stdout
    deps, current = {}, None
    for line in out.splitlines():
        if not line.strip():
            current = None
        elif not line.startswith(" "):
            target, _, rest = line.partition(": ")
            current = target if rest.rstrip().endswith("(VALID)") else None
            if current is not None:
                deps[current] = []
        elif current is not None:
            deps[current].append(line.strip())
    return deps


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    os.chdir(root)
    if shutil.which(TIDY) is None:
        fail(f"{TIDY} not found: run tools/deps/install.sh (tools/deps/apt-packages.txt lists it)")
    build_dir = root / "build" / "ci"
    database = build_dir / "compile_commands.json"
    if not database.exists():
        # Configuring is enough: no source is generated, so clang-tidy needs no build.
        subprocess.run(["cmake", "--preset", "ci"], check=True, stdout=subprocess.DEVNULL)
    entries = [e for e in json.loads(database.read_text())
               if os.path.relpath(e["file"], root).startswith(SCOPE)]
    if not entries:
        fail(f"clang-tidy: no translation unit under {', '.join(SCOPE)} in {database}")

    version = subprocess.run([TIDY, "--version"], capture_output=True, text=True,
                             check=True).stdout
    config_files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "*.clang-tidy"],
        capture_output=True, text=True, check=True).stdout.split()
    configs = "".join(f"{name}\n{pathlib.Path(name).read_text()}" for name in sorted(config_files))
    common = hashlib.sha256(
        (version + configs + "\0".join(EXTRA_ARGS) + pathlib.Path(__file__).read_text())
        .encode()).hexdigest()

    deps = ninja_deps(build_dir)
    file_hashes = {}

    def content_hash(path):
        if path not in file_hashes:
            try:
                file_hashes[path] = hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()
            except OSError:
                file_hashes[path] = "missing"
        return file_hashes[path]

    def cache_key(entry):
        words = shlex.split(entry["command"])
        output = entry.get("output") or (words[words.index("-o") + 1] if "-o" in words else None)
        if output is None or output not in deps:
            return None
        key = hashlib.sha256(common.encode())
        key.update(entry["directory"].encode() + b"\0" + entry["command"].encode() + b"\0")
        for dep in deps[output]:
            path = os.path.join(entry["directory"], dep)
            key.update(f"{dep}\0{content_hash(path)}\0".encode())
        return key.hexdigest()

    cache = build_dir / "clang-tidy-cache"
    cache.mkdir(exist_ok=True)
    todo, cached = [], 0
    for entry in entries:
        key = cache_key(entry)
        if key is not None and (cache / key).exists():
            cached += 1
        else:
            todo.append((entry, key))

    def run(item):
        entry, key = item
        result = subprocess.run([TIDY, "-p", str(build_dir), "--quiet", *EXTRA_ARGS,
                                 entry["file"]], capture_output=True, text=True, check=False)
        clean = result.returncode == 0 and "warning:" not in result.stdout \
            and "error:" not in result.stdout
        if clean and key is not None:
            (cache / key).touch()
        return entry["file"], clean, result.stdout + result.stderr

    started = time.monotonic()
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for path, clean, output in pool.map(run, todo):
            if not clean:
                failed.append(path)
                print(output, end="", file=sys.stderr)
    elapsed = time.monotonic() - started
    if failed:
        fail(f"clang-tidy: findings in {len(failed)} of {len(entries)} translation units: "
             + " ".join(os.path.relpath(p, root) for p in failed))
    print(f"lint: clang-tidy: {len(entries)} translation units under {', '.join(SCOPE)} clean "
          f"({len(todo)} checked in {elapsed:.0f} s, {cached} unchanged since a clean run)")


if __name__ == "__main__":
    main()
