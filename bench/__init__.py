"""Benchmarks: detection quality per SWC class (`python -m bench detect`)."""

import os
from pathlib import Path

import swclint

# Benches that run the `swclint` CLI do so in other folders (each file's, a package's). A relative
# PYTHONPATH (`PYTHONPATH=. python -m bench ...` in a clone of an older tree) would then resolve
# there and the CLI would import whatever swclint is installed, not the code this bench measures:
# pin every child process to the source tree this process imported.
_SOURCE = str(Path(swclint.__file__).resolve().parent.parent)
os.environ["PYTHONPATH"] = os.pathsep.join(
    [_SOURCE, *(str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                if p and str(Path(p).resolve()) != _SOURCE)])
