"""mlgate: an evaluation gate for ML projects in CI."""

from __future__ import annotations

__version__ = "0.1.0"
