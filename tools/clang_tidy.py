#!/usr/bin/env python3
"""Runs clang-tidy 19 with the checked-in .clang-tidy on every translation unit under src/.

Uses the ci build's compile commands (build/ci/compile_commands.json), one clang-tidy per core.
A translation unit that was clean is remembered under build/ci/clang-tidy-cache/ by a key that
covers everything its result depends on: the clang-tidy version, the .clang-tidy files, the
extra arguments, its compile command and the content of every file it includes (from ninja's
dependency log, used only when ninja marks it VALID, i.e. the object is up to date). A unit whose
key is not in the cache, or whose dependencies are unknown, is checked. Paths under the checkout
are hashed relative to it, and the cache lives outside the checkout (like ccache's), so a clean
clone of unchanged sources reuses the results of an earlier run instead of paying for every unit.

Any finding fails (exit status 1) with clang-tidy's output of that unit. A finding is silenced
only at its line, with `// NOLINT(check): reason` (or NOLINTNEXTLINE, NOLINTBEGIN): this script
also fails on a NOLINT under src/ that names no check or gives no reason.
"""
import concurrent.futures
import hashlib
import json
import re
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
# NOLINT, NOLINTNEXTLINE or NOLINTBEGIN, then "(checks): reason"; NOLINTEND closes a BEGIN.
SUPPRESSION = re.compile(r"NOLINT(?!END)(?:NEXTLINE|BEGIN)?(\([^)]*\))?(:?)\s*(.*)")
FINDING = re.compile(r"^(/[^:\n]+):\d+:\d+: (?:warning|error): .* \[([a-z0-9.-]+)[,\]]", re.M)


def fail(message):
    print(f"lint: {message}", file=sys.stderr)
    sys.exit(1)


def unjustified_suppressions(root):
    """"path:line: text" of each NOLINT under SCOPE without a check list and a reason."""
    problems = []
    for folder in SCOPE:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".h", ".cc") or not path.is_file():
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                for match in SUPPRESSION.finditer(line):
                    checks, colon, reason = match.groups()
                    if not checks or checks == "()" or not colon or not reason.strip():
                        problems.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return problems


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
    unjustified = unjustified_suppressions(root)
    if unjustified:
        fail("a suppression names no check or gives no reason (`// NOLINT(check): reason`):\n  "
             + "\n  ".join(unjustified))
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
        here = str(root)
        key.update(entry["directory"].replace(here, "<root>").encode() + b"\0"
                   + entry["command"].replace(here, "<root>").encode() + b"\0")
        for dep in deps[output]:
            path = os.path.normpath(os.path.join(entry["directory"], dep))
            key.update(f"{path.replace(here, '<root>')}\0{content_hash(path)}\0".encode())
        return key.hexdigest()

    cache = pathlib.Path(os.environ.get("DISPATCHER_CLANG_TIDY_CACHE") or pathlib.Path(
        os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
        / "ddb-eventstore-dispatcher" / "clang-tidy")
    cache.mkdir(parents=True, exist_ok=True)
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
        output = result.stdout + result.stderr
        found = {}
        for path, check in FINDING.findall(result.stdout):
            name = os.path.relpath(path, root) if path.startswith(str(root) + "/") else path
            found[(name, check)] = found.get((name, check), 0) + 1
        unexplained = result.returncode != 0 and not found
        if not unexplained and key is not None:
            (cache / key).write_text(json.dumps(sorted([*k, v] for k, v in found.items())))
        return entry["file"], found, unexplained, output

    started = time.monotonic()
    # A header's findings are reported by every unit that includes it: count each kind per file
    # once, at its highest count in any one unit.
    totals, outputs, broken = {}, {}, []
    for entry in entries:
        key = cache_key(entry)
        if key is not None and (cache / key).exists() and (entry, key) not in todo:
            for path, check, count in json.loads((cache / key).read_text() or "[]"):
                totals[(path, check)] = max(totals.get((path, check), 0), count)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for unit, found, unexplained, output in pool.map(run, todo):
            if unexplained:
                broken.append(unit)
                print(output, end="", file=sys.stderr)
            for kind, count in found.items():
                totals[kind] = max(totals.get(kind, 0), count)
                outputs.setdefault(kind, output)
    elapsed = time.monotonic() - started
    if broken:
        fail("clang-tidy failed without a finding on: "
             + " ".join(os.path.relpath(p, root) for p in broken))
    for output in dict.fromkeys(outputs[kind] for kind in sorted(totals) if kind in outputs):
        print(output, end="", file=sys.stderr)
    if totals:
        fail("clang-tidy: " + ", ".join(f"{path} {check} {count}"
                                        for (path, check), count in sorted(totals.items())))
    print(f"lint: clang-tidy: {len(entries)} translation units under {', '.join(SCOPE)}, no "
          f"finding ({len(todo)} checked in {elapsed:.0f} s, {cached} unchanged since an earlier "
          "run)")

if __name__ == "__main__":
    main()
