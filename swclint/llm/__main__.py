"""`python -m swclint.llm`: prepare the embedded base model cache (GGUF -> safetensors, once)."""

import sys

from .models import ModelError, ensure_embedded_base

if __name__ == "__main__":
    try:
        print(ensure_embedded_base())
    except ModelError as exc:
        print(f"swclint: error: {exc}", file=sys.stderr)
        sys.exit(2)
