"""Moved to :mod:`vendorrisk.strategies` (public, documented like ``hypothesis.extra``).

Kept so that tests importing ``from strategies import ...`` keep working; new code imports
``vendorrisk.strategies``.
"""

from __future__ import annotations

from vendorrisk.strategies import *  # noqa: F403
from vendorrisk.strategies import __all__ as __all__
