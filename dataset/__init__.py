"""Builders that turn raw SWC sources into function-level records in the linter's chunk format.

`python -m dataset build ...` (or `swclint-data build ...`) writes train/valid/test JSONL and a data
card. See `dataset.build` for the pipeline: import → dedup → split → card.
"""
