"""The cluster report: pictures a person would rather look at than read.

One contact sheet per cluster (top row: members nearest the centre; bottom row: the farthest),
a 2-D t-SNE map coloured by cluster, a bar chart of cluster sizes, and the numbers as JSON.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from commons.atomic import write_bytes, write_text
from curator.imageio import ImageRejected, decode_rgb

THUMB = 112
PAD = 6
HEADER = 22


@dataclass
class ReportInput:
    z: np.ndarray  # analysis-space rows of the clustered items
    labels: list[str]  # class label per row
    top: np.ndarray  # top-level cluster per row
    centres: np.ndarray  # top-level centres
    paths: list[Path]  # object file per row
    outlier: np.ndarray  # bool per row


def write_report(out: Path, data: ReportInput, summary: dict, exemplars: int, map_points: int) -> list[Path]:
    """Write every report file into `out`; return the PNGs."""
    out.mkdir(parents=True, exist_ok=True)
    pngs = [_save_png(out / f"cluster-{c:02d}.png", contact_sheet(data, c, exemplars)) for c in range(len(data.centres))]
    pngs.append(_save_png(out / "sizes.png", _figure_png(lambda ax: _sizes(ax, data))))
    pngs.append(_save_png(out / "map.png", _figure_png(lambda ax: _map(ax, data, map_points), size=(8, 7))))
    write_text(out / "summary.json", json.dumps(summary, indent=1, sort_keys=True, default=str) + "\n")
    return pngs


def contact_sheet(data: ReportInput, c: int, exemplars: int) -> Image.Image:
    members = np.flatnonzero(data.top == c)
    dist = np.linalg.norm(data.z[members] - data.centres[c], axis=1)
    order = members[np.argsort(dist)]
    near = order[:exemplars]
    far = order[::-1][: min(exemplars, max(0, len(order) - len(near)))][::-1]
    width = PAD + exemplars * (THUMB + PAD)
    sheet = Image.new("RGB", (width, 2 * (HEADER + THUMB + PAD) + PAD), (245, 245, 245))
    draw = ImageDraw.Draw(sheet)
    rows = ((f"cluster {c}: {len(members)} items - nearest the centre", near), ("farthest from the centre", far))
    for r, (title, picks) in enumerate(rows):
        y = PAD + r * (HEADER + THUMB + PAD)
        draw.text((PAD, y + 4), title, fill=(20, 20, 20))
        for i, row in enumerate(picks):
            x = PAD + i * (THUMB + PAD)
            sheet.paste(_thumb(data.paths[row]), (x, y + HEADER))
            if data.outlier[row]:
                draw.rectangle((x, y + HEADER, x + THUMB - 1, y + HEADER + THUMB - 1), outline=(220, 30, 30), width=3)
    return sheet


def _thumb(path: Path) -> Image.Image:
    tile = Image.new("RGB", (THUMB, THUMB), (255, 255, 255))
    try:
        img = decode_rgb(path.read_bytes())
    except (ImageRejected, OSError):
        return tile
    img.thumbnail((THUMB, THUMB))
    tile.paste(img, ((THUMB - img.width) // 2, (THUMB - img.height) // 2))
    return tile


def _sizes(ax, data: ReportInput) -> None:
    from collections import Counter

    names, counts = zip(*Counter(data.labels).most_common())  # largest first, not "10" before "2"
    ax.bar(range(len(names)), counts, color="#4c72b0")
    ax.set_xticks(range(len(names)), names, rotation=90 if len(names) > 12 else 0)
    ax.set_xlabel("label")
    ax.set_ylabel("items")
    ax.set_title("cluster sizes")


def _map(ax, data: ReportInput, max_points: int) -> None:
    from sklearn.manifold import TSNE

    rows = np.arange(len(data.z))
    if len(rows) > max_points:
        rows = np.sort(np.random.default_rng(0).choice(rows, max_points, replace=False))
    if len(rows) < 4:
        ax.set_title("too few items for a map")
        return
    # Exact t-SNE is quicker than Barnes-Hut's set-up for small maps; 500 iterations settle a map this size.
    method = "exact" if len(rows) <= 500 else "barnes_hut"
    tsne = TSNE(2, perplexity=min(30.0, (len(rows) - 1) / 3), init="pca", method=method, max_iter=500, random_state=0)
    xy = tsne.fit_transform(data.z[rows])
    top = data.top[rows]
    ax.scatter(xy[:, 0], xy[:, 1], c=top, cmap="tab20", s=14, vmin=0, vmax=max(19, int(top.max())))
    odd = data.outlier[rows]
    ax.scatter(xy[odd, 0], xy[odd, 1], facecolors="none", edgecolors="red", s=60, linewidths=1.2, label="outlier")
    for c in np.unique(top):
        cx, cy = np.median(xy[top == c], axis=0)
        # Offset so the label never hides a one-item cluster's dot.
        ax.annotate(str(c), (cx, cy), xytext=(0, 12), textcoords="offset points", fontsize=11, weight="bold",
                    ha="center", va="center",
                    bbox={"boxstyle": "round", "fc": "white", "alpha": 0.8})
    ax.set_title(f"t-SNE map of {len(rows)} items, coloured by cluster")
    ax.set_xticks([])
    ax.set_yticks([])
    if odd.any():
        ax.legend(loc="best")


def _figure_png(draw, size: tuple[float, float] = (8, 4)) -> Image.Image:
    # A bare Figure renders with Agg and touches no pyplot global state.
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100)
    draw(fig.subplots())
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return Image.open(io.BytesIO(buf.getvalue()))


def _save_png(path: Path, img: Image.Image) -> Path:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    write_bytes(path, buf.getvalue())
    return path
