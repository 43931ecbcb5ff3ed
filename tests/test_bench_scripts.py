"""bench.mutate and bench.scale: deterministic mutators and checkers (unit), real CLI runs (e2e)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import clean, mutate, scale

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "contracts"
SAMPLE = b"""// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

contract Vault {
    mapping(address => uint256) public balances;

    function withdraw() external {
        (bool ok, ) = msg.sender.call{value: balances[msg.sender]}("");
        require(ok);
        balances[msg.sender] = 0;
    }
}
"""


def _bench(module: str, *args: str, cwd: Path = REPO, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


# --- mutate: unit ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(mutate.MUTATORS))
def test_each_mutator_is_deterministic_and_changes_something(name):
    fn = mutate.MUTATORS[name]
    outputs = [fn(SAMPLE, random.Random(seed)) for seed in range(8)]
    assert outputs == [fn(SAMPLE, random.Random(seed)) for seed in range(8)]
    assert any(out != SAMPLE for out in outputs), f"{name} never changed the input"


def test_variants_are_deterministic_for_a_seed_and_a_prefix_for_smaller_counts():
    names = list(mutate.MUTATORS)
    first = mutate.make_variants(30, 7, names)
    assert first == mutate.make_variants(30, 7, names)
    assert mutate.make_variants(10, 7, names) == first[:10]
    other = mutate.make_variants(30, 8, names)
    assert [v.data for v in other] != [v.data for v in first]
    assert all(v.rel_path.endswith(".sol") and set(v.mutations) <= set(names) for v in first)


def test_only_the_chosen_mutators_are_used():
    variants = mutate.make_variants(20, 3, ["inject_comments"])
    assert {m for v in variants for m in v.mutations} == {"inject_comments"}


def test_byte_flips_leave_pragmas_alone():
    pragma = b"pragma solidity ^0.8.0;"
    for seed in range(200):
        assert pragma in mutate.flip_bytes(SAMPLE, random.Random(seed))


def test_impossible_pragma_replaces_every_pragma():
    out = mutate.impossible_pragma(SAMPLE + b"pragma solidity ^0.8.0;\n", random.Random(1))
    assert b"^0.8.0" not in out and out.count(b"pragma solidity") >= 2


def test_sarif_problems_finds_broken_structure():
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [{"id": "SWC-107"}]}}, "results": [
        {"ruleId": "SWC-107", "ruleIndex": 0, "locations": [
            {"physicalLocation": {"region": {"startLine": 3, "startColumn": 1, "endLine": 3}}}]}]}]}
    assert mutate.sarif_problems(good) == []
    bad = json.loads(json.dumps(good))
    bad["runs"][0]["results"][0]["ruleIndex"] = 1
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(mutate.sarif_problems(bad)) == 2
    assert mutate.sarif_problems({"version": "2.0.0"})


def _proc(rc: int, report: dict | None, stderr: str = "") -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess([], rc, json.dumps(report) if report is not None else "", stderr)


def _report(files: int, findings: list[dict], errors: list[dict]) -> dict:
    return {"summary": {"files": files}, "findings": findings, "errors": errors}


def test_json_checker_accepts_a_consistent_run():
    report = _report(1, [{"suppressed": False, "severity": "high"}], [{"path": "b.sol", "stage": "read",
                                                                        "message": "binary file"}])
    check = mutate.check_json_run("r", _proc(1, report), 1.0, 10, {"a.sol", "b.sol"})
    assert check.violations == []


@pytest.mark.parametrize(("rc", "report", "stderr", "expected"), [
    (1, _report(0, [], []), "", "exit 1 but 0 files"),
    (0, _report(2, [{"suppressed": False, "severity": "medium"}], []), "", "exit 0 with 1"),
    (1, _report(2, [{"suppressed": True, "severity": "high"}], []), "", "exit 1 without"),
    (0, _report(1, [], []), "", "each input must be analysed or named"),
    (2, None, "Traceback (most recent call last):\n  ...\nValueError: boom", "traceback"),
    (3, _report(2, [], []), "", "not in 0/1/2"),
])
def test_json_checker_reports_violations(rc, report, stderr, expected):
    check = mutate.check_json_run("r", _proc(rc, report, stderr), 1.0, 10, {"a.sol", "b.sol"})
    assert any(expected in v for v in check.violations), check.violations


def test_a_crashing_file_is_isolated_and_the_rest_still_checked(tmp_path, monkeypatch):
    """A stand-in CLI that crashes whenever `bad` is among its inputs: bisection names that file."""
    def fake_cli(args, cwd, timeout):
        files = [a for a in args if a.endswith(".sol")]
        if any("bad" in f for f in files):
            return subprocess.CompletedProcess(args, 1, "", "Traceback (most recent call last):\nValueError: x"), 0.1
        if "--output" in args:
            Path(args[args.index("--output") + 1]).write_text(json.dumps(
                {"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": []}}, "results": []}]}))
            return subprocess.CompletedProcess(args, 0, "", ""), 0.1
        report = {"summary": {"files": len(files)}, "findings": [], "errors": []}
        return subprocess.CompletedProcess(args, 0, json.dumps(report), ""), 0.1

    monkeypatch.setattr(mutate, "run_cli", fake_cli)
    names = ["ok1", "ok2", "bad", "ok3", "ok4"]
    batch = [mutate.Variant(i, "x.sol", ("truncate",), f"v{i}_{n}.sol", SAMPLE) for i, n in enumerate(names)]
    result = mutate.run_batch(0, batch, tmp_path, jobs=1, timeout=10)
    assert result["analysed"] == 4
    (violation,) = result["violations"]
    assert "traceback" in violation and "v2_bad.sol" in violation and "mutations truncate" in violation
    assert result["runs"] > 2


def test_mutate_cli_rejects_unknown_mutators():
    proc = _bench("bench.mutate", "--count", "1", "--seed", "1", "--only", "nope")
    assert proc.returncode == 2 and "unknown mutator(s) nope" in proc.stderr


# --- mutate: real CLI runs ---------------------------------------------------------------------


@pytest.mark.e2e
def test_mutation_run_is_clean(tmp_path):
    proc = _bench("bench.mutate", "--count", "10", "--seed", "0", "--skip", ",".join(mutate.KNOWN_BUGS), "--json",
                  "--batch-size", "5", "--out", str(tmp_path / "tree"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["variants"] == 10 and summary["runs"] == 4 and summary["violations"] == []
    assert sum(summary["mutations"].values()) >= 10
    assert len(list((tmp_path / "tree").rglob("*.sol"))) == 10
    # Every variant ends up analysed or in an error.
    batches = summary["batches"]
    assert all(b["analysed"] + sum(b["errors_by_stage"].values()) >= b["files"] for b in batches)


# --- scale -------------------------------------------------------------------------------------


def test_split_spec():
    assert scale.split_spec("@openzeppelin/contracts@4.9.6") == ("@openzeppelin/contracts", "4.9.6")
    assert scale.split_spec("@uniswap/v3-core") == ("@uniswap/v3-core", "")
    assert scale.split_spec("solmate@6.2.0") == ("solmate", "6.2.0")
    assert scale.split_spec("solmate") == ("solmate", "")
    assert scale.split_spec("oz-2.3.0@npm:openzeppelin-solidity@2.3.0") == ("oz-2.3.0", "2.3.0")
    assert scale.split_spec("@cl/c-0.0.10@npm:@chainlink/contracts@0.0.10") == ("@cl/c-0.0.10", "0.0.10")
    assert scale.split_spec("oz@npm:openzeppelin-solidity") == ("oz", "")


def test_npm_install_reuses_an_installed_package_and_prefers_contracts_folder(tmp_path, monkeypatch):
    if not shutil.which("npm"):
        pytest.skip("npm not installed")
    spec = "@acme/pkg@1.0.0"
    prefix = tmp_path / "_acme_pkg_1.0.0"
    package = prefix / "node_modules" / "@acme" / "pkg"
    (package / "contracts").mkdir(parents=True)
    (package / "package.json").write_text('{"version": "1.0.0"}')
    (package / "contracts" / "A.sol").write_text("contract A {}\n")
    monkeypatch.setattr(scale.subprocess, "run", lambda *a, **k: pytest.fail("npm must not run again"))
    got_prefix, folders = scale.npm_install([spec], cache=tmp_path)
    assert got_prefix == prefix and folders == [package / "contracts"]


def test_npm_install_that_fails_unpacks_the_package_alone(tmp_path, monkeypatch):
    # a package whose dependency lives on GitHub cannot be installed here; its tarball still scans
    if not shutil.which("npm"):
        pytest.skip("npm not installed")
    import io
    import subprocess
    import tarfile

    def fake_run(cmd, **kwargs):
        if cmd[1] == "install":
            return subprocess.CompletedProcess(cmd, 1, "", "npm error code ENOTFOUND\n")
        assert cmd[1:3] == ["pack", "@acme/pkg@1.0.0"]
        with tarfile.open(Path(cmd[cmd.index("--pack-destination") + 1]) / "acme-pkg-1.0.0.tgz", "w:gz") as tgz:
            for name, text in [("package/package.json", '{"version": "1.0.0"}'),
                               ("package/contracts/A.sol", "contract A {}\n")]:
                info = tarfile.TarInfo(name)
                info.size = len(text)
                tgz.addfile(info, io.BytesIO(text.encode()))
        return subprocess.CompletedProcess(cmd, 0, "acme-pkg-1.0.0.tgz\n", "")

    monkeypatch.setattr(scale.subprocess, "run", fake_run)
    prefix, folders = scale.npm_install(["@acme/pkg@1.0.0"], cache=tmp_path)
    package = prefix / "node_modules" / "@acme" / "pkg"
    assert folders == [package / "contracts"]
    assert (package / "contracts" / "A.sol").read_text() == "contract A {}\n"


def test_scale_cli_errors_are_one_line(tmp_path):
    proc = _bench("bench.scale", "--corpus", str(tmp_path / "missing"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"bench.scale: error: {tmp_path / 'missing'}: corpus folder does not exist"
    proc = _bench("bench.scale", "--corpus", str(tmp_path), "--jobs", "0")
    assert proc.returncode == 2 and "at least 1" in proc.stderr


@pytest.mark.e2e
def test_scale_on_a_tiny_corpus_prints_the_table(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("Vault_0_8.sol", "Vault_0_8_fixed.sol"):
        shutil.copy(EXAMPLES / "SWC-107" / name, corpus / name)
    proc = _bench("bench.scale", "--corpus", str(corpus), "--jobs", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("| jobs | run | files analysed |")
    rows = [ln.split("|")[1:-1] for ln in lines[2:4]]
    assert [r[1].strip() for r in rows] == ["cold", "warm"]
    assert all(r[0].strip() == "1" and r[2].strip() == "2/2" and float(r[4]) > 0 for r in rows)
    assert any(ln.startswith("Command: `python -m bench.scale --corpus") for ln in lines)

    proc = _bench("bench.scale", "--corpus", str(corpus), "--jobs", "1", "--json", cwd=tmp_path)
    data = json.loads(proc.stdout)
    assert data["sources"] == 2 and [r["run"] for r in data["runs"]] == ["cold", "warm"]
    assert all(r["files"] == 2 and r["max_process_rss_mib"] > 10 for r in data["runs"])


# --- clean (false positives on production code) ------------------------------------------------


def _finding(source: str, severity: str, swc: str = "SWC-101", path: str = "A.sol") -> dict:
    return {"swc_id": swc, "severity": severity, "suppressed": False, "message": "m",
            "location": {"path": path, "start_line": 3}, "evidence": [{"source": source}]}


def test_clean_summary_separates_our_detectors_from_slither():
    report = {"summary": {"files": 2}, "errors": [], "findings": [
        _finding("swclint:swc-101", "high"), _finding("slither:reentrancy-eth", "high", "SWC-107"),
        _finding("slither:x", "medium", "SWC-114", "B.sol"), _finding("swclint:swc-114", "medium", "SWC-114"),
        {**_finding("swclint:swc-114", "medium", "SWC-114"), "suppressed": True},
        {**_finding("slither:reentrancy-eth", "high", "SWC-107"),
         "evidence": [{"source": "slither:reentrancy-eth"}, {"source": "swclint:x"}, {"source": "llm:m"}]},
    ]}
    s = clean.summarise(report, contracts=4)
    assert s["by_origin"]["swclint"] == {"high": 1, "medium": 1, "low": 0, "info": 0}
    assert s["by_origin"]["slither"]["high"] == 1 and s["by_origin"]["slither+swclint"]["high"] == 1
    assert s["ours_high"] == ["A.sol:3 SWC-101 m", "A.sol:3 SWC-107 m"]  # merged findings count as ours
    assert s["medium_per_contract"] == {"ours": 0.25, "all": 0.5}
    assert s["medium_per_file"] == {"ours": 0.5, "all": 1.0}
    assert s["model_only"] == {"findings": 0, "by_rule": {}, "per_contract": 0.0}
    report["findings"].append(_finding("llm:gemma-3-270m", "medium", "SWC-114"))
    s = clean.summarise(report, contracts=4)
    assert s["model_only"] == {"findings": 1, "by_rule": {"SWC-114": 1}, "per_contract": 0.25}
    assert s["by_origin"]["llm"]["medium"] == 1 and s["medium_per_contract"]["ours"] == 0.25


@pytest.mark.e2e
def test_clean_flags_our_high_on_vulnerable_code_only(tmp_path):
    vulnerable, fixed = tmp_path / "vulnerable", tmp_path / "fixed"
    for folder, name in ((vulnerable, "BatchToken_0_4.sol"), (fixed, "BatchToken_0_4_fixed.sol")):
        folder.mkdir()
        shutil.copy(EXAMPLES / "SWC-101" / name, folder / name)
    # packages ship folders named like sources (Chainlink's abi/.../IL2CrossDomainMessenger.sol/)
    (vulnerable / "abi" / "Messenger.sol").mkdir(parents=True)
    (vulnerable / "abi" / "Messenger.sol" / "Messenger.json").write_text("[]")
    proc = _bench("bench.clean", "--corpus", str(vulnerable), "--jobs", "1", "--json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    data = json.loads(proc.stdout)
    assert data["files"] == 1 and data["contracts"] >= 1
    assert any("BatchToken_0_4.sol" in h and "SWC-101" in h for h in data["ours_high"])
    proc = _bench("bench.clean", "--corpus", str(fixed), "--jobs", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert "High from our detectors: 0" in proc.stdout


# --- label_noise --------------------------------------------------------------------------------


def test_label_noise_reports_held_out_f1_and_near_duplicate_agreement(tmp_path):
    from bench import label_noise

    data = REPO / "tests" / "fixtures" / "trainer" / "data"
    result = label_noise.measure(data)
    assert set(result["held_out"]) == {*label_noise.LABELS, "macro_f1"}
    assert all(0.0 <= v <= 1.0 for v in result["held_out"].values())
    rows = list(result["near_duplicates"].values())
    assert [r["pairs"] for r in rows] == sorted((r["pairs"] for r in rows), reverse=True)  # stricter, fewer
    rows = [json.loads(line) for line in (data / "test.jsonl").read_text().splitlines() if line.strip()]
    expected = sum(len(set(r.get("labels") or []) & set(label_noise.LABELS)) > 1 for r in rows)
    assert result["ambiguous_test_records"] == expected
    proc = _bench("bench.label_noise", "--data", str(tmp_path))
    assert proc.returncode == 2 and proc.stderr.startswith("bench.label_noise: error: ") and "\n" not in proc.stderr.strip()


def test_near_duplicate_agreement_counts_same_and_other_class_pairs():
    from bench import label_noise
    from trainer.data import Record

    def rec(text, label):
        return Record(text, None, label, None, text)

    code = "function pay(address to) public { to.transfer(amount); emit Paid(to); }"
    train = [rec(code, "SWC-113"), rec("function f() { x = y * z + w; }", "SWC-101")]
    test = [rec(code, "SWC-114"), rec("function f() { x = y * z + w; }", "SWC-101"), rec(code, "none")]
    got = label_noise.near_duplicate_agreement(train, test)
    assert got["0.95"] == {"pairs": 2, "same_class": 0.5}  # the `none` record is not a vulnerable pair


# --- synth_twins --------------------------------------------------------------------------------


def test_synth_twins_tallies_vulnerable_and_fixed_per_family():
    from bench import synth_twins
    from dataset.synth import FAMILIES
    from swclint.llm.prompt import LABELS

    class AlwaysReentrancy:
        def classify(self, prompts):
            return [{lab: 0.9 if lab == "SWC-107" else 0.02 for lab in LABELS} for _ in prompts]

    result = synth_twins.measure(AlwaysReentrancy(), per_family=2, seed=7)
    reentrancy = [f for f, (swc, _, _) in FAMILIES.items() if swc == "SWC-107"]
    assert result["right"] == {"vulnerable": 2 * len(reentrancy), "fixed": 0}
    assert result["cases"] == 2 * len(FAMILIES)
    row = result["families"][reentrancy[0]]
    assert [x["p_true"] for x in row["vulnerable"]] == [0.9, 0.9] and [x["p_true"] for x in row["fixed"]] == [0.02] * 2
    table = synth_twins.format_table(result)
    assert f"{'total':<35} {2 * len(reentrancy):>6}/{2 * len(FAMILIES):<3}   0/{2 * len(FAMILIES)}" in table


# --- train_speed --------------------------------------------------------------------------------


def test_train_speed_times_our_loop_and_transformers_trainer(tmp_path, capsys):
    """The Trainer question's measurement runs end to end on the tiny model (no numbers asserted)."""
    pytest.importorskip("peft")
    from bench import train_speed
    from swclint.llm.prompt import format_answer
    from trainer.data import read_split
    from trainer.tiny import build_tiny_base

    data = REPO / "tests" / "fixtures" / "trainer" / "data"
    records, _ = read_split(data, "train")
    base = build_tiny_base(tmp_path / "tiny", [r.prompt + format_answer([r.label], r.fix) for r in records])
    args = ["--base", str(base), "--batch", "2", "--seq", "16", "--steps", "1", "--skip-full", "--skip-layers"]
    assert train_speed.main(args) == 0
    out = capsys.readouterr().out
    assert out.count("train r=8 q/v, answer-only logits") == 2
    assert "same step in transformers.Trainer" in out
    assert "Trainer / own loop: " in out and "over 1 Trainer and 2 loop runs" in out


