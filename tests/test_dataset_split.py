from collections import Counter

from dataset.dedup import dedup
from dataset.records import make_record
from dataset.split import check_leakage, split_records
from swclint.chunk import Chunk


def rec(i: int, labels, group: str, body: str | None = None) -> dict:
    src = body or f"function f{i}() public {{ x{i} = {i}; }}"
    return make_record(Chunk(source=src, function=f"f{i}"), labels, None, "seed", group)


def test_dedup_exact_near_and_label_conflict():
    stats = Counter()
    a = rec(1, [], "g1", "function a(uint v) public { t = v; }")
    b = rec(2, ["SWC-101"], "g2", "function b(uint w) public {  s = w; }")  # near duplicate of a
    c = rec(3, [], "g3", "function a(uint v) public { t = v; }")  # exact duplicate of a
    out = dedup([a, b, c], stats)
    assert len(out) == 1 and out[0]["labels"] == ["SWC-101"]  # vulnerable label wins
    assert stats["dedup.exact_removed"] == 1
    assert stats["dedup.near_removed"] == 1
    assert stats["dedup.label_conflicts"] == 1


def test_split_keeps_groups_whole_is_deterministic_and_stratified():
    records = []
    for i in range(600):
        label = ["SWC-107"] if i % 2 else ["SWC-110"]
        records.append(rec(i, label, f"g{i // 2}"))
        records.append(
            rec(10_000 + i, [], f"g{i // 2}", f"function c{i}() public {{ {'y' * (i % 7)} = {i}; }}")
        )
    splits = split_records(records, seed=13, min_test=100)
    where = {}
    for name, recs in splits.items():
        for r in recs:
            assert where.setdefault(r["group"], name) == name  # no group in two splits
    assert sum(len(v) for v in splits.values()) == len(records)
    for label in ("SWC-107", "SWC-110"):
        assert sum(label in r["labels"] for r in splits["test"]) >= 100
    again = split_records(list(reversed(records)), seed=13, min_test=100)
    assert [r["id"] for r in again["test"]] == [r["id"] for r in splits["test"]]
    other = split_records(records, seed=14, min_test=100)
    assert {r["id"] for r in other["test"]} != {r["id"] for r in splits["test"]}
    assert set(check_leakage(splits).values()) == {0}
