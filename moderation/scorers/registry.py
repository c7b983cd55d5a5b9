"""Turns the scorer named in settings into a loaded Scorer, saying why it was chosen."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from moderation.scorers.base import Scorer


class ScorerConfigError(Exception):
    """An explicitly named scorer cannot be loaded; startup must stop."""


@dataclass(frozen=True)
class ScorerOptions:
    name: str = "auto"
    # The detoxify variant `auto` looks for.
    detoxify_variant: str = "original"
    detoxify_checkpoint: Path | None = None
    detoxify_config_dir: Path | None = None
    device: str = "cpu"
    quantize: str | None = None
    # perspective:<url>: the remote server's key, the attributes to ask for, the
    # languages it is trusted with, requests in flight, seconds per request.
    key: str | None = None
    attributes: tuple[str, ...] = ("TOXICITY",)
    languages: tuple[str, ...] = ("en",)
    concurrency: int = 16
    timeout: float = 2.0
    # learned: where model versions live (COMMENTMOD_MODELS_DIR).
    models_dir: Path = Path("var/models")
    # Per-language scorers routed to beside the main one (COMMENTMOD_LANGUAGE_SCORERS).
    language_scorers: tuple[str, ...] = ("ar",)


@dataclass(frozen=True)
class LoadedScorer:
    scorer: Scorer
    why: str


def _linear() -> Scorer:
    from moderation.scorers.linear import LinearScorer

    return LinearScorer()


def _detoxify(variant: str, options: ScorerOptions) -> Scorer:
    from moderation.scorers.detoxify import DetoxifyScorer

    return DetoxifyScorer(
        variant,
        checkpoint=options.detoxify_checkpoint,
        config_dir=options.detoxify_config_dir,
        device=options.device,
        quantize=options.quantize,
    )


def _learned(options: ScorerOptions) -> Scorer:
    from moderation.scorers.learned import LearnedScorer

    return LearnedScorer.load(options.models_dir, device=options.device)


def _learned_or_linear(options: ScorerOptions, why: str) -> LoadedScorer:
    """auto without detoxify: the learned scorer when its extra is installed, else linear."""
    from moderation.learning.encoder import available

    if not available():
        return LoadedScorer(
            _linear(), f"{why}; the learned extra is not installed; bundled linear model"
        )
    try:
        scorer = _learned(options)
    except (ImportError, OSError, ValueError) as exc:
        return LoadedScorer(_linear(), f"{why}; learned failed to load ({exc}); linear")
    return LoadedScorer(scorer, f"{why}; learned model {scorer.version} from {options.models_dir}")


def _perspective(url: str, options: ScorerOptions) -> Scorer:
    from moderation.scorers.perspective import PerspectiveScorer

    return PerspectiveScorer(
        url,
        options.key or "",
        attributes=options.attributes,
        languages=options.languages,
        concurrency=options.concurrency,
        timeout=options.timeout,
    )


def _auto(options: ScorerOptions) -> LoadedScorer:
    variant = options.detoxify_variant
    if importlib.util.find_spec("detoxify") is None:
        return _learned_or_linear(options, "auto: detoxify is not installed")
    from moderation.scorers.detoxify import find_local_weights

    weights = find_local_weights(
        variant, checkpoint=options.detoxify_checkpoint, config_dir=options.detoxify_config_dir
    )
    if weights is None:
        return _learned_or_linear(
            options,
            f"auto: no local detoxify {variant} weights (set COMMENTMOD_DETOXIFY_CHECKPOINT or "
            f"run `commentmod models download {variant}`)",
        )
    try:
        scorer = _detoxify(variant, options)
    except (ImportError, OSError, ValueError) as exc:
        return _learned_or_linear(options, f"auto: detoxify {variant} failed to load ({exc})")
    return LoadedScorer(scorer, f"auto: detoxify {variant} weights found at {weights.checkpoint}")


def load_scorer(options: ScorerOptions | str) -> LoadedScorer:
    if isinstance(options, str):
        options = ScorerOptions(name=options)
    name = options.name.strip().lower()
    if name == "auto":
        return _auto(options)
    if name == "linear":
        return LoadedScorer(_linear(), "configured: COMMENTMOD_SCORER=linear")
    if name == "learned":
        try:
            return LoadedScorer(_learned(options), "configured: COMMENTMOD_SCORER=learned")
        except (ImportError, OSError, ValueError, LookupError) as exc:
            raise ScorerConfigError(
                f"cannot load scorer learned: {exc} (install it with pip install '.[learned]')"
            ) from exc
    if name.startswith("detoxify:"):
        variant = name.removeprefix("detoxify:")
        try:
            return LoadedScorer(
                _detoxify(variant, options), f"configured: COMMENTMOD_SCORER={name}"
            )
        except (ImportError, OSError, ValueError) as exc:
            raise ScorerConfigError(f"cannot load scorer {name}: {exc}") from exc
    if name.startswith("perspective:"):
        # The URL keeps its case: paths may be case-sensitive.
        url = options.name.strip()[len("perspective:") :]
        try:
            return LoadedScorer(
                _perspective(url, options), f"configured: COMMENTMOD_SCORER=perspective:{url}"
            )
        except ValueError as exc:
            raise ScorerConfigError(f"cannot use scorer perspective:{url}: {exc}") from exc
    raise ScorerConfigError(
        f"unknown scorer {options.name!r}; expected auto, linear, learned, "
        "detoxify:<variant> or perspective:<url>"
    )


# The per-language scorers that can sit beside the main one.
LANGUAGE_SCORERS = ("ar",)


def _language_scorer(language: str, options: ScorerOptions) -> Scorer:
    if language == "ar":
        from moderation.scorers.arabic import ArabicScorer

        return ArabicScorer.load_active(options.models_dir)
    raise ScorerConfigError(
        f"no scorer for language {language!r}; COMMENTMOD_LANGUAGE_SCORERS takes "
        + ", ".join(LANGUAGE_SCORERS)
    )


def load_routed(options: ScorerOptions | str) -> LoadedScorer:
    """The main scorer (load_scorer), wrapped with a router to the per-language scorers
    for the languages it does not cover itself."""
    if isinstance(options, str):
        options = ScorerOptions(name=options)
    main = load_scorer(options)
    extra = [
        _language_scorer(language, options)
        for language in options.language_scorers
        if language not in main.scorer.languages
    ]
    if not extra:
        return main
    from moderation.scorers.routing import RoutingScorer

    router = RoutingScorer(main.scorer, extra)
    routes = ", ".join(f"{lang} -> {s.name}@{s.version}" for s in extra for lang in s.languages)
    return LoadedScorer(router, f"{main.why}; by language: {routes}")
