"""`python -m bench.model_card_cgt`: put a cgt run's static vs static-plus-model numbers in the card.

Reads the JSON that `python -m bench detect --format cgt --llm --json` printed (tools `swclint` and
`swclint+llm` scored on the same files), writes them to the adapter's `metrics.json` under `cgt` and
re-renders its README.md model card. Nothing is typed in: every number comes from that result.

    python -m bench detect --corpus ../shared/cgt --format cgt --split test --jobs 2 --llm --json > R.json
    python -m bench.model_card_cgt --result R.json --command "python -m bench detect ... --llm"
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bench.detect import MODEL_TOOL
from bench.triage_sweep import ISSUE_SWC
from swclint.cliutil import HELP, fail, run_click


def cgt_metrics(result: dict, command: str, split: str, scope: str) -> dict:
    """The card's `cgt` entry from a scored run holding both tools."""
    tools = result.get("tools") or {}
    if not {"swclint", MODEL_TOOL} <= set(tools):
        raise ValueError(f"the result holds tools {sorted(tools)}; it needs swclint and {MODEL_TOOL} (--llm)")
    pick = ("precision", "recall", "f1")
    classes = {}
    for swc in ISSUE_SWC:
        static, model = tools["swclint"]["swc"].get(swc), tools[MODEL_TOOL]["swc"].get(swc)
        if static and model:
            classes[swc] = {"static": {k: static[k] for k in pick}, "with_model": {k: model[k] for k in pick}}

    def macro(tool: str) -> float:
        return round(sum(classes[s][tool]["f1"] or 0.0 for s in classes) / len(classes), 3) if classes else 0.0

    return {"command": command, "split": split, "scope": scope, "files": result.get("files_given"),
            "classes": classes, "macro_f1": {"static": macro("static"), "with_model": macro("with_model")},
            "time_ratio": result.get("model_time_ratio")}


@click.command(context_settings=HELP)
@click.option("--result", type=click.Path(path_type=Path, exists=True, dir_okay=False), required=True,
              help="JSON printed by `python -m bench detect --format cgt --llm --json`.")
@click.option("--command", "command", required=True, help="The command that produced it (shown in the card).")
@click.option("--split", default="test", show_default=True)
@click.option("--scope", default="findings", show_default=True, help="The --llm-scope the run used.")
@click.option("--adapter", type=click.Path(path_type=Path, file_okay=False), default=Path("swclint/adapters/default"),
              show_default=True)
def cli(result: Path, command: str, split: str, scope: str, adapter: Path) -> int:
    from swclint.llm.models import adapter_hash
    from swclint.llm.triage import adapter_doubt_at
    from trainer.card import render_card
    from trainer.train import META_FILE

    try:
        entry = cgt_metrics(json.loads(result.read_text()), command, split, scope)
        entry["doubt_at"] = adapter_doubt_at(adapter)
    except (ValueError, json.JSONDecodeError) as exc:
        raise fail(f"{result}: {exc}") from None
    metrics_path = adapter / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    metrics["cgt"] = entry
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
    meta = json.loads((adapter / META_FILE).read_text()) if (adapter / META_FILE).is_file() else {}
    (adapter / "README.md").write_text(render_card(meta, metrics, adapter_hash(adapter)))
    click.echo(f"{adapter}: metrics.json and README.md carry the cgt numbers "
               f"(macro-F1 static {entry['macro_f1']['static']}, with model {entry['macro_f1']['with_model']})")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.model_card_cgt")


if __name__ == "__main__":
    sys.exit(main())
