"""What the banned- and suspect-word phases share: matches become one reason."""

from moderation.decision import Outcome, Reason, ReasonCode, Status
from moderation.wordlist import WordList


def word_outcome(
    words: WordList, text: str, code: ReasonCode, status: Status, label: str
) -> Outcome:
    matches = words.find(text)
    if not matches:
        return Outcome()
    entries = ", ".join(dict.fromkeys(m.entry for m in matches))
    reason = Reason(code, f"{label}: {entries}", tuple(m.span for m in matches))
    return Outcome(status, (reason,))
