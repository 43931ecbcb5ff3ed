"""Content-addressed answer cache (sqlite): an unchanged function is never sent to the model twice."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from ..paths import cache_root
from .prompt import PROMPT_VERSION


def cache_key(identity: str, kind: str, prompt: str) -> str:
    """Keyed by the model identity (backend + adapter hash), prompt format version and prompt text."""
    h = hashlib.sha256()
    for part in (identity, PROMPT_VERSION, kind, prompt):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


class AnswerCache:
    """`enabled=False` reads nothing (answers are still stored, so the next run is warm)."""

    def __init__(self, path: Path | None = None, enabled: bool = True) -> None:
        self.enabled = enabled
        self.path = path or cache_root() / "llm-cache.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def get_many(self, keys: list[str]) -> dict[str, object]:
        found: dict[str, object] = {}
        if not self.enabled:
            return found
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            marks = ",".join("?" * len(part))
            for key, value in self._db.execute(f"SELECT key, value FROM answers WHERE key IN ({marks})", part):
                found[key] = json.loads(value)
        return found

    def put_many(self, items: dict[str, object]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO answers VALUES (?, ?)",
                                 [(k, json.dumps(v, sort_keys=True)) for k, v in items.items()])

    def close(self) -> None:
        self._db.close()
