"""``python -m evals run …`` — see :mod:`evals.runner`."""

from __future__ import annotations

import sys

from evals.runner import main

if __name__ == "__main__":
    sys.exit(main())
