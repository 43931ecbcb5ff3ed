"""Benchmarks: detection quality per SWC class (`python -m bench detect`)."""

import os
import sys
from pathlib import Path

import swclint

# Benches that run the `swclint` CLI do so in other folders (each file's, a package's). A relative
# PYTHONPATH (`PYTHONPATH=. python -m bench ...` in a clone of an older tree) would then resolve
# there and the CLI would import whatever swclint is installed, not the code this bench measures:
# pin every child process to the source tree this process imported.
_SOURCE = str(Path(swclint.__file__).resolve().parent.parent)
# `python -m bench` puts the current folder first on sys.path, ahead of PYTHONPATH: run from one tree
# with PYTHONPATH naming another, it would silently measure the current one. Say so.
_PATHS = [str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
_NAMED = [p for p in _PATHS if (Path(p) / "swclint" / "__init__.py").is_file()]
if _NAMED and _NAMED[0] != _SOURCE:
    sys.stderr.write(f"bench: measuring swclint from {_SOURCE}, not {_NAMED[0]} named in PYTHONPATH "
                     f"(the current folder comes first); cd into {_NAMED[0]} to measure that tree\n")
os.environ["PYTHONPATH"] = os.pathsep.join([_SOURCE, *(p for p in _PATHS if p != _SOURCE)])
