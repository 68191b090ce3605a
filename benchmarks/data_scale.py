"""Data-stage scaling benchmark: preparation time, peak memory and disk per mammogram; crop source vs tensor.

1. **Preparation** of synthetic CBIS-DDSM-sized mammograms (16-bit, about
   4500 x 3000 px, a breast-shaped half ellipse with multi-scale tissue-like
   texture, brighter ducts and a label on the background; generated here as
   uncompressed TIFFs with CBIS-DDSM names, never committed) at N = 25, 50, 100
   with the full data profile, with 1 and 2 workers.  Each preparation runs in
   a fresh process; this script samples the resident memory of that process
   and all its children (``psutil`` if installed, else ``/proc``) every 50 ms
   and keeps the peak of the sum (shared pages counted once per process, so an
   upper bound).  Disk: bytes of the finished cache folder per image.
2. **Quantisation**: the error of storing the working images (embedded data,
   full profile) as ``uint16`` and as ``float16`` against ``float32``.
3. **Training speed**: generator steps per second with fresh crops
   (``CropSource``) against the in-memory fixed set (``TensorBatcher``), same
   networks, settings and machine, alternating in rounds within one run, for
   the quick and the full profile on the embedded data; plus the time of one
   real batch of each (``draw``).

Usage::

    python benchmarks/data_scale.py                          # everything (~20-30 min on 2 cores)
    python benchmarks/data_scale.py --counts 4 --full-steps 0 --quick-steps 4   # smoke test

Writes ``runs/benchmarks/data_scale/data_scale.json`` and ``.md`` (atomically)
and prints the table.  The synthetic images go to ``--scratch`` (default
``runs/benchmarks/data_scale/synthetic``) and are deleted afterwards unless
``--keep-images``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

from gan_lib.atomic import atomic_write_json, atomic_write_text
from gan_lib.config import RUNS_DIR

GIB = 2**30


# --- synthetic mammograms ----------------------------------------------------------------------


def synthetic_mammogram(seed: int, shape: tuple[int, int] = (4500, 3000)) -> tuple[np.ndarray, str]:
    """A 16-bit breast-shaped image with tissue-like texture and its laterality ("LEFT"/"RIGHT")."""
    rng = np.random.default_rng(seed)
    height, width = shape
    small = (height // 8, width // 8)
    yy, xx = np.mgrid[: small[0], : small[1]].astype(np.float32)
    a, b = small[0] * rng.uniform(0.38, 0.46), small[1] * rng.uniform(0.6, 0.8)
    centre = small[0] * rng.uniform(0.45, 0.55)
    radius = ((yy - centre) / a) ** 2 + (xx / b) ** 2
    texture = sum(
        ndimage.gaussian_filter(rng.standard_normal(small).astype(np.float32), sigma) * sigma for sigma in (1, 3, 9, 27)
    )
    texture = (texture - texture.mean()) / texture.std()
    breast = np.clip(1.2 - radius, 0, 1) ** 0.5  # thicker towards the chest wall
    coarse = np.where(radius <= 1, 14000 + 9000 * breast + 3500 * texture * breast, 0).astype(np.float32)
    image = _upsample(coarse, shape)
    image += rng.standard_normal(shape, dtype=np.float32) * 250 + 600  # quantum noise and detector offset
    image[int(0.05 * height) : int(0.08 * height), int(0.75 * width) : int(0.9 * width)] = 60000  # a label
    side = "LEFT" if seed % 2 == 0 else "RIGHT"
    image = np.clip(image, 0, 65535).astype(np.uint16)
    return (image if side == "LEFT" else image[:, ::-1].copy()), side


def _upsample(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear upsampling to ``shape`` (torch: ten times faster than scipy's zoom at this size)."""
    import torch

    tensor = torch.from_numpy(image)[None, None]
    return torch.nn.functional.interpolate(tensor, size=shape, mode="bilinear", align_corners=False)[0, 0].numpy()


def write_synthetic(folder: Path, count: int) -> list[Path]:
    """``count`` synthetic mammograms as uncompressed 16-bit TIFFs named like CBIS-DDSM (two views per breast)."""
    import tifffile

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        view = "CC" if i % 4 < 2 else "MLO"
        path = folder / f"Calc-Training_P_{i // 4:05d}_{'LEFT' if i % 2 == 0 else 'RIGHT'}_{view}.tif"
        if not path.exists():
            image, _ = synthetic_mammogram(i)
            tifffile.imwrite(path, image)
        paths.append(path)
    return paths


