"""``runs/<name>/pipeline.json``: the settings of a study run and, per stage, its status, timing and outputs."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from gan_lib.atomic import atomic_write_json
from gan_lib.config import PROJECT_ROOT
from gan_lib.pipeline.errors import PipelineError
from gan_lib.pipeline.report import relative

__all__ = [
    "RECORD_NAME",
    "RunRecord",
    "now",
    "new_stage_entry",
    "check_same_settings",
    "files_newer_than",
    "source_commit",
]

RECORD_NAME = "pipeline.json"
_STATUSES = ("pending", "running", "done", "failed")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def source_commit(root: Path = PROJECT_ROOT) -> str | None:
    """The git commit of the code checkout (``git rev-parse HEAD``), ``+dirty`` if modified; ``None`` without git.

    Recorded with every run and figure so a result can be traced to the code that made it.
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+dirty" if dirty else commit


@dataclasses.dataclass
class RunRecord:
    """``runs/<name>/pipeline.json``: settings of the run and one entry per stage."""

    path: Path
    data: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> "RunRecord | None":
        if not path.exists():
            return None
        try:
            return cls(path, json.loads(path.read_text()))
        except ValueError as error:
            raise PipelineError(f"{path} is not valid JSON ({error}); delete it to start the run afresh.") from error

    def save(self) -> None:
        self.data["updated"] = now()
        atomic_write_json(self.path, self.data)

    def stage(self, name: str) -> dict[str, Any]:
        for entry in self.data["stages"]:
            if entry["name"] == name:
                return entry
        raise PipelineError(f"{self.path} has no stage {name!r}; it was written for another stage list.")


def new_stage_entry(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "status": "pending",
        "started": None,
        "duration_s": None,
        "notebook": None,
        "executed_notebook": None,
        "parameters": None,
        "outputs": [],
        "error": None,
    }


def check_same_settings(record: RunRecord, settings: dict[str, Any], run_name: str) -> None:
    differing = {
        k: (record.data["settings"].get(k), v) for k, v in settings.items() if record.data["settings"].get(k) != v
    }
    if differing:
        detail = "; ".join(f"{k}: run has {old!r}, asked for {new!r}" for k, (old, new) in differing.items())
        raise PipelineError(
            f"run {run_name!r} ({record.path.parent}) was created with other settings ({detail}). Mixing them "
            "would combine two different studies: pass the original settings, or choose a new --run name "
            "(or delete that folder to start over)."
        )


def files_newer_than(folders: Iterable[Path], since: float, *, exclude: Iterable[Path], root: Path) -> list[str]:
    excluded = [p.resolve() for p in exclude]
    found: set[str] = set()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if not path.is_file() or path.name.startswith("."):
                continue
            resolved = path.resolve()
            if any(resolved == e or e in resolved.parents for e in excluded):
                continue
            if path.stat().st_mtime >= since:
                found.add(relative(path, root))
    return sorted(found)
