"""bench/scoring.py's texts and its detoxify-size model (random weights, bert-base's shape)."""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


JWT_SECRET = "bench-secret-" + "x" * 64
VOCAB_SIZE = 30522
# Detoxify "original" keeps Jigsaw's raw class names; the scorer renames them at load time.
ORIGINAL_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
LINEAR_COMMENTS = 3000

# Words of news comments. Each is one token in the benchmark vocabulary, so a text's token
# count is its words plus punctuation plus [CLS] and [SEP].
_WORDS = """
    the a an and or but if then so because when while of to in on at by for with from about as
    into over after before between through without you your he she it we they them his her its
    our their this that these those who which what where why how is are was were be been have
    has had do does did will would can could should may might must not no yes very really just
    only also even still again never always often here there now today yesterday tomorrow
    think thought know knew say said agree disagree believe hope want need like see read wrote
    people council city town mayor minister government police court judge school teacher
    parents children hospital doctor nurse road bridge traffic bus train station housing rent
    price prices tax taxes budget money jobs work workers business shop market plan plans
    project report article story news paper editor reporter writer reader readers comment
    comments point fact facts idea reason problem problems issue question answer decision
    vote election party policy law rules local national community residents neighbours
    street park river water weather rain summer winter year years week month time day night
    good bad great better worse best worst right wrong fair unfair true false clear simple
    important serious real new old long short big small high low free expensive cheap safe
    open closed finally already enough more less most many much few every each other same
    thanks please sorry well actually probably clearly certainly maybe perhaps seriously
    team game match season fans stadium player coach win lost goal league cup
    build built fix fixed pay paid spend spent cut cuts close closed open opened wait waited
    years ago last next first second third three four five ten hundred thousand million
    stupid idiot idiots ridiculous disgrace shameful useless lazy corrupt liars nonsense
"""
WORDS: tuple[str, ...] = tuple(dict.fromkeys(_WORDS.split()))
_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_PUNCTUATION = list(".,!?;:'\"()-")


# ----------------------------------------------------------------------------- texts


def make_texts(count: int, seed: int) -> list[str]:
    """News-comment-like texts of about 48 tokens: 1-4 sentences from WORDS."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        # Words + punctuation + 2 specials ~ target tokens; mean about 48.
        target = rng.randint(36, 61)
        sentences: list[str] = []
        used = 2
        while used < target:
            length = min(rng.randint(5, 16), max(3, target - used - 1))
            words = [rng.choice(WORDS) for _ in range(length)]
            if length > 8 and rng.random() < 0.5:
                words[rng.randint(2, length - 3)] += ","
                used += 1
            sentence = " ".join(words)
            sentences.append(sentence[0].upper() + sentence[1:] + rng.choice(".....!?"))
            used += length + 1
        texts.append(" ".join(sentences))
    return texts


# ----------------------------------------------------------------------------- model


def build_bert_base(directory: Path, *, seed: int = 0) -> tuple[Path, Path]:
    """A randomly initialised bert-base-uncased-shaped detoxify "original" checkpoint.

    Saved exactly like detoxify's release checkpoints (and tests/support/tiny_detoxify.py):
    ``torch.save({"config": <training config>, "state_dict": ...})`` next to a Hugging Face
    config/tokenizer directory, here with a 30522-entry vocabulary. Reused when present.
    """
    import torch
    import transformers

    config_dir = directory / "hf-config"
    checkpoint_path = directory / "bert-base-original.ckpt"
    vocab_file = config_dir / "vocab.txt"
    if (
        checkpoint_path.is_file()
        and (config_dir / "config.json").is_file()
        and vocab_file.is_file()
        and len(vocab_file.read_text(encoding="utf-8").splitlines()) == VOCAB_SIZE
    ):
        return checkpoint_path, config_dir

    config_dir.mkdir(parents=True, exist_ok=True)
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    digits = [str(d) for d in range(10)]
    pieces = [*letters, *digits, *_PUNCTUATION]
    continuations = [f"##{p}" for p in (*letters, *digits)]
    vocab = [*_SPECIALS, *pieces, *continuations, *(w for w in WORDS if w not in pieces)]
    vocab += [f"[unused{i}]" for i in range(VOCAB_SIZE - len(vocab))]
    assert len(vocab) == VOCAB_SIZE
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizer(vocab=str(vocab_file), do_lower_case=True)
    tokenizer.save_pretrained(str(config_dir))

    config = transformers.BertConfig(
        vocab_size=VOCAB_SIZE,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=512,
    )
    config.num_labels = len(ORIGINAL_CLASSES)
    config.save_pretrained(str(config_dir))

    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(config)
    checkpoint = {
        "config": {
            "name": "bench_bert_base_original",
            "arch": {
                "type": "BERT",
                "args": {
                    "num_classes": len(ORIGINAL_CLASSES),
                    "model_type": "bert-base-uncased",
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                },
            },
            "dataset": {"type": "Bench", "args": {"classes": list(ORIGINAL_CLASSES)}},
        },
        "state_dict": model.state_dict(),
    }
    partial = checkpoint_path.with_suffix(".partial")
    torch.save(checkpoint, partial)
    partial.replace(checkpoint_path)
    return checkpoint_path, config_dir


def token_counts(config_dir: Path, texts: Sequence[str]) -> list[int]:
    import transformers

    tokenizer = transformers.BertTokenizer.from_pretrained(str(config_dir), local_files_only=True)
    encoded = tokenizer(list(texts), truncation=False)
    return [len(ids) for ids in encoded["input_ids"]]