def subset_folder(paths: list[Path], folder: Path) -> Path:
    """A folder of symbolic links to ``paths`` (a data folder of N images without copying them)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in paths:
        (folder / path.name).symlink_to(path)
    return folder


# --- memory of a process tree ------------------------------------------------------------------


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (psutil, else /proc)."""
    try:
        import psutil
    except ImportError:
        return _proc_tree_rss(pid)
    try:
        parent = psutil.Process(pid)
        total = parent.memory_info().rss
        for child in parent.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return 0


def _proc_tree_rss(pid: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * page
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def run_with_peak_memory(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run ``command``; return (wall seconds, peak resident bytes of its process tree, its stdout)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    sampler.join()
    if process.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{err[-3000:]}")
    return seconds, peak[0], out


_PREPARE = """
import json, sys, time
from gan_lib.data import data_config, prepare_dataset
start = time.perf_counter()
data = prepare_dataset(data_config("full", {{"data_dir": {folder!r}}}), progress=False, rebuild=True,
                       workers={workers})
print(json.dumps({{"root": str(data.root), "images": int(data.manifest["source_file"].nunique()),
                  "seconds": time.perf_counter() - start}}))
"""


def folder_bytes(root: Path) -> dict[str, int]:
    """Bytes in ``root`` by kind: working images, masks, corner runs, everything."""
    sizes = {"image": 0, "mask": 0, "runs": 0, "total": 0}
    for path in root.rglob("*"):
        if path.is_file():
            size = path.stat().st_size
            sizes["total"] += size
            for kind in ("image", "mask", "runs"):
                if path.name.endswith(f".{kind}.npy"):
                    sizes[kind] += size
    return sizes


def preparation(counts: list[int], workers: list[int], scratch: Path) -> list[dict]:
    """Prepare N synthetic mammograms per (N, workers) in a fresh process each; time, peak memory, disk."""
    paths = write_synthetic(scratch / "all", max(counts))
    rows = []
    for count in counts:
        folder = subset_folder(paths[:count], scratch / f"n{count}")
        for n_workers in workers:
            env = {**os.environ, "MAMMO_WGAN_WORKDIR": str(scratch / "work"), "OMP_NUM_THREADS": "1"}
            code = _PREPARE.format(folder=str(folder), workers=n_workers)
            wall, peak, out = run_with_peak_memory([sys.executable, "-c", code], env)
            result = json.loads(out.strip().splitlines()[-1])
            sizes = folder_bytes(Path(result["root"]))
            rows.append(
                {
                    "images": count,
                    "workers": n_workers,
                    "wall_s": wall,
                    "prepare_s": result["seconds"],
                    "prepare_s_per_image": result["seconds"] / count,
                    "peak_rss_bytes": peak,
                    "peak_rss_gib": peak / GIB,
                    "disk_bytes_per_image": sizes["total"] / count,
                    **{f"disk_{k}_bytes_per_image": v / count for k, v in sizes.items() if k != "total"},
                }
            )
            print(
                f"prepare N={count} workers={n_workers}: {result['seconds']:.1f} s "
                f"({result['seconds'] / count:.2f} s/image), peak {peak / GIB:.2f} GiB, "
                f"{sizes['total'] / count / 2**20:.2f} MiB/image",
                flush=True,
            )
            shutil.rmtree(result["root"], ignore_errors=True)
    return rows


# --- quantisation ------------------------------------------------------------------------------


def quantisation() -> dict:
    """Errors of uint16 and float16 storage of the embedded data's full-profile working images vs float32."""
    from gan_lib.data import data_config, discover_images, embedded_data_dir, preprocess_mammogram, read_image
    from gan_lib.data.io import metadata_from_name
    from gan_lib.data.working import LEVELS, quantise

    config = data_config("full")
    errors = {"uint16": [], "float16": []}
    for path in discover_images(embedded_data_dir()):
        pre = preprocess_mammogram(read_image(path), view=metadata_from_name(path)[2], config=config)
        tissue = pre.image[pre.flipped_mask].astype(np.float64)
        errors["uint16"].append(np.abs(quantise(tissue) / LEVELS - tissue))
        errors["float16"].append(np.abs(tissue.astype(np.float16).astype(np.float64) - tissue))
    result = {}
    for name, parts in errors.items():
        values = np.concatenate(parts)
        # In the model's [-1, 1] range the errors double.
        result[name] = {
            "max_abs_model_range": 2 * float(values.max()),
            "mean_abs_model_range": 2 * float(values.mean()),
            "rms_model_range": 2 * float(np.sqrt(np.mean(values**2))),
            "pixels": int(values.size),
        }
    return result


# --- training speed ----------------------------------------------------------------------------


def training_speed(profile: str, steps: int, rounds: int) -> dict:
    """Median seconds per generator step and per real batch, crop source vs in-memory tensor (alternating)."""
    import torch

    from gan_lib.data import prepare_dataset
    from gan_lib.train import resolve_configs
    from gan_lib.training import build_state, train_step
    from gan_lib.training.batches import TensorBatcher
    from gan_lib.training.crops import CropSource

    # Fixed execution settings (no per-machine probe): both sources train the same networks the same way.
    data_cfg, config = resolve_configs(
        profile, overrides={"device": "cpu", "precision": "fp32", "memory_format": "contiguous"}
    )
    dataset = prepare_dataset(data_cfg, progress=False)
    fixed, table = dataset.images("train"), dataset.crop_table("train")
    fmt, precision = torch.contiguous_format, "fp32"
    sources = {
        "tensor": TensorBatcher(
            torch.from_numpy(fixed).unsqueeze(1).contiguous(memory_format=fmt),
            batch_size=config.batch_size,
            flips=config.flips,
            seed=2,
        ),
        "crops": CropSource(table, batch_size=config.batch_size, flips=config.flips, seed=2, memory_format=fmt),
    }
    states = {name: build_state(config, device="cpu", memory_format=fmt, precision=precision) for name in sources}
    step_times: dict[str, list[float]] = {name: [] for name in sources}
    draw_times: dict[str, list[float]] = {name: [] for name in sources}
    for _ in range(rounds):
        for name, source in sources.items():
            for _ in range(50):
                start = time.perf_counter()
                source.draw()
                draw_times[name].append(time.perf_counter() - start)
            for _ in range(steps):
                start = time.perf_counter()
                train_step(states[name], source, config=config, precision=precision).cpu()
                step_times[name].append(time.perf_counter() - start)
    result = {
        "profile": profile,
        "batch_size": config.batch_size,
        "image_size": config.image_size,
        "n_critic": config.n_critic,
        "precision": precision,
        "threads": torch.get_num_threads(),
        "train_images": len(fixed),
        "valid_crops": table.total,
        "steps_per_method": steps * rounds,
    }
    for name in sources:
        result[f"{name}_draw_ms"] = 1000 * float(np.median(draw_times[name]))
        if step_times[name]:
            result[f"{name}_step_s"] = float(np.median(step_times[name]))
            result[f"{name}_steps_per_s"] = 1.0 / result[f"{name}_step_s"]
    # Data cost of the crop source per step: its extra draw time x the draws per step (n_critic), over the step.
    draws = config.n_critic
    extra = (result["crops_draw_ms"] - result["tensor_draw_ms"]) / 1000 * draws
    step = result.get("tensor_step_s")
    result["crop_overhead_fraction_of_step"] = extra / step if step else None
    print(
        f"train {profile}: " + ", ".join(f"{k}={v:.4g}" for k, v in result.items() if isinstance(v, float)), flush=True
    )
    return result


# --- extrapolation -----------------------------------------------------------------------------

#: Real datasets the measurements are extrapolated to (number of full-field images).
DATASETS = {"CBIS-DDSM": 3103, "VinDr-Mammo": 20000}


def extrapolate(preparation_rows: list[dict], *, patch_bytes: int = 512 * 128 * 128 * 4) -> list[dict]:
    """Disk, preparation time and memory of :data:`DATASETS` from the rows of the largest N measured.

    Disk and time scale with the number of images (per-image figures of the
    largest N); peak memory does not (the largest peak over every N of each
    worker count).  ``patch_bytes``: what the previous layout stored per image
    (the full profile's 512 float32 patches of 128 x 128 px), for comparison.
    """
    if not preparation_rows:
        return []
    largest = max(row["images"] for row in preparation_rows)
    at_largest = {row["workers"]: row for row in preparation_rows if row["images"] == largest}
    one = at_largest[min(at_largest)]
    rows = []
    for name, count in DATASETS.items():
        row = {
            "dataset": name,
            "images": count,
            "measured_n": largest,
            "disk_gib": one["disk_bytes_per_image"] * count / GIB,
            "previous_layout_gib": patch_bytes * count / GIB,
            "core_hours": one["prepare_s_per_image"] * count / 3600,
        }
        for workers, measured in sorted(at_largest.items()):
            row[f"wall_hours_{workers}_workers"] = measured["prepare_s_per_image"] * count / 3600
            row[f"peak_gib_{workers}_workers"] = max(
                r["peak_rss_gib"] for r in preparation_rows if r["workers"] == workers
            )
        rows.append(row)
    return rows


# --- report ------------------------------------------------------------------------------------


def markdown(result: dict) -> str:
    """The JSON result as Markdown tables."""
    lines = [
        f"# Data-stage scaling ({result['cpu']}, {result['load_note']})",
        "",
        "| images | workers | prepare s/image | peak RSS, whole process tree (GiB) | disk MiB/image |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in result["preparation"]:
        lines.append(
            f"| {row['images']} | {row['workers']} | {row['prepare_s_per_image']:.2f} | "
            f"{row['peak_rss_gib']:.2f} | {row['disk_bytes_per_image'] / 2**20:.2f} |"
        )
    lines += [
        "",
        "| storage | max abs error | mean abs error | RMS (model range [-1, 1]) | pixels |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, q in result["quantisation"].items():
        lines.append(
            f"| {name} | {q['max_abs_model_range']:.2e} | {q['mean_abs_model_range']:.2e} | "
            f"{q['rms_model_range']:.2e} | {q['pixels']} |"
        )
    lines += [
        "",
        "| profile | tensor steps/s | crops steps/s | tensor draw ms | crops draw ms | crop cost / step |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in result["training"]:

        def cell(key: str, fmt: str = ".3f", t: dict = t) -> str:
            return format(t[key], fmt) if t.get(key) is not None else "n/a"

        lines.append(
            f"| {t['profile']} | {cell('tensor_steps_per_s')} | {cell('crops_steps_per_s')} | "
            f"{cell('tensor_draw_ms', '.2f')} | {cell('crops_draw_ms', '.2f')} | "
            f"{cell('crop_overhead_fraction_of_step', '.1%')} |"
        )
    extrapolated = result.get("extrapolation") or []
    if extrapolated:
        workers = sorted(int(k.split("_")[2]) for k in extrapolated[0] if k.startswith("wall_hours_"))
        lines += [
            "",
            "| dataset | images | disk (GiB) | previous layout (GiB) | CPU core-hours | "
            + " | ".join(f"wall h, {w} workers | peak GiB, {w} workers" for w in workers)
            + " |",
            "|---|---:|---:|---:|---:|" + "---:|---:|" * len(workers),
        ]
        for row in extrapolated:
            lines.append(
                f"| {row['dataset']} | {row['images']} | {row['disk_gib']:.1f} | "
                f"{row['previous_layout_gib']:.0f} | {row['core_hours']:.1f} | "
                + " | ".join(
                    f"{row[f'wall_hours_{w}_workers']:.1f} | {row[f'peak_gib_{w}_workers']:.2f}" for w in workers
                )
                + " |"
            )
    return "\n".join(lines) + "\n"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[25, 50, 100], help="images per preparation")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to compare")
    parser.add_argument("--quick-steps", type=int, default=10, help="quick-profile steps per method and round")
    parser.add_argument("--full-steps", type=int, default=1, help="full-profile steps per method and round (0: draws)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the training comparison")
    parser.add_argument("--scratch", type=Path, default=RUNS_DIR / "benchmarks" / "data_scale" / "synthetic")
    parser.add_argument("--keep-images", action="store_true", help="keep the synthetic TIFFs")
    parser.add_argument("--load-note", default="shared CPU", help="how loaded the machine was (goes in the report)")
    parser.add_argument("--skip-prepare", action="store_true", help="only quantisation and training speed")
    args = parser.parse_args(argv)
    out = RUNS_DIR / "benchmarks" / "data_scale"
    result = {
        "cpu": _cpu_name(),
        "load_note": args.load_note,
        "python": platform.python_version(),
        "load_average_start": os.getloadavg(),
    }
    try:
        result["preparation"] = [] if args.skip_prepare else preparation(args.counts, args.workers, args.scratch)
    finally:
        if not args.keep_images:
            shutil.rmtree(args.scratch, ignore_errors=True)
    result["extrapolation"] = extrapolate(result["preparation"])
    result["quantisation"] = quantisation()
    result["training"] = [training_speed("quick", args.quick_steps, args.rounds)]
    result["training"].append(training_speed("full", args.full_steps, 1 if args.full_steps else args.rounds))
    result["load_average_end"] = os.getloadavg()
    atomic_write_json(out / "data_scale.json", result)
    atomic_write_text(out / "data_scale.md", markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
