"""JSON reporter: the documented object, all fields, deterministic."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from dataclasses import replace
from pathlib import Path

from swclint.report import write


def _load_sample():
    path = Path(__file__).parent / "fixtures" / "report" / "sample.py"
    spec = importlib.util.spec_from_file_location("report_sample", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["report_sample"] = module
    spec.loader.exec_module(module)
    return module


sample = _load_sample()


def _json(result=None) -> str:
    out = io.StringIO()
    write(result or sample.sample_result(), "json", out, color=False, show_suppressed=False)
    return out.getvalue()


def test_top_level_shape():
    doc = json.loads(_json())
    assert sorted(doc) == ["errors", "findings", "notes", "summary", "tool", "unused_suppressions", "version"]
    assert doc["version"] == 1 and doc["tool"] == {"name": "swclint", "version": "0.1.0"}
    assert doc["summary"] == {"findings": 2, "by_severity": {"info": 0, "low": 1, "medium": 0, "high": 1},
                              "suppressed": 2, "files": 1, "errors": 1}
    assert doc["errors"] == [{"path": "contracts/Broken.sol", "stage": "compile", "line": 7,
                              "message": "ParserError: Expected ';' but got '}'"}]
    assert doc["unused_suppressions"][0]["line"] == 3
    assert doc["notes"] == ["model: off"]


def test_findings_carry_all_fields_in_report_order():
    doc = json.loads(_json())
    assert [f["swc_id"] for f in doc["findings"]] == ["SWC-103", "SWC-101", "SWC-107", "SWC-105"]
    f = doc["findings"][2]
    assert f["location"] == {"path": "contracts/Bank.sol", "start_line": 13, "end_line": 13,
                             "start_col": 9, "end_col": 58}
    assert f["severity"] == "high" and f["confidence"] == 0.9 and f["confidence_label"] == "high"
    assert f["contract"] == "Bank" and f["function"] == "withdraw"
    assert f["evidence"][0] == {"source": "slither:reentrancy-eth", "confidence": 0.9,
                                "detail": "state written after call"}
    assert f["fix"].startswith("balances[msg.sender] = 0;")
    assert f["suppressed"] is False and f["suppression"] is None
    assert f["fingerprint"].endswith(":1") and len(f["fingerprint"]) == 18
    sup = doc["findings"][3]
    assert sup["suppressed"] is True
    assert sup["suppression"] == {"kind": "inSource", "justification": "owner check lives in the proxy"}


def test_deterministic_and_sorted_keys():
    result = sample.sample_result()
    text = _json(result)
    assert text == _json(replace(result, findings=list(reversed(result.findings))))
    doc = json.loads(text)
    assert text == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
