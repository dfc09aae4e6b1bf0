"""Where the shipped default checkpoint lives (inside the package, so it works offline)."""

from pathlib import Path

DEFAULT_CHECKPOINT = Path(__file__).parent / "default"
