"""The project as committed at a git ref, unpacked into a temporary folder.

``git archive`` writes the files of the commit, not of the working tree, and leaves the
repository as it was: no checkout, no worktree to clean up.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .role_maps import ReviewError


@dataclass(frozen=True)
class Snapshot:
    ref: str
    commit: str
    root: Path


@contextmanager
def snapshot_at(ref: str, project: Path) -> Iterator[Snapshot]:
    """The project folder (``project`` may lie anywhere in the repository) as it is at ``ref``."""
    located = _git(project, "rev-parse", "--show-prefix")
    if located.returncode:
        raise ReviewError(f"{project}: not in a git repository, so there is no ref to compare with")
    prefix = located.stdout.strip()
    commit = _commit(ref, project)
    with tempfile.TemporaryDirectory(prefix="review-diff-") as folder:
        archive = subprocess.run(  # noqa: S603 (git, with a commit id git itself resolved)
            ["git", "archive", "--format=tar", f"{commit}:{prefix}"],  # noqa: S607
            cwd=project,
            capture_output=True,
            check=False,
        )
        if archive.returncode:
            raise ReviewError(f"{ref}: the project folder {prefix or '.'} is not in that commit")
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        yield Snapshot(ref, commit, Path(folder))


def _commit(ref: str, project: Path) -> str:
    if not ref or ref.startswith("-"):
        raise ReviewError(f"{ref!r} is not a git ref")
    found = _git(project, "rev-parse", "--verify", "--quiet", ref + "^{commit}")
    if found.returncode == 0:
        return found.stdout.strip()
    if _git(project, "rev-parse", "--verify", "--quiet", "HEAD").returncode:
        raise ReviewError(
            f"{ref}: this repository has no commits yet, so there is nothing to compare with "
            "(commit, then compare later changes with that commit)"
        )
    shallow = _git(project, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    hint = " (this clone is shallow: fetch the ref first, e.g. git fetch --depth=1 origin main)"
    raise ReviewError(f"{ref}: no such commit in this repository{hint if shallow else ''}")


def _git(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 (git, with arguments built here)
            ["git", *arguments],  # noqa: S607
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise ReviewError("git is not installed: the diff reads the ref with git") from None
