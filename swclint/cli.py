"""Click commands only: parse options, call the pipeline, pick the exit code."""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path

import click

from . import __version__
from .config import ConfigError, Options, find_config, load_config
from .findings import severity_rank

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _DefaultToScan(click.Group):
    """`swclint contracts/` means `swclint scan contracts/`; `--help` shows that scan and its options."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            near = _near_command(args[0], list(self.commands))
            if near is not None:
                click.echo(f"swclint: error: '{args[0]}' is neither a file nor a command; "
                           f"did you mean `swclint {near}`?", err=True)
                ctx.exit(EXIT_ERROR)
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["scan", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "[OPTIONS] [PATHS]...    scan (the default command)")
        formatter.write_usage(ctx.command_path, "COMMAND [ARGS]...")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        scan_cmd = self.commands["scan"]
        rows = [("PATHS...", ".sol files or folders to scan (default: the current folder).")]
        rows += [row for p in scan_cmd.get_params(ctx)
                 if isinstance(p, click.Option) and (row := p.get_help_record(ctx)) is not None]
        rows += [row for p in self.get_params(ctx) if (row := p.get_help_record(ctx)) is not None
                 and not any(row[0] == r[0] for r in rows)]
        with formatter.section("Scan options (swclint [OPTIONS] [PATHS]...)"):
            formatter.write_dl(rows)
        self.format_commands(ctx, formatter)


def _near_command(word: str, commands: list[str]) -> str | None:
    """A subcommand `word` was probably meant as: not an existing path, and spelled close to one."""
    if Path(word).exists() or word.endswith(".sol"):
        return None
    near = difflib.get_close_matches(word.lower(), commands, n=1, cutoff=0.6)
    return near[0] if near else None


@click.group(cls=_DefaultToScan, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="swclint")
def main() -> None:
    """Solidity security linter: SWC-tagged findings from Slither, our detectors and a local model.

    `swclint PATHS...` scans .sol files and folders (the current folder by default); the other
    commands list the rules, manage compilers and record baselines (`swclint COMMAND --help`).
    """


def _fail(message: str) -> None:
    click.echo(f"swclint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def build_options(config_file: str | None, start: Path, cli_values: dict) -> Options:
    opts = Options()
    path = Path(config_file) if config_file else find_config(start)
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: config file does not exist")
        opts.update(load_config(path), str(path))
    opts.update({k: v for k, v in cli_values.items() if v is not None and v != ()}, "command line")
    return opts


def scan_options(f):
    """Options shared by `scan` and `baseline create`."""
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path()),
        click.option("--config", "config_file", type=click.Path(), help="Config file (default: nearest .swclint.toml / pyproject.toml)."),
        click.option("--exclude", multiple=True, help="Glob of paths to skip (repeatable)."),
        click.option("--no-default-excludes", "default_excludes", flag_value=False, default=None,
                     help="Also scan .git, node_modules, lib and out."),
        click.option("--disable", multiple=True, help="SWC id never reported (repeatable)."),
        click.option("--solc-version", help="Use this solc version for every file instead of the pragmas."),
        click.option("--solc", "solc_path", type=click.Path(), help="Path of a native solc binary."),
        click.option("--remap", "remappings", multiple=True, help="Import remapping prefix=target (repeatable)."),
        click.option("--all-checks", is_flag=True, default=None, help="Also report checks with no SWC class."),
        click.option("--llm/--no-llm", "llm", default=None, help="Use the local model (default: on when installed)."),
        click.option("--backend", type=click.Choice(["hf", "openai", "none"]), help="Model backend."),
        click.option("--adapter", help="LoRA adapter directory (default: the shipped one)."),
        click.option("--endpoint", help="OpenAI-compatible server URL for --backend openai."),
        click.option("--llm-threshold", type=float, help="Minimum model confidence for model-only findings."),
        click.option("--llm-scope", type=click.Choice(["findings", "candidates", "all"]),
                     help="Which functions go to the model: those with a static finding it can judge (default), also those static signals point at, or all."),
        click.option("--llm-cache/--no-llm-cache", "llm_cache", default=None,
                     help="Reuse cached model answers for unchanged functions (default: on)."),
        click.option("--llm-fix/--no-llm-fix", "llm_fix", default=None,
                     help="Have the model write fixes for findings at or above --fail-on; only verified "
                          "ones are shown (default: off)."),
        click.option("--jobs", "-j", type=int, help="Parallel processes (default: number of cores)."),
        click.option("--timeout", type=float, help="Seconds per compile/analysis unit."),
        click.option("--min-confidence", type=click.FloatRange(0.0, 1.0),
                     help="Hide findings with a lower confidence (0-1; high >= 0.8, medium >= 0.5)."),
        click.option("--cache/--no-cache", "cache", default=None,
                     help="Reuse static results of files whose source and imports are unchanged (default: on)."),
    ]
    for d in reversed(decorators):
        f = d(f)
    return f


def _start_dir(paths: tuple[str, ...]) -> Path:
    first = Path(paths[0]) if paths else Path.cwd()
    return (first if first.is_dir() else first.parent).resolve() if first.exists() else Path.cwd()


# What each pipeline stage counts: the static stage reports files, the model stage functions.
PROGRESS_UNITS = {"compile+analyze": ("compile + analyze", "files"), "model": ("model", "functions")}


def _progress_printer(console=None):
    """A progress bar on a terminal; silent in CI and when piped (`console` is for tests)."""
    if console is None and (not sys.stderr.isatty() or os.environ.get("CI")):
        return None, None
    from rich.progress import BarColumn, Progress, TextColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(),
                   TextColumn("{task.completed}/{task.total} {task.fields[unit]}"),
                   transient=console is None, console=console)
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            label, unit = PROGRESS_UNITS.get(stage, (stage, ""))
            tasks[stage] = bar.add_task(label, total=total, unit=unit)
        bar.update(tasks[stage], completed=done, total=total)

    return bar, update


def execute(paths: tuple[str, ...], cli_values: dict, config_file: str | None):
    """Shared by scan and baseline: options, root, pipeline run."""
    from .discover import find_root
    from .llm.stage import make_llm_stage
    from .pipeline import run

    try:
        opts = build_options(config_file, _start_dir(paths), cli_values)
    except ConfigError as exc:
        _fail(str(exc))
    root = find_root(Path.cwd())
    llm_stage, notes = make_llm_stage(opts)
    for note in notes:
        click.echo(f"swclint: {note}", err=True)
    from .baseline import BaselineError, load
    from .diff import DiffError

    if opts.baseline:
        try:
            load(opts.baseline)  # fail before the long run, not after it
        except BaselineError as exc:
            _fail(str(exc))
    bar, update = _progress_printer()
    try:
        if bar is not None:
            with bar:
                result = run(list(paths), opts, root=root, progress=update, llm_stage=llm_stage)
        else:
            result = run(list(paths), opts, root=root, llm_stage=llm_stage)
    except (BaselineError, DiffError) as exc:
        _fail(str(exc))
    return opts, result


@main.command()
@scan_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(), help="Write the report here instead of stdout.")
@click.option("--fail-on", type=click.Choice(["info", "low", "medium", "high", "none"]),
              help="Exit 1 when an unsuppressed finding is at or above this severity (default: low).")
@click.option("--baseline", type=click.Path(), help="Only report findings not in this baseline file.")
@click.option("--diff-base", "diff_base", metavar="REF",
              help="Only report findings on lines changed since this git revision (e.g. origin/main).")
@click.option("--show-suppressed", is_flag=True, default=None, help="Show suppressed findings in text output.")
@click.option("--report-unused-suppressions", is_flag=True, default=None, help="Report swclint-disable comments that suppress nothing.")
@click.option("--category", default=None, help="SARIF automationDetails.id (GitHub code scanning category).")
@click.option("--color/--no-color", default=None, help="Colour in text output (default: only on a terminal).")
def scan(paths, config_file, fmt, output, category, color, **values) -> None:
    """Analyse Solidity files or folders (default: the current folder)."""
    from .report import write

    out_handle = None
    if output:
        try:
            out_handle = open(output, "w", encoding="utf-8")  # noqa: SIM115 - checked before the long run
        except OSError as exc:
            _fail(f"{output}: cannot write the report: {exc.strerror or exc}")
    opts, result = execute(paths, values, config_file)
    use_color = color if color is not None else (out_handle is None and sys.stdout.isatty())
    stream = out_handle or sys.stdout
    try:
        write(result, fmt, stream, color=use_color, show_suppressed=opts.show_suppressed,
              automation_id=category)
    finally:
        if out_handle:
            out_handle.close()
    if fmt != "text" or out_handle is not None:
        for err in result.errors:
            click.echo(str(err), err=True)
        for err in result.unused_suppressions:
            click.echo(str(err), err=True)
    sys.exit(exit_code(result, opts.fail_on))


def exit_code(result, fail_on: str) -> int:
    if not result.files:
        return EXIT_ERROR
    if any(e.path == "<model>" for e in result.errors):  # the model was asked for and failed: a tool
        return EXIT_ERROR  # error, though the report (static findings included) was still written
    if fail_on == "none":
        return EXIT_OK
    threshold = severity_rank(fail_on)
    active = [f for f in result.findings if f.suppression is None and severity_rank(f.severity) >= threshold]
    return EXIT_FINDINGS if active or result.unused_suppressions else EXIT_OK


@main.group()
def baseline() -> None:
    """Record today's findings so only new ones are reported."""


