"""What a study is: its stages (notebooks, each under a name, with parameters of its own) and how they are checked.

Nothing here runs a notebook: the stage lists, the lookup of a stage by name,
number or words, the parameters a notebook declares as papermill sees them,
and the check that the Jupyter kernel runs this interpreter.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from pathlib import Path
from typing import Any, Sequence

from gan_lib.pipeline.errors import PipelineError

__all__ = [
    "STAGES",
    "CORE_PARAMETERS",
    "Stage",
    "RESEARCH_QUESTIONS",
    "STUDIES",
    "KERNEL_NAME",
    "resolve_stage",
    "notebook_parameters",
    "check_kernel",
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


#: The research-question study on a CPU (``make research-questions``): the quick networks trained for 60 minutes of
#: wall time (not the quick profile's 5; with the project recipe quality improved from 5 to 60 minutes,
#: docs/results/generator_ablation.md), Table 1 at the quick evaluation profile with 2048 generated images and 2048
#: fresh crops per real set (FID at the thesis's scale, every Inception row on all of them), then notebooks 08 and
#: 09 at the full experiment profile, and 08 again with seed 1 (new lesion draw, class generators, subsets and
#: classifier seeds; RQ2 only, its tables suffixed ``_seed1``), because one GAN training seed has flipped the sign
#: of the GAN arms before.
RESEARCH_QUESTIONS: tuple[Stage, ...] = (
    Stage("01_data_prep"),
    Stage("02_train_wgan_gp", parameters=(("steps", 100_000), ("train_minutes", 60.0))),
    Stage("04_metrics", parameters=(("n_generated", 2048), ("real_crops", 2048), ("inception_max_images", 0))),
    Stage("08_augmentation_vs_gan", parameters=(("profile", "full"),)),
    Stage(
        "08_augmentation_vs_gan_seed1",
        "08_augmentation_vs_gan",
        (("profile", "full"), ("seed", 1), ("run_rq1", False), ("output_suffix", "_seed1")),
    ),
    Stage("09_memorisation_audit", parameters=(("profile", "full"),)),
)

#: The studies ``--study`` selects: the whole thesis study (every notebook once) and the research questions.
STUDIES: dict[str, tuple[Stage, ...]] = {
    "main": tuple(Stage(name) for name in STAGES),
    "research-questions": RESEARCH_QUESTIONS,
}

KERNEL_NAME = "python3"


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
        s
        for s in stages
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
    # heavy (nbclient, jupyter_client): only when a notebook is read; see pipeline/report.py
    import nbformat
    import papermill

    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise PipelineError(f"{notebook}: needs exactly one cell tagged 'parameters' (papermill); found {len(cells)}.")
    assigned = {}
    for node in ast.parse(cells[0].source).body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
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
            'type hints such as str | None; write e.g. data_dir: "Optional[str]" = None  # None: embedded data'
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
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel  # heavy: only before a stage runs

    fix = f"{sys.executable} -m ipykernel install --sys-prefix --name {name}  (`make install` does this)"
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise PipelineError(
            f"Jupyter kernel {name!r} is not installed for this environment; install it with: {fix}"
        ) from None
    executable = spec.argv[0] if spec.argv else ""
    generic = {"python", f"python{sys.version_info[0]}", "python%d.%d" % sys.version_info[:2]}
    # jupyter_client replaces a bare "python" with sys.executable; an absolute path must be this interpreter.
    if executable not in generic and Path(executable).absolute() != Path(sys.executable).absolute():
        raise PipelineError(
            f"Jupyter kernel {name!r} (in {spec.resource_dir}) runs {executable}, not this interpreter "
            f"{sys.executable}, so the notebooks would not see gan_lib. Remove that kernelspec or reinstall "
            f"it with: {fix}"
        )
