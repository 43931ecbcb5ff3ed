"""Groups solc or Slither fail on as a whole are halved until the failing part is alone; nobody else's results are lost."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_solc_providers import no_native, padded_files  # noqa: F401  (a fixture)

from swclint.analyze.gaps import FAILED
from swclint.config import Options


def sixteen_files(folder: Path) -> list:
    from swclint.pipeline import SourceFile

    files = []
    for i in range(16):
        path = folder / f"c{i}.sol"
        path.write_text(f"contract C{i} {{}}\n")
        files.append(SourceFile(path.resolve(), path.name, path.read_text()))
    return files


def compiled_together(solc, paths, root, remappings=(), timeout=None, *, output_selection=None):
    """Fakes `compile_group`: every file compiles, and the output names the files compiled together."""
    from swclint.solc.compile import CompileResult

    return CompileResult(None, {}, {"sources": {Path(p).name: {} for p in paths}}, compiled=list(paths))


@pytest.mark.parametrize("bad_at", [0, 5, 15])
def test_one_file_slither_fails_on_costs_a_logarithmic_number_of_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_at: int) -> None:
    from swclint import pipeline
    from swclint.analyze import slither_run
    from swclint.solc import compile as solc_compile

    files = sixteen_files(tmp_path)
    bad = files[bad_at].rel

    runs: list[set[str]] = []

    def run_slither(output, version, root, all_checks=False, label=""):
        runs.append(set(output["sources"]))
        if bad in output["sources"]:
            raise slither_run.AnalysisError("injected failure")
        return [], []

    solc = SimpleNamespace(version="0.4.24")
    monkeypatch.setattr(pipeline, "_solc_for", lambda version, files, opts: solc)
    monkeypatch.setattr(solc_compile, "compile_group", compiled_together)
    monkeypatch.setattr(slither_run, "run_slither", run_slither)
    result = pipeline._analyse_group("0.4.24", files, tmp_path, [], Options(llm=False, jobs=1, cache=False))

    assert sorted(result.analysed) == sorted(f.rel for f in files if f.rel != bad)
    assert [(e.path, e.stage) for e in result.errors] == [(bad, "analyze")]
    assert result.errors[0].message.startswith(FAILED) and "injected failure" in result.errors[0].message
    # the whole group, then two halves per level down to the file: 1 + 2*log2(16) = 9 (one file at a
    # time took 1 + 16)
    assert len(runs) == 1 + 2 * int(math.log2(len(files)))


def test_a_group_solc_fails_on_as_a_whole_is_analysed_in_halves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from swclint import pipeline
    from swclint.analyze import slither_run
    from swclint.solc import compile as solc_compile
    from swclint.solc.errors import GroupFailed

    files = sixteen_files(tmp_path)
    compiles: list[int] = []

    def compile_group(solc, paths, root, remappings=(), timeout=None, *, output_selection=None):
        compiles.append(len(paths))
        if len(paths) > 4:  # as solc-js does past about a megabyte of input
            raise GroupFailed(f"solc 0.4.24 failed on {len(paths)} files together: JSONError")
        return compiled_together(solc, paths, root)

    monkeypatch.setattr(pipeline, "_solc_for", lambda version, files, opts: SimpleNamespace(version="0.4.24"))
    monkeypatch.setattr(solc_compile, "compile_group", compile_group)
    monkeypatch.setattr(slither_run, "run_slither", lambda output, *args, **kwargs: ([], []))
    result = pipeline._analyse_group("0.4.24", files, tmp_path, [], Options(llm=False, jobs=1, cache=False))

    assert sorted(result.analysed) == sorted(result.compiled) == sorted(f.rel for f in files)
    assert result.errors == [] and set(result.versions.values()) == {"0.4.24"}
    assert compiles == [16, 8, 4, 4, 8, 4, 4]


@pytest.mark.e2e
@pytest.mark.usefixtures("no_native")
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
def test_files_too_large_for_one_solcjs_run_are_all_analysed(tmp_path: Path) -> None:
    from swclint.pipeline import run

    files = padded_files(tmp_path)
    result = run([str(tmp_path)], Options(llm=False, jobs=1, cache=False), root=tmp_path)
    assert sorted(result.files) == sorted(f.name for f in files)
    assert result.errors == []
