"""A one-hidden-layer network over the sentence embedding, one output per label, trained
with torch (already installed with the encoder) and returned as plain arrays.

An example trains only the labels it knows (masked loss): the real sets know toxicity
(and Davidson identity_attack), the seed set all labels, a moderator's decision what
its reason says. Deterministic for a given input (fixed seed, fixed order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]

HIDDEN = 256
EPOCHS = 24
BATCH = 256
LEARNING_RATE = 2e-3
# Continuing a trained network (`start`): smaller steps, so that the site's decisions
# are learned without moving everything else.
CONTINUE_LEARNING_RATE = 4e-4
WEIGHT_DECAY = 1e-4
SEED = 20261203


@dataclass
class Layers:
    hidden_weights: Matrix  # (features, HIDDEN)
    hidden_bias: Matrix  # (HIDDEN,)
    weights: Matrix  # (labels, HIDDEN)
    bias: Matrix  # (labels,)


def fit(
    design: Matrix,
    truth: npt.NDArray[np.float32],
    known: npt.NDArray[np.float32],
    sample_weight: npt.NDArray[np.float32],
    *,
    start: Layers | None = None,
    epochs: int = EPOCHS,
) -> Layers:
    """truth, known: (examples, labels); known is 1 where the truth is known, else 0.

    `start` continues from a trained network (fewer epochs needed), else from scratch.
    Each label's loss is balanced between its positives and negatives.
    """
    import numpy as np
    import torch

    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    x = torch.from_numpy(np.ascontiguousarray(design, dtype=np.float32))
    y = torch.from_numpy(np.ascontiguousarray(truth, dtype=np.float32))
    mask = torch.from_numpy(np.ascontiguousarray(known, dtype=np.float32))
    w = torch.from_numpy(np.ascontiguousarray(sample_weight, dtype=np.float32)).unsqueeze(1)
    # Balance each label: positives and negatives weigh the same in total.
    weighted = mask * w
    pos = (weighted * y).sum(0).clamp(min=1e-6)
    neg = (weighted * (1 - y)).sum(0).clamp(min=1e-6)
    balance = torch.where(y > 0, (pos + neg) / (2 * pos), (pos + neg) / (2 * neg))
    row_weight = weighted * balance
    n_labels = y.shape[1]
    first, second = torch.nn.Linear(x.shape[1], HIDDEN), torch.nn.Linear(HIDDEN, n_labels)
    model = torch.nn.Sequential(first, torch.nn.ReLU(), second)
    if start is not None:
        with torch.no_grad():
            first.weight.copy_(torch.from_numpy(start.hidden_weights.T.copy()))
            first.bias.copy_(torch.from_numpy(start.hidden_bias.copy()))
            second.weight.copy_(torch.from_numpy(start.weights.copy()))
            second.bias.copy_(torch.from_numpy(start.bias.copy()))
    rate = LEARNING_RATE if start is None else CONTINUE_LEARNING_RATE
    optimiser = torch.optim.AdamW(model.parameters(), lr=rate, weight_decay=WEIGHT_DECAY)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    total = row_weight.sum().clamp(min=1e-6) / len(x)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for begin in range(0, len(x), BATCH):
            index = order[begin : begin + BATCH]
            optimiser.zero_grad()
            loss = (loss_fn(model(x[index]), y[index]) * row_weight[index]).sum()
            (loss / (len(index) * total)).backward()
            optimiser.step()
    with torch.no_grad():
        return Layers(
            hidden_weights=first.weight.T.numpy().astype(np.float32).copy(),
            hidden_bias=first.bias.numpy().astype(np.float32).copy(),
            weights=second.weight.numpy().astype(np.float32).copy(),
            bias=second.bias.numpy().astype(np.float32).copy(),
        )


def logits(layers: Layers, design: Matrix) -> npt.NDArray[np.float64]:
    import numpy as np

    hidden = np.maximum(
        np.asarray(design, dtype=np.float32) @ layers.hidden_weights + layers.hidden_bias, 0
    )
    return np.asarray(hidden @ layers.weights.T + layers.bias, dtype=np.float64)


def label_matrix(
    rows: Sequence[dict[str, int] | object], labels: Sequence[str]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """(truth, known) for label dicts; a label missing from a row is unknown."""
    import numpy as np

    truth = np.zeros((len(rows), len(labels)), dtype=np.float32)
    known = np.zeros_like(truth)
    for i, row in enumerate(rows):
        assert isinstance(row, dict)
        for j, label in enumerate(labels):
            if label in row:
                truth[i, j] = float(row[label])
                known[i, j] = 1.0
    return truth, known
