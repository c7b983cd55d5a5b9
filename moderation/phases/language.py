"""Hold comments in a language the active scorer was not trained on."""

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.phases.base import PhaseInput


def unsupported_language(item: PhaseInput) -> Outcome:
    if item.language is None or item.language in item.scorer_languages:
        return Outcome()
    if item.policy.score_unsupported_languages:
        return Outcome()
    supported = ", ".join(item.scorer_languages)
    detail = f"detected {item.language}; the scorer covers {supported}"
    return Outcome(Status.PENDING, (Reason(ReasonCode.UNSUPPORTED_LANGUAGE, detail),))
