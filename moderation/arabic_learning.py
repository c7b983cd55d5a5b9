"""Moderators' decisions on Arabic comments retrain the Arabic scorer, under the guard of
the learned scorer (moderation.learning.trainer.guard), applied to the Arabic side:

- a candidate is trained on the Arabic cold-start set's train split plus all but the
  newest share of the site's Arabic decisions (split_site);
- it becomes active only if it is not worse than the active Arabic model (the site's
  active version, else the packaged one), by the guard's tolerances, on the Arabic
  validation split (template families training never sees) and on the held-back
  newest site decisions. Otherwise it is stored inactive, with the reasons.

Versions live in `<models dir>/arabic/<version>/` as plain arrays; the `active` file
names the active one (moderation.scorers.arabic reads it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderation.data.train_arabic import LABELS, load
from moderation.learning.examples import Example
from moderation.learning.guard import SITE, Evaluation, guard
from moderation.learning.trainer import split_site
from moderation.ngram_model import NgramModel, train
from moderation.scorers.arabic import PACKAGED, SUBDIR, active_dir

SITE_GROUP = "site"


@dataclass(frozen=True)
class ArabicLearnResult:
    version: str
    activated: bool
    why: str
    previous: str
    candidate: Evaluation
    active: Evaluation
    site_train: int
    site_holdout: int


def evaluate(
    model: NgramModel,
    validation: Sequence[dict[str, Any]],
    holdout: Sequence[Example],
    threshold: float,
) -> Evaluation:
    """The model's figures on the Arabic validation split (named like the seed set's
    eval split, the guard's first set) and on the site's held-back Arabic decisions."""
    result = Evaluation()
    sets = (
        (
            "seed_eval",
            [str(r["text"]) for r in validation],
            [dict(r["labels"]) for r in validation],
        ),
        (SITE, [e.text for e in holdout], [dict(e.labels) for e in holdout]),
    )
    for name, texts, truth in sets:
        if not texts:
            continue
        scores = model.score(texts)
        for label in model.labels:
            pairs = [(t[label], s[label]) for t, s in zip(truth, scores, strict=True) if label in t]
            result.add(name, label, [t for t, _ in pairs], [s for _, s in pairs], threshold)
    return result


def fit(seed: Sequence[dict[str, Any]], site: Sequence[Example]) -> NgramModel:
    """The cold-start rows and the site's examples; a label a decision does not speak
    to (absent from its labels) gets weight 0 for that head."""
    texts = [str(r["text"]) for r in seed] + [e.text for e in site]
    groups = [str(r["family"]) for r in seed] + [SITE_GROUP] * len(site)
    targets = {
        label: [int(r["labels"][label]) for r in seed] + [e.labels.get(label, 0) for e in site]
        for label in LABELS
    }
    weights = {
        label: [1.0] * len(seed) + [e.weight if label in e.labels else 0.0 for e in site]
        for label in LABELS
    }
    info = {"trained_on": f"{len(seed)} cold-start rows and {len(site)} site decisions"}
    return train(texts, targets, groups, sample_weights=weights, info=info)


def learn(
    models_dir: Path,
    site: Sequence[Example],
    *,
    threshold: float = 0.8,
    force: bool = False,
    rows: Sequence[dict[str, Any]] | None = None,
) -> ArabicLearnResult:
    """`rows`: the cold-start set (default: arabic.jsonl)."""
    rows = load() if rows is None else rows
    seed_train = [r for r in rows if r["split"] == "train"]
    validation = [r for r in rows if r["split"] == "eval"]
    site_train, holdout = split_site(site)
    candidate = fit(seed_train, site_train)
    current = active_dir(models_dir) or PACKAGED
    active = NgramModel.load(current)
    previous = active.version
    candidate_eval = evaluate(candidate, validation, holdout, threshold)
    active_eval = evaluate(active, validation, holdout, threshold)
    problems = guard(candidate_eval, active_eval)
    if candidate.version == previous:
        why, problems = "not activated: the same model as the active one", ["unchanged"]
    elif problems and force:
        why = "activated with --force despite: " + "; ".join(problems)
    elif problems:
        why = "not activated: worse than the active version: " + "; ".join(problems)
    else:
        why = f"activated: not worse than {previous} on the Arabic validation split" + (
            " and the site holdout" if holdout else " (site holdout too small to judge)"
        )
    activate = candidate.version != previous and (force or not problems)
    root = models_dir / SUBDIR
    target = root / candidate.version
    NgramModel(
        candidate.labels,
        candidate.weights,
        candidate.bias,
        candidate.slope,
        candidate.center,
        candidate.anchor,
        info={
            **candidate.info,
            "parent": previous,
            "why": why,
            "report": candidate_eval.to_dict(),
            "active_report": active_eval.to_dict(),
        },
    ).save(target)
    if activate:
        pointer = root / "active"
        staged = root / "active.tmp"
        staged.write_text(candidate.version + "\n", encoding="utf-8")
        staged.replace(pointer)  # atomic: a reader sees the old or the new name
    return ArabicLearnResult(
        version=candidate.version,
        activated=activate,
        why=why,
        previous=previous,
        candidate=candidate_eval,
        active=active_eval,
        site_train=len(site_train),
        site_holdout=len(holdout),
    )


def summary(result: ArabicLearnResult) -> list[str]:
    """The lines `commentmod learn` prints for the Arabic side."""
    seed = result.candidate.seed.get("toxicity")
    auc = f"{seed.roc_auc:.3f}" if seed is not None and seed.roc_auc is not None else "-"
    return [
        f"arabic: site decisions {result.site_train + result.site_holdout} "
        f"({result.site_train} trained on, {result.site_holdout} held back)",
        f"arabic: version {result.version} "
        f"({'active' if result.activated else 'inactive'}); validation toxicity AUC {auc}",
        f"arabic: {result.why}",
        "arabic report: " + json.dumps(result.candidate.to_dict()["seed_eval"].get("toxicity")),
    ]