@baseline.command("create")
@scan_options
@click.option("--output", "-o", default=".swclint-baseline.json", show_default=True, type=click.Path())
def baseline_create(paths, config_file, output, **values) -> None:
    """Write a baseline of the current findings (matched by fingerprint, not line number)."""
    from . import baseline as baseline_mod

    _opts, result = execute(paths, values, config_file)
    if not result.files:
        for err in result.errors:
            click.echo(str(err), err=True)
        _fail("nothing could be analysed; no baseline written")
    try:
        baseline_mod.create(result, output)
    except OSError as exc:
        _fail(f"{output}: cannot write the baseline: {exc.strerror or exc}")
    active = [f for f in result.findings if f.suppression is None]
    click.echo(f"swclint: baseline with {len(active)} findings written to {output}", err=True)


@main.command()
@click.argument("swc_id", required=False)
def rules(swc_id: str | None) -> None:
    """List the SWC catalog, or show one rule."""
    from .rules import format_rule_text, get_rule, load_catalog

    if swc_id:
        try:
            click.echo(format_rule_text(get_rule(swc_id)))
        except KeyError as exc:
            _fail(str(exc.args[0]) if exc.args else f"unknown rule {swc_id}")
        return
    catalog = load_catalog()
    covered = {swc: _coverage(rule.detectors, swc) for swc, rule in catalog.items()}
    width = max(len(rule.title) for rule in catalog.values())
    click.echo(f"{'SWC':<7}  {'SEVERITY':<8}  {'TITLE':<{width}}  DETECTED BY")
    for swc, rule in catalog.items():
        click.echo(f"{rule.id}  {rule.severity:<8}  {rule.title:<{width}}  {covered[swc] or '-'}")
    nothing = [swc for swc, text in covered.items() if not text]
    click.echo(f"\n{len(catalog) - len(nothing)} of {len(catalog)} classes are detected here; nothing here "
               f"detects {', '.join(nothing) or 'none'}.")


