"""``python -m gan_lib.pipeline``: the command line of :func:`~gan_lib.pipeline.runner.run_pipeline`."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Sequence

from gan_lib.config import PROFILES, RUNS_DIR, WORK_ROOT
from gan_lib.pipeline.errors import PipelineError, StageFailed
from gan_lib.pipeline.record import RECORD_NAME
from gan_lib.pipeline.report import format_duration, relative
from gan_lib.pipeline.runner import run_pipeline
from gan_lib.pipeline.stages import STAGES, STUDIES

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gan_lib.pipeline",
        description="Run the study's notebooks in order with papermill; records in runs/<name>/pipeline.json.",
        epilog="Stages of the main study, in order: " + ", ".join(STAGES) + ". STAGE may be given by name, number "
        "(3) or words (denoising). Exit status: 0 done, 1 a stage failed, 2 refused before running.",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="quick",
        help="quick: minutes on a CPU; full: the real study (default: quick)",
    )
    parser.add_argument(
        "--data", metavar="DIR", default=None, help="folder of your mammograms (default: the embedded CBIS-DDSM sample)"
    )
    parser.add_argument("--run", metavar="NAME", default=None, help="run folder under runs/ (default: the profile)")
    parser.add_argument("--seed", type=int, default=0, help="seed passed to every notebook (default: 0)")
    parser.add_argument(
        "--study",
        choices=tuple(STUDIES),
        default="main",
        help="main: every notebook once (default); research-questions: the CPU-scale study of "
        "RQ1, RQ2 (two seeds) and the memorisation audit",
    )
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
        record = run_pipeline(
            profile=args.profile,
            run_name=args.run,
            data_dir=args.data,
            seed=args.seed,
            resume=args.resume,
            from_stage=args.from_stage,
            only=args.only,
            study=args.study,
            verbose=args.verbose,
        )
    except PipelineError as error:
        print(f"pipeline: {error}", file=sys.stderr)
        return 2
    except StageFailed:
        return 1
    except KeyboardInterrupt:
        print("pipeline: interrupted; continue later with --resume.", file=sys.stderr)
        return 130
    done = sum(s["status"] == "done" for s in record["stages"])
    print(
        f"pipeline: {done}/{len(record['stages'])} stages done in {format_duration(time.time() - started)}; "
        f"record: {relative(RUNS_DIR / record['run_name'] / RECORD_NAME, WORK_ROOT)}",
        file=sys.stderr,
    )
    return 0
