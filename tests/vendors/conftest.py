"""Fixtures of the vendor tests: a live emulator over real HTTP and adapters pointing at it."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # allow plain `pytest` without an installed package
    sys.path.insert(0, str(ROOT))
