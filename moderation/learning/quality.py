"""How a scorer does on labelled comments, per label: precision, recall, hold rate,
ROC AUC, a confusion table at the threshold, calibration (predicted against observed
rate per score bin) and the precision/recall curve; and a PNG of the two curves.

Used by `commentmod evaluate FILE` and by the figures in docs/scoring-quality.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BINS = 10


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    examples: int
    mean_score: float | None
    observed: float | None


@dataclass(frozen=True)
class Quality:
    label: str
    threshold: float
    examples: int
    positives: int
    held: int
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    roc_auc: float | None
    precision: float | None
    recall: float | None
    # Share of all examples held, and of the negatives published.
    hold_rate: float
    negatives_published: float | None
    calibration: list[CalibrationBin] = field(default_factory=list)
    # (recall, precision) pairs, recall decreasing, for the curve.
    pr_curve: list[tuple[float, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def calibration(
    truth: Sequence[int], scores: Sequence[float], bins: int = BINS
) -> list[CalibrationBin]:
    out = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [
            (t, s)
            for t, s in zip(truth, scores, strict=True)
            if low <= s < high or (b == bins - 1 and s == 1.0)
        ]
        out.append(
            CalibrationBin(
                low,
                high,
                len(inside),
                sum(s for _, s in inside) / len(inside) if inside else None,
                sum(t for t, _ in inside) / len(inside) if inside else None,
            )
        )
    return out


def quality(label: str, truth: Sequence[int], scores: Sequence[float], threshold: float) -> Quality:
    from sklearn.metrics import precision_recall_curve, roc_auc_score

    pairs = list(zip(truth, scores, strict=True))
    tp = sum(1 for t, s in pairs if t and s >= threshold)
    fp = sum(1 for t, s in pairs if not t and s >= threshold)
    fn = sum(1 for t, s in pairs if t and s < threshold)
    tn = len(pairs) - tp - fp - fn
    positives = tp + fn
    both = 0 < positives < len(pairs)
    curve: list[tuple[float, float]] = []
    if both:
        precision, recall, _ = precision_recall_curve(list(truth), list(scores))
        # At most ~200 points: enough for a plot, small in JSON.
        step = max(1, len(recall) // 200)
        curve = [
            (float(r), float(p)) for r, p in zip(recall[::step], precision[::step], strict=True)
        ]
    return Quality(
        label=label,
        threshold=threshold,
        examples=len(pairs),
        positives=positives,
        held=tp + fp,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        true_negatives=tn,
        roc_auc=float(roc_auc_score(list(truth), list(scores))) if both else None,
        precision=_share(tp, tp + fp),
        recall=_share(tp, positives),
        hold_rate=(tp + fp) / len(pairs) if pairs else 0.0,
        negatives_published=_share(tn, tn + fp),
        calibration=calibration(truth, scores),
        pr_curve=curve,
    )


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(results: Sequence[Quality]) -> str:
    """One line per label, tab-separated, then each label's confusion and calibration."""
    lines = [
        "label\texamples\tpositives\tthreshold\troc_auc\tprecision\trecall\thold_rate"
        "\tnegatives_published"
    ]
    for q in results:
        lines.append(
            f"{q.label}\t{q.examples}\t{q.positives}\t{q.threshold:g}\t{_figure(q.roc_auc)}\t"
            f"{_figure(q.precision)}\t{_figure(q.recall)}\t{q.hold_rate:.3f}\t"
            f"{_figure(q.negatives_published)}"
        )
    for q in results:
        lines.append(f"\n# {q.label}: confusion at {q.threshold:g}\t\theld\tpublished")
        lines.append(f"labelled {q.label}\t\t{q.true_positives}\t{q.false_negatives}")
        lines.append(f"not {q.label}\t\t{q.false_positives}\t{q.true_negatives}")
        lines.append(f"# {q.label}: calibration\tbin\texamples\tmean_score\tobserved")
        for b in q.calibration:
            lines.append(
                f"\t{b.low:.1f}-{b.high:.1f}\t{b.examples}\t{_figure(b.mean_score)}\t"
                f"{_figure(b.observed)}"
            )
    return "\n".join(lines)


def plot(results: Sequence[Quality], path: Path, title: str) -> None:
    """PR curves (left) and calibration (right) of every label with both classes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (pr, cal) = plt.subplots(1, 2, figsize=(11, 4.5))
    for q in results:
        if q.pr_curve:
            pr.plot([r for r, _ in q.pr_curve], [p for _, p in q.pr_curve], label=q.label)
            if q.recall is not None and q.precision is not None:
                pr.scatter([q.recall], [q.precision], marker="o")
        points = [(b.mean_score, b.observed) for b in q.calibration if b.examples]
        if points:
            cal.plot([x for x, _ in points], [y for _, y in points], marker=".", label=q.label)
    pr.set(xlabel="recall", ylabel="precision", title="precision / recall (dot: threshold)")
    pr.set_xlim(0, 1)
    pr.set_ylim(0, 1.02)
    cal.plot([0, 1], [0, 1], linestyle=":", color="grey")
    cal.set(xlabel="mean predicted", ylabel="observed rate", title="calibration")
    for axis in (pr, cal):
        axis.legend(loc="lower left", fontsize="small")
        axis.grid(alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def per_label(
    truths: Sequence[Mapping[str, int]],
    scores: Sequence[Mapping[str, float]],
    labels: Sequence[str],
    thresholds: Mapping[str, float],
) -> list[Quality]:
    """Every label the scorer reports and the file labels. A row skips a label it has no
    truth for, or no score for (a routing scorer's per-language models serve different
    labels)."""
    out = []
    for label in labels:
        rows = [
            (t[label], s[label])
            for t, s in zip(truths, scores, strict=True)
            if label in t and label in s
        ]
        if rows:
            out.append(
                quality(label, [t for t, _ in rows], [s for _, s in rows], thresholds[label])
            )
    return out
