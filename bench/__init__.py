"""Benchmarks: detection quality per SWC class (`python -m bench detect`)."""
