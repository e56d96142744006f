"""Training statistics: one JSON line per tick, the same scalars in TensorBoard, PNG plots."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from commons.atomic import write_text

# Curves drawn by `plot_curves`, one PNG each: file name -> the stats keys on it.
PLOTS = {
    "losses": ("loss_G", "loss_D_real", "loss_D_fake"),
    "scores": ("scores_real", "scores_fake", "signs_real"),
    "regularizers": ("r1_penalty", "pl_penalty"),
    "augment": ("augment_p", "apa_p"),
    "speed": ("sec_per_kimg",),
}


class TickMeter:
    """Running means of per-step values within one tick."""

    def __init__(self) -> None:
        self._sum: dict[str, float] = defaultdict(float)
        self._n: dict[str, int] = defaultdict(int)

    def add(self, values: dict[str, float]) -> None:
        for k, v in values.items():
            self._sum[k] += v
            self._n[k] += 1

    def means(self) -> dict[str, float]:
        out = {k: self._sum[k] / self._n[k] for k in self._sum}
        self._sum.clear()
        self._n.clear()
        return out


class StatsWriter:
    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / "stats.jsonl"
        self.run_dir = run_dir
        self._tb = None

    def drop_after(self, tick: int) -> None:
        """Forget ticks from `tick` on: a resumed run writes them again."""
        kept = [r for r in read_stats(self.path) if r["tick"] < tick]
        write_text(self.path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept))

    def append(self, record: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, sort_keys=True) + "\n")
        self._tensorboard(record)

    def _tensorboard(self, record: dict) -> None:
        if self._tb is None:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(self.run_dir / "tensorboard"))
        step = int(round(record["kimg"] * 1000))
        for key, value in record.items():
            if isinstance(value, (int, float)) and key not in ("kimg", "tick"):
                self._tb.add_scalar(key, value, global_step=step)
        self._tb.flush()

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()
            self._tb = None


def read_stats(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:  # the half-written last line of a killed run
            continue
    return records


def plot_curves(stats_path: Path, out_dir: Path, plots: dict[str, tuple[str, ...]] = PLOTS) -> list[Path]:
    """One PNG per group of curves in `plots`, against kimg; groups with no data are skipped."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = read_stats(stats_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, keys in plots.items():
        present = [k for k in keys if any(k in r for r in records)]
        if not present:
            continue
        fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
        for key in present:
            pts = [(r["kimg"], r[key]) for r in records if key in r]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=".", label=key)
        ax.set_xlabel("kimg")
        ax.set_title(name)
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = out_dir / f"{name}.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written
