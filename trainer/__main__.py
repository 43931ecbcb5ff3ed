"""`python -m trainer` is `swclint-train`."""

from trainer.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
