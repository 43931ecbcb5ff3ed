"""Reporters: render a RunResult as text, JSON or SARIF."""

from __future__ import annotations

from typing import Any, TextIO

from swclint.findings import RunResult

FORMATS = ("text", "json", "sarif")


def default_catalog(catalog: dict[str, Any] | None) -> dict[str, Any]:
    """`catalog`, or the packaged rule catalog when None."""
    if catalog is not None:
        return catalog
    from swclint.rules import load_catalog

    return load_catalog()


def visible(result: RunResult, show_suppressed: bool) -> list:
    """Findings in report order, suppressed ones only when asked for."""
    return sorted((f for f in result.findings if show_suppressed or f.suppression is None),
                  key=lambda f: f.sort_key)


def write(result: RunResult, fmt: str, out: TextIO, *, color: bool = False, show_suppressed: bool = False,
          catalog: dict[str, Any] | None = None, automation_id: str | None = None) -> None:
    """Write `result` to `out` as `fmt` (text | json | sarif).

    JSON and SARIF always carry suppressed findings (flagged), since their consumers filter;
    `show_suppressed` only affects text. `automation_id` becomes SARIF `automationDetails.id`
    (GitHub code scanning's category).
    """
    if fmt == "text":
        from swclint.report.text import write_text

        write_text(result, out, color=color, show_suppressed=show_suppressed, catalog=catalog)
    elif fmt == "json":
        from swclint.report.json_report import write_json

        write_json(result, out)
    elif fmt == "sarif":
        from swclint.report.sarif import write_sarif

        write_sarif(result, out, catalog=catalog, automation_id=automation_id)
    else:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
