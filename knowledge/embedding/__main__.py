"""``python -m knowledge.embedding …``: see ``knowledge.embedding.cli``."""

import sys

from knowledge.embedding.cli import main

sys.exit(main())
