"""``python -m vendorrisk``: the same as the ``vendorrisk`` command."""

import sys

from vendorrisk.cli import main

sys.exit(main())
