"""benchmarks/gpu_check.py at its tiny size on the CPU, so the GPU check keeps working between GPU runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_runs_every_check_on_the_cpu_and_prints_one_table(tmp_path):
    out = tmp_path / "rows.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--tiny", "--device", "cpu",
                           "--json", str(out), "--work", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {r["check"]: r for r in json.loads(out.read_text())}
    assert set(rows) == {"train", "mixed precision", "torchrun", "eval features"}
    assert all(r["ok"] for r in rows.values())
    assert rows["train"]["s_per_kimg"] > 0 and rows["train"]["peak_gpu_gb"] is None
    assert rows["mixed precision"]["bf16_s"] > 0 and "max abs image difference" in rows["mixed precision"]["detail"]
    assert "gloo" in rows["torchrun"]["detail"] and rows["eval features"]["images_per_s"] > 0
    table = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    assert len(table) == 5 and table[0].startswith("| check | ok | s_per_kimg")
    assert (tmp_path / "ddp-run" / "config.json").is_file()  # the torchrun child trained and wrote its run
