"""Atomic file writes: a reader (or a crash) never sees half a file.

Every artefact the project writes — processed datasets, checkpoints, tables,
figures, manifests — goes through these helpers.  Each writes to a temporary
file in the destination folder, flushes it to disk and then renames it over
the target with :func:`os.replace`, which is atomic on POSIX and Windows.  An
interrupted run therefore leaves either the previous file or the new one,
never a truncated mix, and nothing computed earlier is destroyed.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Callable, Iterator

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_save"]


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it onto ``target``.

    Use it for libraries that insist on writing to a path themselves
    (``np.save``, ``fig.savefig``, ``torch.save``, ``df.to_csv``).  On an
    exception the temporary file is removed and ``target`` is left untouched.
    The temporary name keeps ``target``'s suffix so format sniffing still works.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.npy"
    >>> with atomic_path(out) as tmp:
    ...     np.save(tmp, np.zeros(3))
    >>> np.load(out).shape
    (3,)
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp creates the file 0600; give the result the mode a plain open() would (0666 minus the umask).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _write(target: str | os.PathLike[str], mode: str, writer: Callable[[IO[Any]], None]) -> Path:
    with atomic_path(target) as tmp:
        with open(tmp, mode) as handle:
            writer(handle)
    return Path(target)


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the path."""
    return _write(target, "wb", lambda handle: handle.write(data))


def atomic_write_text(target: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``target`` atomically and return the path."""
    return _write(target, "w", lambda handle: handle.write(text))


def atomic_write_json(target: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented, key-sorted JSON to ``target`` atomically."""
    return atomic_write_text(target, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def atomic_save(target: str | os.PathLike[str], save: Callable[[Path], Any]) -> Path:
    """Call ``save(tmp_path)`` and move the result onto ``target`` atomically.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.npy"
    >>> _ = atomic_save(out, lambda p: np.save(p, np.ones(2)))
    >>> float(np.load(out).sum())
    2.0
    """
    with atomic_path(target) as tmp:
        save(tmp)
    return Path(target)
