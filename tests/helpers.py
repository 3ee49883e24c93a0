"""Baking projects and checking them, one helper per concern."""

import ast
import hashlib
import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import yaml
from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import prompt_for_config

TEMPLATE = Path(__file__).resolve().parent.parent

# A GitHub Actions expression `${{ ... }}` is meant to survive generation; anything else is not.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{[{%#]")


def bake(output_dir: Path, **answers: str) -> Path:
    """Generate a project as `cookiecutter --no-input key=value ...` would; return its folder."""
    return Path(
        cookiecutter(
            str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output_dir)
        )
    )


def answers_as_typed(**typed: str) -> dict:
    """All answers as a person typing at the prompts would give them.

    Cookiecutter renders defaults and extra_context values as Jinja, but not what a person types,
    so only this route brings a literal `{{ ... }}` to the pre-generation hook.
    """
    context = generate_context(context_file=str(TEMPLATE / "cookiecutter.json"))
    return {**prompt_for_config(context, no_input=True), **typed}


def bake_from_replay(output_dir: Path, answers: dict) -> Path:
    """Generate from a replay file holding `answers` verbatim (`cookiecutter --replay-file`)."""
    replay_file = output_dir.parent / f"{output_dir.name}-replay.json"
    replay_file.write_text(json.dumps({"cookiecutter": answers}), encoding="utf-8")
    return Path(cookiecutter(str(TEMPLATE), replay=str(replay_file), output_dir=str(output_dir)))


def text_files(tree: Path) -> dict[Path, str]:
    """Every UTF-8 file under `tree`, by path; binary files are left out."""
    texts = {}
    for path in sorted(tree.rglob("*")):
        if path.is_file():
            try:
                texts[path] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return texts


def file_paths(tree: Path) -> set[str]:
    """Every file under `tree`, as a path relative to it."""
    return {path.relative_to(tree).as_posix() for path in tree.rglob("*") if path.is_file()}


def tree_fingerprint(tree: Path) -> dict[str, str]:
    """Relative path -> sha256 and file mode, for comparing two generations byte for byte."""
    return {
        path.relative_to(tree).as_posix(): (
            f"{hashlib.sha256(path.read_bytes()).hexdigest()} {oct(path.stat().st_mode)}"
        )
        for path in sorted(tree.rglob("*"))
        if path.is_file()
    }


def assert_no_jinja(tree: Path) -> None:
    leftovers = [
        path.relative_to(tree).as_posix()
        for path in tree.rglob("*")
        if LEFTOVER_JINJA.search(path.relative_to(tree).as_posix())
    ]
    for path, text in text_files(tree).items():
        for number, line in enumerate(text.splitlines(), start=1):
            if LEFTOVER_JINJA.search(line):
                leftovers.append(f"{path.relative_to(tree)}:{number}: {line.strip()}")
    assert not leftovers, "unrendered Jinja:\n" + "\n".join(leftovers)


def assert_python_compiles(tree: Path) -> None:
    """Byte-compile every module in memory, so the tree gains no __pycache__."""
    for path in sorted(tree.rglob("*.py")):
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)


def parsed_files(tree: Path) -> dict[Path, object]:
    """Every .py, .toml, .json and YAML file under `tree`, parsed; a parse error propagates."""
    parsers = {
        ".py": ast.parse,
        ".toml": tomllib.loads,
        ".json": json.loads,
        ".yml": lambda text: list(yaml.safe_load_all(text)),
        ".yaml": lambda text: list(yaml.safe_load_all(text)),
    }
    return {
        path: parsers[path.suffix](text)
        for path, text in text_files(tree).items()
        if path.suffix in parsers
    }


