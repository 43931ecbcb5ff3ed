"""Benchmark CLI: `python -m bench detect --corpus DIR --format FMT [--json] [--tools a,b] [--llm]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.corpus import READERS, CorpusError, read_corpus
from bench.detect import TOOLS, detect, format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="command", required=True)
    det = sub.add_parser("detect", help="detection benchmark: recall/precision per SWC class")
    det.add_argument("--corpus", type=Path, required=True)
    det.add_argument("--format", choices=sorted(READERS), required=True)
    det.add_argument("--json", action="store_true", help="print the machine-readable result")
    det.add_argument("--tools", default="swclint,slither", help="comma-separated: " + ",".join(TOOLS))
    det.add_argument("--llm", action="store_true", help="let swclint use its model")
    det.add_argument("--swc", default="", help="only these SWC classes (comma-separated)")
    args = parser.parse_args(argv)

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown:
        print(
            f"error: unknown tool(s) {', '.join(unknown)} (choose from {', '.join(TOOLS)})", file=sys.stderr
        )
        return 2
    try:
        cases = read_corpus(args.corpus, args.format)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.swc:
        wanted = {s.strip().upper() for s in args.swc.split(",")}
        cases = [c for c in cases if c.swc in wanted]
    result, errors = detect(cases, tools, llm=args.llm)
    for tool, messages in errors.items():
        for message in messages:
            print(f"{tool}: {message}", file=sys.stderr)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        for tool, scores in result["tools"].items():
            print(format_table(tool, scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
