"""Tests of gan_lib.pipeline on tiny notebooks written into a temporary folder.

Each notebook execution starts a kernel (~2-3 s here), so the expensive runs are
module-scoped fixtures shared by several one-assertion tests: about ten kernel
starts for the whole file.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import nbformat
import pytest

from gan_lib import pipeline
from gan_lib.config import NOTEBOOKS_DIR
from gan_lib.pipeline import PipelineError, Stage, StageFailed, resolve_stage, run_pipeline

STAGES = ("01_first", "02_second", "03_third")


def _notebook(path: Path, parameters: str, body: str) -> Path:
    """Write a notebook: a markdown cell, a ``parameters`` cell and one code cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), params, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)
    return path


def _logging_body(stage: str, log: Path, names: tuple[str, ...]) -> str:
    """Code that appends this stage's name and received parameter values to ``log`` (one JSON line)."""
    values = ", ".join(f"{n!r}: {n}" for n in names)
    return (
        "import json, sys\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        f"    f.write(json.dumps({{'stage': {stage!r}, 'params': {{{values}}}}}) + '\\n')\n"
        f"print('progress of {stage}', file=sys.stderr)\n"
    )


def _log_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Three notebooks declaring different parameter subsets; each logs what it received."""
    root = tmp_path_factory.mktemp("study")
    notebooks, log = root / "notebooks", root / "log.jsonl"
    notebooks.mkdir()
    _notebook(
        notebooks / "01_first.ipynb",
        'run_name: str = "x"\nprofile: str = "quick"',
        _logging_body("01_first", log, ("run_name", "profile")),
    )
    _notebook(
        notebooks / "02_second.ipynb",
        "seed: int = 0\ndata_dir = None\nown_setting: int = 7",
        _logging_body("02_second", log, ("seed", "data_dir", "own_setting")),
    )
    _notebook(
        notebooks / "03_third.ipynb",
        "run_name = 'x'\nfigures_dir = None",
        _logging_body("03_third", log, ("run_name", "figures_dir"))
        + f"open({str(root / 'figures' / 'f.txt')!r}, 'w').write('x')\n"
        "sys.stderr.write('bar 50%\\r')\n",
    )  # a progress bar that erased itself: no newline
    (root / "figures").mkdir()
    return root


def _run(study: Path, **kwargs) -> tuple[dict, str]:
    out = io.StringIO()
    options = dict(
        profile="quick",
        run_name="t",
        stages=STAGES,
        notebooks_dir=study / "notebooks",
        runs_dir=study / "runs",
        figures_dir=study / "figures",
        watch_dirs=(study / "figures",),
        out=out,
    )
    options.update(kwargs)
    try:
        return run_pipeline(**options), out.getvalue()
    except StageFailed:
        raise
    finally:
        study.joinpath("last_output.txt").write_text(out.getvalue())


@pytest.fixture(scope="module")
def full_run(study):
    """One complete run with seed 3 (three kernel starts)."""
    record, output = _run(study, seed=3)
    return record, output, _log_lines(study / "log.jsonl")


@pytest.mark.slow
def test_run_pipeline_executes_stages_in_order(full_run):
    _, _, log = full_run
    assert [line["stage"] for line in log] == list(STAGES)


@pytest.mark.slow
def test_run_pipeline_passes_only_declared_parameters(full_run, study):
    _, _, log = full_run
    params = {line["stage"]: line["params"] for line in log}
    assert params["01_first"] == {"run_name": "t", "profile": "quick"}
    # own_setting keeps the notebook's default: the pipeline passes core parameters only.
    assert params["02_second"] == {"seed": 3, "data_dir": None, "own_setting": 7}
    assert params["03_third"] == {"run_name": "t", "figures_dir": str(study / "figures")}


@pytest.mark.slow
def test_run_pipeline_writes_record_with_status_duration_outputs(full_run, study):
    record, _, _ = full_run
    on_disk = json.loads((study / "runs" / "t" / "pipeline.json").read_text())
    assert on_disk["stages"] == record["stages"]
    assert on_disk["settings"] == {"profile": "quick", "data_dir": None, "seed": 3}
    assert [s["status"] for s in on_disk["stages"]] == ["done"] * 3
    assert all(s["duration_s"] > 0 and s["started"] for s in on_disk["stages"])
    assert on_disk["stages"][1]["parameters"] == {"seed": 3, "data_dir": None}
    assert any(o.endswith("figures/f.txt") for o in on_disk["stages"][2]["outputs"])
    assert not any(o.endswith("figures/f.txt") for o in on_disk["stages"][0]["outputs"])


@pytest.mark.slow
def test_run_pipeline_saves_executed_notebooks(full_run, study):
    executed = study / "runs" / "t" / "notebooks" / "02_second.ipynb"
    nb = nbformat.read(executed, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)


@pytest.mark.slow
def test_run_pipeline_prints_one_line_per_stage_and_streams_stderr(full_run):
    _, output, _ = full_run
    for index, name in enumerate(STAGES, start=1):
        assert f"[{index}/3] {name} " in output
    assert output.count(" done in ") == 3
    assert "progress of 02_second" in output


@pytest.mark.slow
def test_run_pipeline_starts_stage_lines_on_a_new_line_after_a_bar(full_run):
    _, output, _ = full_run
    assert "bar 50%\r\n[3/3] 03_third" in output


@pytest.mark.slow
def test_run_pipeline_from_stage_reruns_that_stage_and_later(full_run, study):
    log = study / "log.jsonl"
    before = len(_log_lines(log))
    record, _ = _run(study, seed=3, from_stage="2")
    assert [line["stage"] for line in _log_lines(log)[before:]] == ["02_second", "03_third"]
    assert [s["status"] for s in record["stages"]] == ["done"] * 3


@pytest.mark.slow
def test_run_pipeline_refuses_resume_with_other_settings(full_run, study):
    with pytest.raises(PipelineError, match="profile: run has 'quick', asked for 'full'"):
        _run(study, profile="full", resume=True)
    with pytest.raises(PipelineError, match="seed"):
        _run(study, seed=4, resume=True)


@pytest.fixture(scope="module")
def failing_study(tmp_path_factory):
    """Stage 2 fails until a marker file exists; stage 1 counts its executions."""
    root = tmp_path_factory.mktemp("failing")
    notebooks, marker, count = root / "notebooks", root / "fixed", root / "count.txt"
    notebooks.mkdir()
    (root / "figures").mkdir()
    _notebook(notebooks / "01_first.ipynb", "run_name = 'x'", f"with open({str(count)!r}, 'a') as f:\n    f.write('1')")
    _notebook(
        notebooks / "02_second.ipynb",
        "seed = 0",
        f"import pathlib\nvalue = 41\nif not pathlib.Path({str(marker)!r}).exists():\n"
        "    raise ValueError(f'broken stage, value={value}')",
    )
    _notebook(notebooks / "03_third.ipynb", "seed = 0", "print('third ran')")
    out = io.StringIO()
    with pytest.raises(StageFailed) as failure:
        _run(root, out=out)
    return root, failure.value, out.getvalue()


@pytest.mark.slow
def test_run_pipeline_failure_stops_and_records(failing_study):
    root, _, _ = failing_study
    record = json.loads((root / "runs" / "t" / "pipeline.json").read_text())
    assert [s["status"] for s in record["stages"]] == ["done", "failed", "pending"]
    assert record["stages"][1]["error"]["ename"] == "ValueError"
    assert "broken stage, value=41" in record["stages"][1]["error"]["evalue"]
    assert not (root / "runs" / "t" / "notebooks" / "03_third.ipynb").exists()


@pytest.mark.slow
def test_run_pipeline_failure_report_shows_cell_error_and_notebook(failing_study):
    root, failure, output = failing_study
    assert "[2/3] 02_second " in output and "FAILED after" in output
    assert "raise ValueError(f'broken stage, value={value}')" in failure.report  # the cell source
    assert "ValueError: broken stage, value=41" in failure.report
    assert str(root / "runs" / "t" / "notebooks" / "02_second.ipynb") in failure.report
    assert "--resume" in failure.report
    assert failure.report in output


@pytest.mark.slow
def test_run_pipeline_resume_after_fix_skips_done_stages(failing_study):
    root, _, _ = failing_study
    (root / "fixed").write_text("")
    record, output = _run(root, resume=True)
    assert [s["status"] for s in record["stages"]] == ["done"] * 3
    assert (root / "count.txt").read_text() == "1"  # stage 1 was not executed again
    assert "01_first" not in output and "[3/3] 03_third" in output


@pytest.mark.slow
def test_run_pipeline_resume_of_finished_run_does_nothing(full_run, study):
    record, output = _run(study, seed=3, resume=True)
    assert "every stage is done" in output
    assert [s["status"] for s in record["stages"]] == ["done"] * 3


def test_run_pipeline_from_refuses_when_earlier_stage_unfinished(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    for name in STAGES:
        _notebook(nbs / f"{name}.ipynb", "seed = 0", "pass")
    with pytest.raises(PipelineError, match="needs the outputs of 01_first, 02_second"):
        _run(tmp_path, from_stage="03_third")


def test_run_pipeline_missing_notebook_fails_before_running(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _notebook(nbs / "01_first.ipynb", "seed = 0", "pass")
    with pytest.raises(PipelineError, match="missing: .*02_second.ipynb, .*03_third.ipynb"):
        _run(tmp_path)
    assert not (tmp_path / "runs").exists()


def test_run_pipeline_rejects_conflicting_options(tmp_path):
    with pytest.raises(PipelineError, match="exclude each other"):
        _run(tmp_path, resume=True, from_stage="02_second")
    with pytest.raises(PipelineError, match="--profile"):
        _run(tmp_path, profile="fast")


def test_run_pipeline_rejects_missing_data_folder(tmp_path):
    with pytest.raises(PipelineError, match="--data .*no such folder"):
        _run(tmp_path, data_dir=tmp_path / "nope")


@pytest.mark.parametrize(
    "given, expected",
    [("03_denoising", "03_denoising"), ("3", "03_denoising"), ("03", "03_denoising"), ("texture", "05_texture")],
)
def test_resolve_stage_accepts_name_number_or_words(given, expected):
    assert resolve_stage(given) == expected


def test_resolve_stage_rejects_unknown_name():
    with pytest.raises(PipelineError, match="unknown stage 'trainig'.*02_train_wgan_gp"):
        resolve_stage("trainig")


def test_check_kernel_names_the_fix_when_missing():
    with pytest.raises(PipelineError, match="ipykernel install --sys-prefix --name no-such-kernel"):
        pipeline.check_kernel("no-such-kernel")


def test_main_returns_2_with_message_on_refusal(capsys):
    assert pipeline.main(["--profile", "quick", "--from", "nope"]) == 2
    assert "pipeline: unknown stage 'nope'" in capsys.readouterr().err


@pytest.mark.slow
def test_run_pipeline_only_runs_that_stage(full_run, study):
    log = study / "log.jsonl"
    before = len(_log_lines(log))
    record, output = _run(study, seed=3, only="first")
    assert [line["stage"] for line in _log_lines(log)[before:]] == ["01_first"]
    assert output.count(" done in ") == 1
    assert [s["status"] for s in record["stages"]] == ["done"] * 3


def test_run_pipeline_refuses_parameters_papermill_cannot_read(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    for name in STAGES:
        _notebook(nbs / f"{name}.ipynb", "seed = 0", "pass")
    _notebook(
        nbs / "02_second.ipynb",
        "seed = 0\ndata_dir: str | None = None  # folder\nmode = 'patch'  # 'patch' = tissue patches",
        "pass",
    )
    with pytest.raises(
        PipelineError,
        match="02_second.ipynb: papermill cannot read .*'data_dir: str \\| None = None'; \"mode = 'patch'\"",
    ):
        _run(tmp_path)
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_run_pipeline_runs_a_notebook_twice_under_two_names_with_stage_parameters(study):
    # The research-questions study runs notebook 08 a second time with seed 1; each run keeps its own record
    # entry and executed notebook, and a stage's parameters win over the core ones.
    log = study / "log.jsonl"
    before = len(_log_lines(log))
    stages = (Stage("02_second"), Stage("02_second_again", "02_second", (("seed", 1), ("own_setting", 9))))
    record, _ = _run(study, run_name="twice", seed=3, stages=stages)
    received = [line["params"] for line in _log_lines(log)[before:]]
    assert received == [
        {"seed": 3, "data_dir": None, "own_setting": 7},
        {"seed": 1, "data_dir": None, "own_setting": 9},
    ]
    assert [s["name"] for s in record["stages"]] == ["02_second", "02_second_again"]
    assert record["stages"][1]["notebook"].endswith("02_second.ipynb")
    assert sorted(p.name for p in (study / "runs" / "twice" / "notebooks").iterdir()) == [
        "02_second.ipynb",
        "02_second_again.ipynb",
    ]


def test_run_pipeline_refuses_a_stage_parameter_the_notebook_does_not_declare(study):
    stages = (Stage("01_first", parameters=(("steps", 3000),)),)
    with pytest.raises(PipelineError, match="stage 01_first: 01_first.ipynb declares no parameter steps"):
        _run(study, run_name="undeclared", stages=stages)
    assert not (study / "runs" / "undeclared").exists()


def test_run_pipeline_refuses_two_stages_of_one_name(study):
    with pytest.raises(PipelineError, match="a name of its own"):
        _run(study, run_name="dup", stages=(Stage("01_first"), Stage("01_first", parameters=(("profile", "full"),))))


def test_resolve_stage_names_both_stages_of_an_ambiguous_number():
    names = [s.name for s in pipeline.STUDIES["research-questions"]]
    with pytest.raises(PipelineError, match="ambiguous.*08_augmentation_vs_gan, 08_augmentation_vs_gan_seed1"):
        resolve_stage("8", names)
    assert resolve_stage("08_augmentation_vs_gan_seed1", names) == "08_augmentation_vs_gan_seed1"


@pytest.mark.parametrize("study_name", sorted(pipeline.STUDIES))
def test_every_study_stage_passes_only_parameters_its_notebook_declares(study_name):
    # Checked without a kernel, so a renamed notebook parameter fails here and not an hour into the study.
    for stage in pipeline.STUDIES[study_name]:
        declared = pipeline.notebook_parameters(NOTEBOOKS_DIR / f"{stage.notebook_name}.ipynb")
        assert dict(stage.parameters).keys() <= declared, (stage.name, dict(stage.parameters).keys() - declared)
