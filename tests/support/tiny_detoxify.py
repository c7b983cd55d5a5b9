"""Builds a tiny, randomly initialised detoxify checkpoint for tests.

Real detoxify weights are hundreds of megabytes and only reachable over the network, so the
tests make their own: a 2-layer BERT with a word-level vocabulary, saved exactly the way
detoxify's release checkpoints are (``torch.save({"config": ..., "state_dict": ...})``, where
``config`` is the training config that ``detoxify.detoxify.load_checkpoint`` reads), next to a
Hugging Face config/tokenizer directory. The scores are meaningless but deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
import transformers

# Class lists as they sit in detoxify's release checkpoints ("dataset" -> "args" -> "classes").
# The original-data models keep Jigsaw's raw names, which detoxify renames at load time.
_ORIGINAL_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
_BIAS_CLASSES = [
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
]
# The unbiased models have 16 outputs: the 7 classes above plus 9 identity subgroups that
# detoxify never reports (it reads only the first len(classes) logits).
_IDENTITY_CLASSES = [
    "male",
    "female",
    "homosexual_gay_or_lesbian",
    "christian",
    "jewish",
    "muslim",
    "black",
    "white",
    "psychiatric_or_mental_illness",
]

VARIANT_CLASSES: dict[str, tuple[list[str], int]] = {
    "original": (_ORIGINAL_CLASSES, 6),
    "original-small": (_ORIGINAL_CLASSES, 6),
    "unbiased": (_BIAS_CLASSES, 16),
    "unbiased-small": (_BIAS_CLASSES, 16),
    "multilingual": (_BIAS_CLASSES, 16),
}

# Whole words, each one token, so a test can build texts of a known token count.
_WORD_LIST = """
    the a an and or but if then else when while of to in on at by for with from about as into
    over under after before between through during without within you your yours he she it we
    they them his her its our their this that these those who whom which what where why how
    is are was were be been being have has had do does did will would can could should may
    might must shall say says said go goes went come comes came see saw look looks make makes
    made take took give gave get got know knew think thought want wanted like liked love hate
    hated good bad great terrible nice awful kind cruel smart stupid idiot fool genius clever
    dumb happy sad angry calm loud quiet fast slow big small old new young long short high low
    hot cold warm cool dark bright clean dirty rich poor strong weak true false right wrong
    cat dog bird fish horse cow pig sheep mouse lion tiger bear wolf fox rabbit snake frog
    city town village country road street house home school office shop market park river
    lake sea mountain forest field garden kitchen window door table chair bed book paper pen
    news article comment reply story report editor reader writer opinion policy vote election
    government minister council court judge police law rule tax money price cost job work
    team game match goal player coach season win lose draw score fan stadium ticket league
    day night morning evening week month year today tomorrow yesterday time hour minute
    water food bread milk coffee tea beer wine apple orange rice meat soup cake sugar salt
    red blue green yellow black white brown pink purple grey gray one two three four five six
    seven eight nine ten hundred thousand million first second third last next every each
    all some many few more most less least much very too quite really just only also even
    still again never always often sometimes usually here there now soon later yes no not
    thanks please sorry hello goodbye agree disagree wrong point fact idea reason problem
"""
WORDS: tuple[str, ...] = tuple(dict.fromkeys(_WORD_LIST.split()))

_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]
_DIGITS = [str(d) for d in range(10)]
_PUNCTUATION = list(".,!?;:'\"()-")


def _vocabulary() -> list[str]:
    # Letters and "##" continuations let any lowercase ASCII word tokenise without [UNK];
    # the whole words give single-token words for length arithmetic in tests.
    pieces = [*_LETTERS, *_DIGITS, *_PUNCTUATION]
    continuations = [f"##{p}" for p in (*_LETTERS, *_DIGITS)]
    words = [w for w in WORDS if w not in pieces]
    return [*_SPECIALS, *pieces, *continuations, *words]


def build_tiny_detoxify(
    directory: Path,
    variant: str = "original",
    *,
    classifier_bias: float | Sequence[float] | None = None,
    model_type: str = "bert-base-uncased",
    seed: int = 0,
) -> tuple[Path, Path]:
    """Write ``<directory>/tiny-<variant>.ckpt`` and ``<directory>/hf-config/``.

    ``classifier_bias``: zero the classifier weights and set its bias, so every text scores
    exactly sigmoid(bias) per label; None keeps the random (text-dependent) head.
    ``model_type``: the Hugging Face name recorded in the checkpoint, as the release
    checkpoints record "bert-base-uncased"; a local directory makes the checkpoint loadable
    by ``detoxify.Detoxify`` itself without the hub.

    Returns (checkpoint_path, config_dir).
    """
    classes, num_classes = VARIANT_CLASSES[variant]
    config_dir = directory / "hf-config"
    config_dir.mkdir(parents=True, exist_ok=True)

    vocab = _vocabulary()
    vocab_file = config_dir / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizer(vocab=str(vocab_file), do_lower_case=True)
    tokenizer.save_pretrained(str(config_dir))

    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        # BERT's default init (std 0.02) gives the same score to every text; a wider init
        # makes scores depend visibly on the text, so chunking and ordering tests mean
        # something, without saturating the sigmoid.
        initializer_range=0.3,
    )
    config.num_labels = num_classes  # a PretrainedConfig property: sets id2label/label2id
    config.save_pretrained(str(config_dir))

    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(config)
    if classifier_bias is not None:
        with torch.no_grad():
            model.classifier.weight.zero_()
            bias = torch.as_tensor(classifier_bias, dtype=model.classifier.bias.dtype)
            model.classifier.bias.copy_(bias.expand_as(model.classifier.bias))

    checkpoint = {
        "config": {
            "name": f"tiny_{variant}",
            # Exactly the four keys get_model_and_tokenizer(**args) accepts.
            "arch": {
                "type": "BERT",
                "args": {
                    "num_classes": num_classes,
                    "model_type": model_type,
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                },
            },
            "dataset": {"type": "Tiny", "args": {"classes": list(classes)}},
        },
        "state_dict": model.state_dict(),
    }
    checkpoint_path = directory / f"tiny-{variant}.ckpt"
    torch.save(checkpoint, checkpoint_path)
    return checkpoint_path, config_dir