def _coverage(checks: tuple[str, ...], swc_id: str) -> str:
    """What detects an SWC class: our detectors, Slither checks (only those this Slither has), the model."""
    from slither.detectors import all_detectors

    from .detectors.plugin import DETECTORS
    from .llm.prompt import LABELS

    available = {f"slither:{c.ARGUMENT}" for c in vars(all_detectors).values() if hasattr(c, "ARGUMENT")}
    available |= {f"swclint:{c.ARGUMENT}" for c in DETECTORS}
    parts = []
    for tool, label in (("swclint", "swclint"), ("slither", "slither")):
        names = [c.split(":", 1)[1] for c in checks if c.startswith(f"{tool}:") and c in available]
        if names:
            parts.append(f"{label}: {', '.join(names)}")
    if swc_id in LABELS:
        parts.append("model")
    return "; ".join(parts)


@main.group()
def solc() -> None:
    """Manage the solc compilers swclint uses (native or solc-js from npm)."""


@solc.command("list")
def solc_list() -> None:
    """Show installed and available solc versions."""
    from .solc.providers import list_versions

    for version, state in list_versions():
        click.echo(f"{version}  {state}")


@solc.command("install")
@click.argument("versions", nargs=-1, required=True)
def solc_install(versions: tuple[str, ...]) -> None:
    """Install solc versions, e.g. for CI images: native binaries through py-solc-x when its download
    host answers, otherwise solc-js from npm into swclint's cache."""
    from packaging.version import InvalidVersion, Version

    from .solc.providers import install_from

    try:
        wanted = [Version(v) for v in versions]
    except InvalidVersion as exc:
        _fail(str(exc))
    try:
        done = install_from(wanted)
    except Exception as exc:
        _fail(f"install failed: {exc}")
    for v, how in done:
        click.echo(f"installed solc {v}: {how}")
    missing = [str(v) for v in wanted if v not in {d for d, _ in done}]
    if missing:
        _fail(f"could not install a working solc {', '.join(missing)}")


if __name__ == "__main__":
    main()
