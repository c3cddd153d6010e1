"""Moved to :mod:`tysha.drop.launcher` (it is product code: the demo starts drops with it).

This alias only keeps imports in branches written before the rename working until they are
merged; nothing in this tree imports it. Delete it once no branch does."""

from tysha.drop.launcher import *  # noqa: F403
from tysha.drop.launcher import __all__  # noqa: F401
