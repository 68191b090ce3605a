"""The two ways a study run stops: refused before a stage ran, or a stage's notebook raised."""

from __future__ import annotations

__all__ = ["PipelineError", "StageFailed"]


class PipelineError(RuntimeError):
    """A problem found before or between stages (bad arguments, missing notebook, run mismatch)."""


class StageFailed(RuntimeError):
    """A stage's notebook raised; ``report`` holds the human-readable explanation."""

    def __init__(self, stage: str, report: str) -> None:
        super().__init__(f"stage {stage} failed")
        self.stage = stage
        self.report = report