def string_values(parsed: object) -> set[str]:
    """Every string a parsed file holds: Python string constants, TOML/JSON/YAML keys and values."""
    if isinstance(parsed, ast.AST):
        return {
            node.value
            for node in ast.walk(parsed)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
    if isinstance(parsed, dict):
        return {key for key in parsed if isinstance(key, str)}.union(
            *(string_values(value) for value in parsed.values())
        )
    if isinstance(parsed, list):
        return set().union(*(string_values(item) for item in parsed))
    return {parsed} if isinstance(parsed, str) else set()


def ruff(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def assert_ruff_clean(*trees: Path) -> None:
    """`ruff check` and `ruff format --check`, each tree judged by the config it ships."""
    folders = [str(tree) for tree in trees]
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = ruff(*command, *folders, cwd=Path(os.path.commonpath(folders)))
        assert result.returncode == 0, f"ruff {' '.join(command)}:\n{result.stdout}{result.stderr}"


def mypy_settings(tree: Path) -> dict:
    """The [tool.mypy] and [tool.pydantic-mypy] tables a tree's pyproject.toml holds."""
    tool = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    return {name: tool.get(name) for name in ("mypy", "pydantic-mypy")}


def assert_mypy_clean(*trees: Path, workspace: Path) -> None:
    """mypy over every tree's package in one run, with the strict settings the trees share.

    The trees' packages share one name, which mypy checks once per run, so each is copied
    under a name of its own (the package imports itself only relatively; an absolute
    import would not resolve, and fail the check). Copies and cache stay in `workspace`.
    """
    (settings, *others) = {json.dumps(mypy_settings(tree), sort_keys=True) for tree in trees}
    assert not others, "every tree ships the same mypy settings"
    assert json.loads(settings)["mypy"]["strict"] is True
    copies = workspace / "packages"
    for number, tree in enumerate(trees):
        (package,) = (path.parent for path in (tree / "src").glob("*/__init__.py"))
        shutil.copytree(
            package, copies / f"tree_{number}", ignore=shutil.ignore_patterns("__pycache__")
        )
    config = str(trees[0] / "pyproject.toml")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", config, "--cache-dir", "cache", "packages"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    legend = "\n".join(f"tree_{number}: {tree}" for number, tree in enumerate(trees))
    assert result.returncode == 0, f"mypy:\n{result.stdout}{result.stderr}\n{legend}"


def run_generated_tests(
    tree: Path, *test_paths: str, python: str = sys.executable
) -> subprocess.CompletedProcess:
    """Run a generated project's own suite (or some of its files) with `python`, from its folder."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(tree / "src"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    environment.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *test_paths],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def assert_generated_tests_pass(tree: Path, *test_paths: str) -> None:
    result = run_generated_tests(tree, *test_paths)
    assert result.returncode == 0, (
        f"generated suite in {tree} exited {result.returncode}:\n{result.stdout}{result.stderr}"
    )


def generated_test_support(tree: Path, module: str) -> ModuleType:
    """A module of a baked project's tests/support, imported as its own suite imports it.

    Each tree gets a package name of its own, so two bakes' modules never mix.
    """
    package = "baked_" + hashlib.sha256(str(tree).encode()).hexdigest()[:12]
    for name, folder in ((package, tree / "tests"), (f"{package}.support", tree / "tests/support")):
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(
                name, folder / "__init__.py", submodule_search_locations=[str(folder)]
            )
            sys.modules[name] = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(sys.modules[name])
    return importlib.import_module(f"{package}.support.{module}")


def bare_git(home: Path) -> tuple[list[str], dict[str, str]]:
    """git as an IDE's client runs it: no venv on PATH, none active, no user configuration;
    the command (with an author, unsigned) and its environment."""
    path = os.pathsep.join(dict.fromkeys([str(Path(shutil.which("git")).parent), "/bin"]))
    assert shutil.which("ruff", path=path) is None, "the tools must not be on this PATH"
    settings = ("user.name=template test", "user.email=test@example.invalid")
    git = ["git", *(option for s in (*settings, "commit.gpgsign=false") for option in ("-c", s))]
    environment = {"PATH": path, "HOME": str(home), "PRE_COMMIT_HOME": str(home / "pre-commit")}
    return git, environment
