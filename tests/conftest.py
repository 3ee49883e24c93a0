"""Fixtures shared by the template's specifications."""

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import bake


@pytest.fixture(scope="session", autouse=True)
def isolated_cookiecutter_config(tmp_path_factory):
    """Keep the developer's ~/.cookiecutterrc out, and replay files out of their home folder."""
    home = tmp_path_factory.mktemp("cookiecutter-home")
    config = home / "config.yaml"
    config.write_text(
        f"cookiecutters_dir: {json.dumps(str(home / 'cookiecutters'))}\n"
        f"replay_dir: {json.dumps(str(home / 'replay'))}\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COOKIECUTTER_CONFIG", str(config))
        yield config


@pytest.fixture(scope="session")
def baked(tmp_path_factory) -> Callable[..., Path]:
    """Bake once per set of answers for the whole session; tests must not modify the tree."""
    root = tmp_path_factory.mktemp("bakes")
    trees: dict[str, Path] = {}

    def bake_once(**answers: str) -> Path:
        key = json.dumps(answers, sort_keys=True)
        if key not in trees:
            output_dir = root / hashlib.sha256(key.encode()).hexdigest()[:12]
            trees[key] = bake(output_dir, **answers)
        return trees[key]

    return bake_once
