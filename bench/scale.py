"""Scale benchmark: wall time, throughput and memory of `swclint --no-llm` on a real corpus.

    python -m bench.scale --corpus DIR [--corpus DIR...] [--jobs 1,2] [--json]
    python -m bench.scale --npm @openzeppelin/contracts@4.9.6 @uniswap/v3-core@1.0.1 [--jobs 1,2]

Installs nothing unless `--npm` is given; then the packages go (`npm install --ignore-scripts
--no-audit --no-fund`) into `$SWCLINT_CACHE_DIR/corpora` (default `~/.cache/swclint/corpora`) and
their `contracts/` folders (the package root when it has none) are the corpus.

For each --jobs value the CLI runs twice, with `--no-cache` (bench.incremental measures the static
result cache), so the only state the
first run can leave for the second is the solc compilers it installs, the release-list and
compiler-verdict files next to them, and the OS page cache: "cold" is the first run (it may
install compilers; the table names them), "warm" is the second, with nothing left to install.

Memory: the peak summed RSS of the swclint process tree (psutil, sampled every 50 ms, so
compilers living under 50 ms can be missed) and the largest single process. Without psutil only
the latter is available, from getrusage(RUSAGE_CHILDREN).ru_maxrss, which is the maximum over
all runs so far rather than per run.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click

from swclint.cliutil import HELP, invoked_args, run_click

SAMPLE_S = 0.05


class ScaleError(Exception):
    """A bad corpus or a failed install; the message names the path or package and the cause."""


@dataclass
class Measurement:
    jobs: int
    run: str  # "cold" | "warm"
    files: int  # analysed, from the JSON summary
    errors: int
    seconds: float
    files_per_s: float
    tree_rss_mib: float | None  # peak summed RSS of the process tree (None without psutil)
    max_process_rss_mib: float  # largest single process
    exit_code: int
    solc_installed: list[str]  # compiler versions that appeared during the run
    command: str


# --- corpus ------------------------------------------------------------------------------------


def corpora_dir() -> Path:
    base = os.environ.get("SWCLINT_CACHE_DIR")
    if base:
        return Path(base).expanduser() / "corpora"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "swclint" / "corpora"


def split_spec(spec: str) -> tuple[str, str]:
    """`@scope/name@1.2.3` -> (`@scope/name`, `1.2.3`); version may be empty.

    An npm alias `alias@npm:real@1.2.3` installs under `alias` (how packages pin two releases of one
    dependency side by side, e.g. `openzeppelin-solidity-2.3.0@npm:openzeppelin-solidity@2.3.0`)."""
    alias, is_alias, real = spec.partition("@npm:")
    if is_alias and alias:
        return alias, split_spec(real)[1]
    name, sep, version = spec.rpartition("@")
    if not sep or not name:  # no version: the only `@` (if any) starts the scope
        return spec, ""
    return name, version


def npm_install(specs: list[str], cache: Path | None = None) -> tuple[Path, list[Path]]:
    """Install `specs` into one cache folder (once); return (install dir, corpus folders)."""
    npm = shutil.which("npm")
    if not npm:
        raise ScaleError("--npm needs npm on PATH")
    prefix = (cache or corpora_dir()) / re.sub(r"[^A-Za-z0-9._-]+", "_", "+".join(sorted(specs)))
    folders: list[Path] = []
    missing = []
    for spec in specs:
        name, version = split_spec(spec)
        manifest = prefix / "node_modules" / name / "package.json"
        if not manifest.is_file() or (version and _version_of(manifest) != version):
            missing.append(spec)
    if missing:
        prefix.mkdir(parents=True, exist_ok=True)
        cmd = [npm, "install", "--prefix", str(prefix), "--ignore-scripts", "--no-audit", "--no-fund",
               "--no-save", *missing]
        print(f"$ {shlex.join(cmd)}", file=sys.stderr)
        proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            # a dependency fetched from outside the registry (a git URL) fails the whole install;
            # the package's own contracts still scan, with imports of its dependencies reported
            print(f"npm install failed; unpacking {' '.join(missing)} alone, without dependencies",
                  file=sys.stderr)
            for spec in missing:
                _unpack(npm, spec, prefix / "node_modules" / split_spec(spec)[0])
    for spec in specs:
        package = prefix / "node_modules" / split_spec(spec)[0]
        if not package.is_dir():
            raise ScaleError(f"{spec}: npm did not install it into {package}")
        folder = package / "contracts" if (package / "contracts").is_dir() else package
        if not sol_files(folder):
            raise ScaleError(f"{spec}: no .sol files in {folder}")
        folders.append(folder)
    return prefix, folders


def _unpack(npm: str, spec: str, target: Path) -> None:
    """`npm pack` one package (the registry's tarball, no dependencies) and extract it to `target`."""
    import tarfile
    import tempfile

    with tempfile.TemporaryDirectory(prefix="swclint-pack-") as tmp:
        proc = subprocess.run([npm, "pack", spec, "--pack-destination", tmp], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or not tarballs:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            raise ScaleError(f"npm install and npm pack {spec} failed: {tail[0]}")
        shutil.rmtree(target, ignore_errors=True)
        with tarfile.open(tarballs[0]) as archive:
            for member in archive.getmembers():
                if not member.isfile() or not member.name.startswith("package/"):
                    continue
                member.name = member.name.removeprefix("package/")
                archive.extract(member, target, filter="data")


def _version_of(manifest: Path) -> str:
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8")).get("version", ""))
    except (OSError, ValueError):
        return ""


def resolve_corpus(folders: list[Path], npm: list[str]) -> tuple[list[Path], Path, list[str]]:
    """(paths to scan, working directory, extra CLI flags) for --corpus folders and --npm packages."""
    for c in folders:
        if not c.is_dir():
            raise ScaleError(f"{c}: corpus folder does not exist")
    paths, cwd, extra = [c.resolve() for c in folders], Path.cwd(), []
    if npm:
        cwd, installed = npm_install(npm)
        paths += installed
        extra = ["--no-default-excludes"]  # the corpus itself lives under node_modules
    if not count_sources(paths):
        raise ScaleError(f"no .sol files under {', '.join(map(str, paths))}")
    return paths, cwd, extra


def sol_files(folder: Path) -> list[Path]:
    """The `.sol` files under `folder` (packages ship folders named `X.sol` too, e.g. ABI dumps)."""
    return [f for f in folder.rglob("*.sol") if f.is_file()]


def count_sources(folders: list[Path]) -> int:
    return sum(len(sol_files(f)) for f in folders)


# --- measuring one run -------------------------------------------------------------------------


class RssSampler:
    """Polls the RSS of a process and its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        import psutil

        self._psutil = psutil
        self._root = psutil.Process(pid)
        self.peak_tree = 0
        self.peak_single = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self._root, *self._root.children(recursive=True)]
            except self._psutil.Error:
                return
            sizes = []
            for p in procs:
                try:
                    sizes.append(p.memory_info().rss)
                except self._psutil.Error:
                    continue  # exited between listing and sampling
            if sizes:
                self.peak_tree = max(self.peak_tree, sum(sizes))
                self.peak_single = max(self.peak_single, max(sizes))
            self._stop.wait(SAMPLE_S)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _has_psutil() -> bool:
    try:
        import psutil  # noqa: F401
    except ImportError:
        return False
    return True


def _installed_solc() -> set[str]:
    from swclint.solc.providers import installed_versions

    try:
        return {str(v) for v in installed_versions()}
    except Exception:  # noqa: BLE001 - a broken cache must not stop the benchmark
        return set()


def swclint_exe() -> str:
    exe = Path(sys.executable).parent / "swclint"
    return str(exe) if exe.exists() else (shutil.which("swclint") or "swclint")


def measure(paths: list[Path], jobs: int, run: str, cwd: Path, extra: list[str]) -> Measurement:
    with tempfile.TemporaryDirectory(prefix="swclint-scale-") as tmp:
        report = Path(tmp) / "report.json"
        cmd = [swclint_exe(), *[str(p) for p in paths], "--no-llm", "--no-cache", "--format", "json", "--output",
               str(report), "--jobs", str(jobs), *extra]
        before = _installed_solc()
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "CI": "1"}, stdin=subprocess.DEVNULL)
        sampler = RssSampler(proc.pid) if _has_psutil() else None
        _, stderr = proc.communicate()
        seconds = time.monotonic() - start
        if sampler:
            sampler.stop()
        try:
            summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
        except (OSError, ValueError, KeyError) as exc:
            last = (stderr.strip().splitlines() or ["no output"])[-1]
            raise ScaleError(f"swclint gave no JSON report (exit {proc.returncode}): {last}") from exc
    # ru_maxrss is KiB on Linux, bytes on macOS.
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    single = sampler.peak_single if sampler else maxrss
    return Measurement(
        jobs=jobs, run=run, files=summary["files"], errors=summary["errors"], seconds=round(seconds, 2),
        files_per_s=round(summary["files"] / seconds, 2) if seconds else 0.0,
        tree_rss_mib=round(sampler.peak_tree / 2**20, 1) if sampler else None,
        max_process_rss_mib=round(single / 2**20, 1), exit_code=proc.returncode,
        solc_installed=sorted(_installed_solc() - before),
        command=shlex.join(["swclint", *cmd[1:]]).replace(shlex.quote(str(report)), "report.json"))


def benchmark(paths: list[Path], jobs_values: list[int], cwd: Path, extra: list[str] | None = None
              ) -> list[Measurement]:
    """For each jobs value a cold and a warm run, in that order."""
    out = []
    for jobs in jobs_values:
        for run in ("cold", "warm"):
            out.append(measure(paths, jobs, run, cwd, extra or []))
    return out


# --- output ------------------------------------------------------------------------------------


def format_table(rows: list[Measurement], sources: int) -> str:
    head = ("| jobs | run | files analysed | errors | wall s | files/s | peak RSS tree MiB | "
            "peak RSS one process MiB | exit | solc installed during run |")
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for r in rows:
        tree = f"{r.tree_rss_mib:.1f}" if r.tree_rss_mib is not None else "n/a"
        lines.append(f"| {r.jobs} | {r.run} | {r.files}/{sources} | {r.errors} | {r.seconds:.2f} | "
                     f"{r.files_per_s:.2f} | {tree} | {r.max_process_rss_mib:.1f} | {r.exit_code} | "
                     f"{', '.join(r.solc_installed) or '-'} |")
    return "\n".join(lines)


def machine() -> str:
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, memory sampling: "
            + ("psutil (process tree, 50 ms)" if _has_psutil() else "getrusage max single process"))


class _Jobs(click.ParamType):
    name = "N[,N...]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> list[int]:
        if isinstance(value, list):
            return value
        try:
            values = [int(v) for v in str(value).split(",") if v.strip()]
        except ValueError:
            self.fail(f"--jobs wants comma-separated integers, got {value!r}", param, ctx)
        if not values or min(values) < 1:
            self.fail("--jobs values must be at least 1", param, ctx)
        return values


def corpus_options(f: Callable) -> Callable:
    """`--corpus DIR` (repeatable) and `--npm PKG[@VER] [PKG...]`, shared with bench.clean."""
    f = click.argument("more_npm", nargs=-1, metavar="[PKG...]")(f)
    f = click.option("--npm", multiple=True, metavar="PKG[@VER]",
                     help="Install these npm packages and scan their contracts/ folders "
                          "(`--npm A B` or `--npm A --npm B`).")(f)
    return click.option("--corpus", type=click.Path(path_type=Path), multiple=True,
                        help="Folder of .sol files (repeatable).")(f)


def corpus_args(corpus: tuple[Path, ...], npm: tuple[str, ...], more_npm: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """The folders and npm specs `corpus_options` collected; a usage error when there are none."""
    if more_npm and not npm:
        raise click.UsageError(f"unexpected argument {more_npm[0]!r} (packages follow --npm)")
    if not corpus and not npm:
        raise click.UsageError("give --corpus DIR or --npm PKG")
    return list(corpus), [*npm, *more_npm]


@click.command(context_settings=HELP, help=__doc__.splitlines()[0])
@corpus_options
@click.option("--jobs", type=_Jobs(), default="1,2", show_default=True, help="Comma-separated, e.g. 1,2.")
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable result.")
def cli(corpus: tuple[Path, ...], npm: tuple[str, ...], more_npm: tuple[str, ...], jobs: list[int],
        as_json: bool) -> int:
    folders, packages = corpus_args(corpus, npm, more_npm)
    paths, cwd, extra = resolve_corpus(folders, packages)
    sources = count_sources(paths)
    rows = benchmark(paths, jobs, cwd, extra)

    invocation = shlex.join(["python", "-m", "bench.scale", *invoked_args()])
    if as_json:
        click.echo(json.dumps({"command": invocation, "machine": machine(), "sources": sources,
                               "runs": [asdict(r) for r in rows]}, indent=2, sort_keys=True))
        return 0
    click.echo(format_table(rows, sources))
    click.echo()
    click.echo(f"Command: `{invocation}`  ")
    click.echo(f"Each run: `{rows[0].command}` (with --jobs as in the table)  ")
    click.echo(f"Machine: {machine()}  ")
    click.echo("cold = first run (may install solc; see last column), warm = the same run again with "
               "--no-cache: warm only saves compiler installs and cold OS/Python caches.")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.scale", errors=(ScaleError,))


if __name__ == "__main__":
    sys.exit(main())
