"""tools/clang_tidy.py refuses a NOLINT under src/ that names no check or gives no reason."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("clang_tidy", ROOT / "tools" / "clang_tidy.py")
clang_tidy = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(clang_tidy)


def flagged(tmp_path, lines):
    source = tmp_path / "src" / "unit.cc"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text("\n".join(lines) + "\n")
    return [problem.split(": ", 1)[0] for problem in clang_tidy.unjustified_suppressions(tmp_path)]


def test_a_suppression_with_its_check_and_reason_is_accepted(tmp_path):
    assert flagged(tmp_path, [
        "int a = f();  // NOLINT(bugprone-unused-return-value): the handle was taken",
        "// NOLINTNEXTLINE(*-reinterpret-cast): char may alias unsigned char",
        "// NOLINTBEGIN(*-union-access,*-const-cast): librdkafka's tagged union",
        "// NOLINTEND(*-union-access,*-const-cast)",
    ]) == []


def test_a_suppression_without_a_check_or_a_reason_is_refused(tmp_path):
    assert flagged(tmp_path, [
        "int a = f();  // NOLINT",
        "int b = f();  // NOLINT(bugprone-unused-return-value)",
        "// NOLINTNEXTLINE(bugprone-unused-return-value) the colon is missing",
        "// NOLINTBEGIN(): empty list",
        "// NOLINTNEXTLINE(misc-const-correctness):   ",
    ]) == [f"src/unit.cc:{n}" for n in range(1, 6)]


def test_the_product_has_no_unjustified_suppression():
    assert clang_tidy.unjustified_suppressions(ROOT) == []
