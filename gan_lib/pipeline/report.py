"""What a person sees while a study runs: stage lines between the notebooks' progress bars, and failure reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

__all__ = ["ProgressStream", "format_duration", "relative", "failure_report", "error_summary"]


def format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


class ProgressStream:
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


def failure_report(error: BaseException, executed: Path, resume_hint: str) -> str:
    # papermill (with nbclient and jupyter_client: 3 s of import, measured on the shared 2-core EPYC) only once a
    # stage has failed: gan_lib.pipeline's light helpers (source_commit, STAGES) are imported by notebooks and
    # benchmarks that never run one.
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


def error_summary(error: BaseException) -> dict[str, Any]:
    from papermill.exceptions import PapermillExecutionError  # heavy, see failure_report

    if isinstance(error, PapermillExecutionError):
        return {"cell_index": error.cell_index, "ename": error.ename, "evalue": error.evalue}
    if isinstance(error, KeyboardInterrupt):
        return {"ename": "KeyboardInterrupt", "evalue": "interrupted by the user"}
    return {"ename": type(error).__name__, "evalue": str(error)}