def test_bench_children_import_the_tree_the_bench_measures(tmp_path, monkeypatch):
    # `PYTHONPATH=. python -m bench ...` in a clone: the CLI runs in other folders, where `.` is
    # something else (here, a folder with a stray `swclint` package): children must import this tree
    import importlib
    import subprocess
    import sys

    import bench

    (tmp_path / "swclint").mkdir()
    (tmp_path / "swclint" / "__init__.py").write_text("")
    monkeypatch.setenv("PYTHONPATH", ".")
    importlib.reload(bench)
    # -P: no script folder first on the path, as for the `swclint` console script run elsewhere
    proc = subprocess.run([sys.executable, "-P", "-c", "import swclint; print(swclint.__file__)"],
                          cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(proc.stdout.strip()).resolve().parent.parent == Path(bench._SOURCE)


@pytest.mark.parametrize("named_is_repo", [False, True])
def test_bench_says_which_tree_it_measures(tmp_path: Path, named_is_repo: bool) -> None:
    """`python -m bench` run from one tree with PYTHONPATH naming another measures the current one:
    the bench says so instead of reporting the wrong tree's numbers silently."""
    other = tmp_path / "older"
    (other / "swclint").mkdir(parents=True)
    (other / "swclint" / "__init__.py").write_text("")
    named = REPO if named_is_repo else other
    proc = subprocess.run([sys.executable, "-c", "import bench"], cwd=REPO, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(named)}, check=True)
    warned = f"not {other.resolve()} named in PYTHONPATH" in proc.stderr
    assert warned != named_is_repo, proc.stderr
    assert ("bench: measuring swclint from" in proc.stderr) != named_is_repo
