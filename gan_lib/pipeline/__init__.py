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
  stages carry their own parameters (:class:`Stage`: a 60-minute generator,
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

from gan_lib.pipeline.cli import main
from gan_lib.pipeline.errors import PipelineError, StageFailed
from gan_lib.pipeline.record import source_commit
from gan_lib.pipeline.runner import run_pipeline
from gan_lib.pipeline.stages import (
    CORE_PARAMETERS,
    RESEARCH_QUESTIONS,
    STAGES,
    STUDIES,
    Stage,
    check_kernel,
    notebook_parameters,
    resolve_stage,
)

__all__ = [
    "STAGES",
    "STUDIES",
    "RESEARCH_QUESTIONS",
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
