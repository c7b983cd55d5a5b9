"""What the project keeps of the human-labelled sets: their embeddings and labels, never
their texts, per corpus and split, in `moderation/data/real/`.

    python -m moderation.learning.realdata [--from-datasets ../shared/datasets]

re-encodes the sets (minutes on a slow CPU) and rewrites the files; training and the
guard then read them without the originals, so `commentmod learn` keeps what the real
data taught. Files are named by corpus and split, and record the encoder version: a
version trained with another encoder ignores them (see `load`).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.learning.examples import LABELS, Example

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

FOLDER = Path(__file__).resolve().parent.parent / "data" / "real"
CORPORA = ("davidson", "surge")
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Encoded:
    """One corpus split: embeddings (float32), per-label truth (-1 where unknown) and,
    where the set records its raters' votes, which rows they split on."""

    corpus: str
    split: str
    encoder: str
    embeddings: npt.NDArray[np.float32]
    truth: dict[str, npt.NDArray[np.int8]]
    contested: npt.NDArray[np.bool_] | None = None

    def __len__(self) -> int:
        return int(self.embeddings.shape[0])

    def contested_civil(self) -> npt.NDArray[np.bool_]:
        """Rows civil by their raters' majority that a rater called abuse (see
        `corpora.contested_civil`); none where the set records one judgement."""
        import numpy as np

        if self.contested is None or "toxicity" not in self.truth:
            return np.zeros(len(self), dtype=bool)
        civil: npt.NDArray[np.bool_] = self.contested & (self.truth["toxicity"] == 0)
        return civil

    def examples(self) -> list[Example]:
        """Examples without text (the text is not kept): for the label dicts only."""
        rows = []
        for i in range(len(self)):
            labels = {k: int(v[i]) for k, v in self.truth.items() if v[i] >= 0}
            rows.append(Example("", labels, 1.0, self.corpus, self.split))
        return rows


def path_for(corpus: str, split: str, folder: Path = FOLDER) -> Path:
    return folder / f"{corpus}-{split}.npz"


def save(part: Encoded, folder: Path = FOLDER) -> None:
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {f"truth_{k}": v for k, v in part.truth.items()}
    if part.contested is not None:
        arrays["contested"] = part.contested
    # float16 halves the files; the heads see no difference (cosine error < 1e-3).
    np.savez_compressed(
        path_for(part.corpus, part.split, folder),
        **arrays,
        embeddings=part.embeddings.astype(np.float16),
        encoder=np.array(part.encoder),
    )


def load(corpus: str, split: str, encoder: str, folder: Path = FOLDER) -> Encoded | None:
    """The stored split, or None when absent or made with another encoder."""
    import numpy as np

    path = path_for(corpus, split, folder)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as arrays:
        if str(arrays["encoder"]) != encoder:
            return None
        truth = {
            name.removeprefix("truth_"): arrays[name].astype(np.int8)
            for name in arrays.files
            if name.startswith("truth_")
        }
        contested = arrays["contested"].astype(bool) if "contested" in arrays.files else None
        return Encoded(
            corpus, split, encoder, arrays["embeddings"].astype(np.float32), truth, contested
        )


def encode(corpus: str, split: str, examples: Sequence[Example], encoder: object) -> Encoded:
    import numpy as np

    from moderation.learning.corpora import CONTESTED
    from moderation.learning.encoder import Encoder

    assert isinstance(encoder, Encoder)
    vectors = encoder.encode([e.text for e in examples])
    truth = {
        label: np.array([e.labels.get(label, -1) for e in examples], dtype=np.int8)
        for label in LABELS
        if any(label in e.labels for e in examples)
    }
    contested = None
    if any(CONTESTED in e.extra for e in examples):
        contested = np.array([bool(e.extra.get(CONTESTED)) for e in examples], dtype=bool)
    return Encoded(corpus, split, encoder.version, vectors, truth, contested)


def build(root: Path, folder: Path = FOLDER) -> dict[str, dict[str, int]]:
    """Encode every corpus split under `root` into `folder`; {corpus: {split: rows}}."""
    from moderation.learning import corpora
    from moderation.learning.encoder import shared_encoder

    encoder = shared_encoder()
    counts: dict[str, dict[str, int]] = {}
    for corpus, rows in corpora.load(root).items():
        for split in SPLITS:
            chosen = [e for e in rows if e.split == split]
            save(encode(corpus, split, chosen, encoder), folder)
            counts.setdefault(corpus, {})[split] = len(chosen)
            print(f"{corpus} {split}: {len(chosen)} rows", flush=True)
    (folder / "counts.json").write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")
    return counts


def main(argv: Sequence[str] | None = None) -> None:
    from moderation.learning import corpora

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--from-datasets", type=Path, default=corpora.DEFAULT_ROOT)
    parser.add_argument("--out", type=Path, default=FOLDER)
    args = parser.parse_args(argv)
    build(args.from_datasets, args.out)


if __name__ == "__main__":
    main()
