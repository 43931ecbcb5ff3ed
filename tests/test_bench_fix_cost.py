"""bench.fix_rate and bench.model_cost: the pieces that run without the model."""

from __future__ import annotations

from bench import fix_rate, model_cost
from swclint.findings import Finding, Location


def test_model_cost_sample_is_seeded_and_follows_the_glob(tmp_path):
    for name in ("0a.sol", "8a.sol", "9b.sol", "ab.sol", "bc.sol", "c0.sol", "8z.txt"):
        (tmp_path / name).write_text("pragma solidity ^0.8.0;\n")
    split = model_cost.pick(tmp_path, "[89ab]*.sol", None, 0)
    assert [p.name for p in split] == ["8a.sol", "9b.sol", "ab.sol", "bc.sol"]
    a = model_cost.pick(tmp_path, "[89ab]*.sol", 2, 7)
    assert len(a) == 2 and a == model_cost.pick(tmp_path, "[89ab]*.sol", 2, 7) and set(a) <= set(split)


def test_model_cost_scratch_cache_links_compilers_but_not_answers(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    (shared / "solc").mkdir(parents=True)
    (shared / "llm-cache.sqlite").write_text("x")
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(shared))
    cache = model_cost.scratch_cache(tmp_path, "run")
    assert (cache / "solc").resolve() == shared / "solc"
    assert not (cache / "llm-cache.sqlite").exists() and not (cache / "static").exists()


def test_fix_rate_applies_a_fix_over_its_region():
    text = "contract A {\n    function f() public {\n        x = 1;\n    }\n}\n"
    f = Finding("SWC-107", "t", "high", 0.9, Location("a.sol", 3, 3), "m", function="f",
                fix="function f() public {\n        x = 2;\n    }", fix_location=Location("a.sol", 2, 4, 5, 6))
    assert fix_rate.apply_fix(text, f) == text.replace("x = 1", "x = 2")


def test_fix_rate_refuses_a_folder_without_labels(tmp_path, capsys):
    assert fix_rate.main(["--corpus", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no labels.csv" in err


def test_cpu_dtype_compare_counts_what_changes():
    from bench.cpu_dtype import compare

    a = [{"none": 0.6, "SWC-101": 0.4}, {"none": 0.1, "SWC-101": 0.9}]
    b = [{"none": 0.45, "SWC-101": 0.55}, {"none": 0.1, "SWC-101": 0.9}]
    got = compare(a, b, 0.8)
    assert got == {"max_abs_dp": 0.15, "top_label_differs": 1, "cross_0.5": 1, "cross_0.8": 0}
    assert compare(a, a, 0.8) == {"max_abs_dp": 0.0, "top_label_differs": 0, "cross_0.5": 0, "cross_0.8": 0}


def test_cpu_dtype_takes_functions_round_robin_from_each_corpus(tmp_path):
    from bench.cpu_dtype import prompts_from

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "A.sol").write_text("contract A {" + "".join(f" function a{i}() public {{}}" for i in range(5)) + "}")
    (tmp_path / "b" / "B.sol").write_text("contract B { function b0() public {} function b1() public {} }")
    got = prompts_from([tmp_path / "a", tmp_path / "b"], 5)
    assert [("a0" in p, "b0" in p, "a1" in p, "b1" in p, "a2" in p) for p in got] == [
        (True, False, False, False, False), (False, True, False, False, False), (False, False, True, False, False),
        (False, False, False, True, False), (False, False, False, False, True)]
