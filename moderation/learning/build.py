"""Rebuild what the learned scorer ships: the real sets' embeddings and the cold-start
version, from the human-labelled sets.

    python -m moderation.learning.finetune --from-datasets ../shared/datasets  # make scorer-data,
    python -m moderation.learning.build --from-datasets ../shared/datasets     # in this order

Without `--from-datasets` the shipped embeddings are reused and only the network is
retrained (deterministic for the same inputs). Writes moderation/data/real/ and
moderation/data/model/ (heads.npz, heads.json, version.json with every figure).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from moderation.learning import realdata
from moderation.learning.encoder import SHIPPED_CACHE, cache_prefix, shared_encoder
from moderation.learning.store import ModelStore
from moderation.learning.trainer import SHIPPED_MODEL, Trainer


def build_model(out: Path = SHIPPED_MODEL, threshold: float = 0.8) -> dict[str, object]:
    encoder = shared_encoder()
    # Seed embeddings of an encoder that no longer ships would only take up room.
    for stale in SHIPPED_CACHE.glob("embeddings-*.npy"):
        if not stale.name.startswith(cache_prefix(encoder.version)):
            stale.unlink()
    with tempfile.TemporaryDirectory() as scratch:
        trainer = Trainer(
            ModelStore(Path(scratch)),
            encoder,
            threshold=threshold,
            cache_dir=SHIPPED_CACHE,
        )
        heads = trainer.fit([])
        report = trainer.evaluate(heads).to_dict()
        data: dict[str, object] = {
            "report": report,
            "training": trainer._counts([], []),
            "threshold": threshold,
        }
    if out.exists():
        shutil.rmtree(out)
    heads.save(out)
    (out / "version.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return data


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--from-datasets", type=Path, help="re-encode the real sets from here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.from_datasets is not None:
        realdata.build(args.from_datasets)
    data = build_model()
    for name, labels in data["report"].items():  # type: ignore[attr-defined]
        for label, f in labels.items():
            print(f"{name}\t{label}\tAUC {f['roc_auc']}\tP {f['precision']}\tR {f['recall']}")
    print(f"# {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
