"""``model_card.md``: the card of :mod:`gan_lib.export.card` as Markdown for people.

Every number comes from the card dict (itself read from the run's tables);
a cell without a value reads "not measured" and the table's reason.
"""

from __future__ import annotations

from typing import Any

__all__ = ["format_estimate", "render_markdown"]

_COLUMNS = {
    "generated": "generated vs train",
    "heldout": "real-vs-real: held-out views, same patient",
    "test": "real-vs-real: other patient",
    "train": "train (within set)",
}


def format_estimate(row: dict[str, Any] | None) -> str:
    """``"0.123 [0.110, 0.135] (n=256 vs 1024)"`` for a table line; ``"not measured (...)"`` without a value.

    Examples
    --------
    >>> format_estimate({"value": 0.5, "ci_low": 0.4, "ci_high": 0.6, "n": 10, "n_reference": None, "note": ""})
    '0.5 [0.4, 0.6] (n=10)'
    >>> format_estimate(None)
    'not measured'
    """
    if row is None:
        return "not measured"
    if row.get("value") is None:
        note = str(row.get("note") or "").removeprefix("not computed: ")
        return f"not measured ({note})" if note else "not measured"
    text = f"{row['value']:.4g}"
    if row.get("ci_low") is not None and row.get("ci_high") is not None:
        text += f" [{row['ci_low']:.4g}, {row['ci_high']:.4g}]"
    sizes = f"n={row['n']}" + (f" vs {row['n_reference']}" if row.get("n_reference") is not None else "")
    return f"{text} ({sizes})"


def _evaluation_table(rows: list[dict[str, Any]]) -> list[str]:
    """Table 1 as one Markdown row per metric, the two real-vs-real floors beside the generated value."""
    if not rows:
        return ["Not measured: the run has no `tables/table1_metrics.csv` (run `make pipeline`, notebook 04)."]
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    columns = [c for c in _COLUMNS if any(r["comparison"] == c for r in rows)]
    lines = ["| metric | " + " | ".join(_COLUMNS[c] for c in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for metric in metrics:
        cells = {r["comparison"]: r for r in rows if r["metric"] == metric}
        lines.append(
            f"| {metric} | " + " | ".join(format_estimate(cells[c]) if c in cells else "–" for c in columns) + " |"
        )
    return lines


def _downstream_table(rows: list[dict[str, Any]]) -> list[str]:
    """The RQ2 classifier summary (AUC with its interval over seeds), one Markdown row per arm and ratio."""
    if not rows:
        return ["Not measured: the run has no `tables/rq2_summary.csv` (`make research-questions`, notebook 08)."]
    lines = ["| training set | synthetic:real ratio | seeds | AUROC [95 % CI] | n test |", "|---|---|---|---|---|"]
    for r in rows:
        auc = format_estimate(
            {
                "value": r.get("auc_mean"),
                "ci_low": r.get("auc_ci_low"),
                "ci_high": r.get("auc_ci_high"),
                "n": r.get("n_test"),
                "n_reference": None,
            }
        )
        lines.append(
            f"| {r.get('arm')} | {r.get('ratio')} | {r.get('n_seeds')} | {auc.rsplit(' (', 1)[0]} | {r.get('n_test')} |"
        )
    return lines


def render_markdown(card: dict[str, Any]) -> str:
    """The whole card as Markdown (model, files, intended use, data, evaluation, privacy, licences)."""
    ((model_id, entry),) = card.items()
    extra, selection, description = entry["mammo_wgan"], entry["selection"], entry["description"]
    meta, performance = extra["model_file"]["metadata"], selection["performance"]
    source, recipe = meta["source_checkpoint"], meta["recipe"]
    train = recipe["train_config"]
    fid = (
        "not measured"
        if performance["FID"] is None
        else (
            f"{performance['FID']:.4g} on {performance['FID_no_images']} images"
            + (
                ""
                if performance["FID_ratio"] is None
                else f" (real-vs-real / generated ratio {performance['FID_ratio']:.3g})"
            )
        )
    )
    lines = [
        f"# Model card: {description['title']}",
        "",
        f"Model id `{model_id}` (fields of medigan's model template in `model_card.json`).",
        "",
        "## Model",
        "",
        f"- Generator: `{meta['generator']['name']}` with `{meta['generator']['kwargs']}`",
        f"- Output: {meta['image_size']}x{meta['image_size']} px, 1 channel, {meta['intensity']['dtype']} in "
        f"[-1, 1] ({meta['intensity']['convention']})",
        f"- Latent: {meta['latent_dim']}-d standard normal; {meta['latent']}",
        f"- Recipe `{recipe['label']}`: {source['step']} generator steps, batch {train.get('batch_size')}, "
        f"n_critic {train.get('n_critic')}, training time {source['elapsed_seconds']:.0f} s; "
        f"weights: {meta['weights']}",
        f"- File `{extra['model_file']['file']}`, sha256 `{extra['model_file']['sha256']}`; from checkpoint "
        f"`{source['file']}` (sha256 `{source['sha256']}`); software {meta['software']}",
        "",
        "## Intended use",
        "",
        extra["intended_use"],
        "",
        "## Training data",
        "",
        f"{extra['training_data'][0].upper()}{extra['training_data'][1:]}; training images' fingerprint "
        f"`{meta['images_sha256']}`.",
        "",
        "## Evaluation",
        "",
        "Every value from the run's `tables/table1_metrics.csv`: value [95 % CI] (n vs reference n), the generated "
        "set and two real-vs-real floors, each against the training set.",
        "",
        *_evaluation_table(extra["evaluation"]),
        "",
        f"FID (medigan field): {fid}.",
        "",
        f"Human reader (Turing) test: {extra['turing_test']}.",
        "",
        "## Downstream task (RQ2 classifier)",
        "",
        *_downstream_table(extra["downstream"]),
        "",
        "## Privacy",
        "",
        selection["privacy_preservation"],
        "",
        "## Licences",
        "",
        *[f"- {key.replace('_', ' ')}: {text}" for key, text in extra["licences"].items()],
        "",
    ]
    return "\n".join(lines)
