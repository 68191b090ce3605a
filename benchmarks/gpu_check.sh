#!/usr/bin/env bash
# One prepared GPU check for docs/SCALING.md (run where a CUDA GPU is present; ~5-10 min on one H100-class card).
#
#   bash benchmarks/gpu_check.sh            # from the repository root, with the project's Python on PATH
#
# 1. the card and software;  2. the DDP/fp16 unit tests (CPU gloo; they must pass on the GPU machine too);
# 3. seconds per generator step of the FULL profile's networks at 128 and 256 px, batch 64, in bf16 (if the
#    card supports it), fp16 (GradScaler) and fp32, through gan_lib.training.train (so with its channels_last,
#    cuDNN autotuning and the fp16 gradient-penalty scaling), and the hours for 20 000 steps that implies;
# 4. the same with torchrun on every visible GPU when there are two or more (nccl, SyncBatchNorm);
# 5. the benchmark table (naive fp32 reference vs the project's step) at thesis widths on the GPU.
# Everything is written under $OUT (or runs/gpu_check/) and summarised in gpu_check.md.
set -euo pipefail
PY=${PYTHON:-python}
OUT=${OUT:-runs/gpu_check}
mkdir -p "$OUT"
export MAMMO_WGAN_WORKDIR=${MAMMO_WGAN_WORKDIR:-$OUT/work}
STEPS=${STEPS:-12}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.csv"
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'bf16', torch.cuda.is_bf16_supported())" | tee "$OUT/torch.txt"

$PY -m pytest -q tests/test_distributed.py 2>&1 | tail -3 | tee "$OUT/tests.txt"

cat > "$OUT/time_full.py" <<'PYEOF'
"""Seconds per generator step of the FULL profile's networks (synthetic images; timing does not depend on content)."""
import json, sys, time
import numpy as np, pandas as pd, torch
from gan_lib.training import FULL, TrainConfig, train
from gan_lib.config import apply_overrides
from gan_lib.training.distributed import torchrun_world

out, size, precision, steps = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
world = torchrun_world()
rng = np.random.default_rng(0)
images = np.tanh(rng.normal(size=(512, size, size))).astype(np.float32)
config = apply_overrides(apply_overrides(TrainConfig(), FULL), {
    "image_size": size, "precision": precision, "steps": steps, "log_every": 1, "sample_every": 10_000,
    "checkpoint_every": 10_000, "sample_count": 16})
run = f"{out}/run_{size}_{precision}_w{world.world_size}"
result = train(config, images, run, progress=False)
if world.is_main:
    log = pd.read_csv(f"{run}/train_log.csv")
    per_step = float(np.median(np.diff(log["seconds"].to_numpy())[2:]))  # after warm-up (cuDNN autotuning)
    row = {"gpus": world.world_size, "image_size": size, "precision": result.hardware["precision"],
           "memory_format": result.hardware["memory_format"], "device": torch.cuda.get_device_name(),
           "s_per_step": per_step, "hours_20k_steps": per_step * 20_000 / 3600,
           "finite": bool(np.isfinite(log.drop(columns="seconds").to_numpy()).all())}
    print(json.dumps(row))
    with open(f"{out}/time_full.jsonl", "a") as handle:
        handle.write(json.dumps(row) + "\n")
if torch.distributed.is_initialized():
    torch.distributed.destroy_process_group()
PYEOF

rm -f "$OUT/time_full.jsonl"
BF16=$($PY -c "import torch; print(int(torch.cuda.is_bf16_supported()))")
PRECISIONS="fp16 fp32"; [ "$BF16" = 1 ] && PRECISIONS="bf16 $PRECISIONS"
for size in 128 256; do
  for precision in $PRECISIONS; do
    PYTHONPATH=. $PY "$OUT/time_full.py" "$OUT" "$size" "$precision" "$STEPS" || echo "FAILED $size $precision" | tee -a "$OUT/failures.txt"
  done
done
NGPU=$($PY -c "import torch; print(torch.cuda.device_count())")
if [ "$NGPU" -ge 2 ]; then
  PYTHONPATH=. $PY -m torch.distributed.run --standalone --nproc_per_node="$NGPU" "$OUT/time_full.py" "$OUT" 128 auto "$STEPS" \
    || echo "FAILED torchrun $NGPU GPUs" | tee -a "$OUT/failures.txt"
fi

MAMMO_WGAN_WORKDIR=$MAMMO_WGAN_WORKDIR PYTHONPATH=. $PY benchmarks/train_step.py --device cuda --width 1.0 --sizes 64 128 \
  --iterations 5 --rounds 3 --quality-steps 0 | tee "$OUT/train_step.txt"

$PY - "$OUT" <<'PYEOF'
import sys, pandas as pd
out = sys.argv[1]
table = pd.read_json(f"{out}/time_full.jsonl", lines=True)
text = "Full-profile networks, batch 64 (global), seconds per generator step (5 critic updates):\n\n" + table.to_string(index=False)
open(f"{out}/gpu_check.md", "w").write(text + "\n")
print(text)
PYEOF
