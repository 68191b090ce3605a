"""Structure of the study's notebooks (the notebooks themselves are executed by nbval, see docs/ARCHITECTURE.md).

Every notebook must open with a markdown cell, hold exactly one papermill
``parameters`` cell with plain literal defaults for the quick profile, be
committed with cleared outputs, and be a stage of the pipeline, so that the
pipeline, nbval and a user in JupyterLab all run the same thing.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import papermill
import pytest

from gan_lib.config import NOTEBOOKS_DIR
from gan_lib.pipeline import CORE_PARAMETERS, STAGES, notebook_parameters

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
#: Quick-profile defaults every notebook declaring these names must use.
QUICK_DEFAULTS = {"run_name": "quick", "profile": "quick", "data_dir": None}


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _parameter_cells(nb: nbformat.NotebookNode) -> list:
    return [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]


def test_pipeline_stages_match_notebooks_on_disk():
    on_disk = [p.stem for p in NOTEBOOKS]
    assert sorted(STAGES) == list(STAGES), "STAGES must be in file-name order (the order nbval runs them)"
    assert on_disk == list(STAGES), (
        f"notebooks/ holds {on_disk} but gan_lib.pipeline.STAGES lists {list(STAGES)}; keep them identical."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_cells_have_unique_ids(path):
    # nbformat 4.5 requires cell ids; a cell added by hand without one makes every run warn (MissingIDFieldWarning).
    raw = json.loads(path.read_text(encoding="utf-8"))
    ids = [cell.get("id") for cell in raw["cells"]]
    assert (raw["nbformat"], raw["nbformat_minor"]) >= (4, 5) and None not in ids and len(set(ids)) == len(ids), (
        f"{path.name}: every cell needs a unique 'id' (cells {[i for i, c in enumerate(ids) if c is None]} have none)."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_starts_with_markdown_title(path):
    first = _read(path).cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# "), (
        f"{path.name}: the first cell must be markdown starting with a '# ' title (purpose, inputs, outputs)."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_one_parameters_cell_first_among_code_cells(path):
    nb = _read(path)
    tagged = _parameter_cells(nb)
    assert len(tagged) == 1, f"{path.name}: expected exactly one cell tagged 'parameters'; found {len(tagged)}."
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code is tagged[0], f"{path.name}: the parameters cell must be the first code cell."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_parameters_are_plain_literals_with_quick_defaults(path):
    source = _parameter_cells(_read(path))[0].source
    for node in ast.parse(source).body:
        assert isinstance(node, (ast.Assign, ast.AnnAssign)), (
            f"{path.name}: the parameters cell may only assign values; found {ast.unparse(node)!r}."
        )
        value = node.value
        ast.literal_eval(value)  # raises for anything but a plain literal
    declared = papermill.inspect_notebook(str(path))
    for name, expected in QUICK_DEFAULTS.items():
        if name in declared:
            assert ast.literal_eval(declared[name]["default"]) == expected, (
                f"{path.name}: {name} must default to {expected!r} (the quick profile)."
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_parameters_are_all_readable_by_papermill(path):
    notebook_parameters(path)  # raises PipelineError naming the lines papermill would skip


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_declares_run_name_or_profile(path):
    declared = set(papermill.inspect_notebook(str(path)))
    assert declared & set(CORE_PARAMETERS), (
        f"{path.name}: declares none of the pipeline's core parameters {CORE_PARAMETERS}."
    )


def _output_checked(cell) -> bool:
    """Whether nbval compares this cell's output: a comment line that is exactly the marker (nbval's own rule)."""
    return cell.cell_type == "code" and any(
        line.strip().lstrip("#").strip() == "NBVAL_CHECK_OUTPUT"
        for line in cell.source.splitlines()
        if line.strip().startswith("#")
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_with_cleared_outputs(path):
    # Only a cell marked NBVAL_CHECK_OUTPUT keeps its output (and the execution count nbval requires of a
    # reference cell): it is what nbval compares the new run with.
    dirty = [
        i
        for i, c in enumerate(_read(path).cells)
        if c.cell_type == "code" and not _output_checked(c) and (c.outputs or c.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} hold outputs or execution counts; clear them "
        "(jupyter nbconvert --clear-output --inplace) before committing."
    )


def test_some_notebook_cell_is_output_checked_against_its_stored_output():
    # --nbval-lax compares only cells marked NBVAL_CHECK_OUTPUT; a marked cell without a stored output would
    # compare against nothing, so each one must carry the output of a run with the quick defaults.
    checked = {(p.name, i): c for p in NOTEBOOKS for i, c in enumerate(_read(p).cells) if _output_checked(c)}
    assert checked, "no notebook cell is marked # NBVAL_CHECK_OUTPUT, so nbval checks no output at all."
    empty = [key for key, cell in checked.items() if not cell.outputs]
    assert not empty, f"cells {empty} are marked NBVAL_CHECK_OUTPUT but hold no stored output to compare with."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_the_python3_kernel(path):
    assert _read(path).metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{path.name}: kernelspec must be 'python3' (the kernel `make install` puts in the venv)."
    )
