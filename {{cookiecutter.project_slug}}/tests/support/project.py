"""The generated project's root folder, for the tests that read its files."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
