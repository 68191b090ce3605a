"""``python -m gan_lib.export --run NAME [--checkpoint best|last|PATH] --out DIR``.

Writes into ``DIR``: ``model.safetensors`` (:mod:`.model_file`),
``model_card.json`` and ``model_card.md`` (:mod:`.card`), and the
``__init__.py`` that makes the folder a medigan model package (:mod:`.medigan`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from ..atomic import atomic_write_text
from ..run import load_run
from .card import write_card
from .medigan import PACKAGE_INIT
from .model_file import export_generator, file_sha256, read_model_metadata

__all__ = ["MODEL_FILENAME", "resolve_checkpoint", "export_run", "main"]

MODEL_FILENAME = "model.safetensors"


def resolve_checkpoint(run_path: Path, choice: str) -> Path:
    """``last`` -> ``checkpoints/last.pt``, ``best`` -> ``checkpoints/best.pt``, anything else a path.

    Raises ``FileNotFoundError`` naming the file and the fix when it is absent.
    """
    path = {"last": run_path / "checkpoints" / "last.pt", "best": run_path / "checkpoints" / "best.pt"}.get(
        choice, Path(choice)
    )
    if not path.is_file():
        hint = (
            "this run kept no best checkpoint (it is written only when the trainer tracks a quality number "
            "during training); export the last one with --checkpoint last"
            if choice == "best"
            else "pass best, last or the path of an existing checkpoint"
        )
        raise FileNotFoundError(f"export: no checkpoint {path}; {hint}.")
    return path


def export_run(run: str, out: str | Path, *, checkpoint: str = "last") -> dict[str, Path]:
    """Export run ``run`` (name or folder) into ``out``: model file, card (JSON + Markdown), medigan ``__init__.py``.

    Returns
    -------
    dict
        ``{"model", "card_json", "card_md", "package_init"}`` -> path.
    """
    run_path = load_run(run).path
    out = Path(out)
    model = export_generator(resolve_checkpoint(run_path, checkpoint), out / MODEL_FILENAME)
    card_json, card_md = write_card(
        run_path, read_model_metadata(model), out, model_file=model.name, model_sha256=file_sha256(model)
    )
    init = atomic_write_text(out / "__init__.py", PACKAGE_INIT)
    return {"model": model, "card_json": card_json, "card_md": card_md, "package_init": init}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_lib.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", required=True, help="run name under runs/ (e.g. quick) or a run folder")
    parser.add_argument("--checkpoint", default="last", help="best, last (default) or a checkpoint path")
    parser.add_argument("--out", required=True, help="folder for model.safetensors and its model card")
    args = parser.parse_args(argv)
    for name, path in export_run(args.run, args.out, checkpoint=args.checkpoint).items():
        print(f"{name}: {path}")
    return 0
