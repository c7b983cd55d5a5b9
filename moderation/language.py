"""Language identification: the script first, then py3langid (its model ships inside
the package).

Short and mixed texts are where a statistical guess fails, so two signals come first:

* **Arabic script** is itself the signal: a text whose letters are at least a quarter
  Arabic script is Arabic however short ("يا حمار"), unless py3langid, given enough
  letters, is confident it is another language written in that script (Persian, Urdu).
* **Arabizi** (Arabic in Latin letters, with 2 3 5 7 for ء/ق ع خ ح) is not English: a
  text is Arabizi when its words mix letters with those digits or come from a list of
  common Arabizi words, enough of them ("ya 7mar", "yel3an abouk", "shu hal 7ake").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from moderation.folding import is_arabic

# Below these, a guess is too weak to hold a comment for: short texts are scored.
MIN_CONFIDENCE = 0.8
MIN_LETTERS = 12


@dataclass(frozen=True)
class Detected:
    # ISO 639-1 code, or None when the text is too short or the guess too weak.
    language: str | None
    confidence: float
    # The most likely language however weak (a report, never a reason to hold);
    # None only when the text is too short to guess or is in no language at all.
    guess: str | None = None


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def warm_up() -> None:
    """Load the model now (about a second) rather than on the first comment."""
    _identifier()


# Codes that name no language: py3langid answers "zxx" (no linguistic content) for
# strings of digits, hex or symbols, sometimes confidently; that is no route to a scorer.
_NO_LANGUAGE = frozenset({"zxx", "und", "mul"})

# Languages written in the Arabic script that py3langid may tell apart on longer texts.
_OTHER_ARABIC_SCRIPT = frozenset({"fa", "ur", "ps"})
MIN_ARABIC_SHARE = 0.25

# Distinctive Arabizi words (Levantine mostly); ambiguous ones ("el", "ana") are left out.
_ARABIZI_TEXT = """
    yalla wallah walla habibi habibti inta enta enti inti ento shu sho shou kif keef hayda
    hayde haida heik hek lezem lazem ktir kteer mni7 mnih ra7 3am ma3 3al 3a yel3an yil3an
    yilaan kess kes ekhtak ekhtak emmak abouk abuk sharmouta sharmout sharmoota 7mar hmar
    7ayawen ahbal zbeleh khara 5ara tfeh ya3ne ya3ni yaane yaani mish msh la2 akid tayeb
    mar7aba marhaba shukran inshalla inshallah mashalla mashallah alla allah nehna hon honik
    lesh leish ba3d kamen kaman 7ada hada shi wein wen badde baddak badak walak wle kellon
    kello ma2al 3eib 3ayb 2al 2addesh 7a2 btefham te7ke 7ake bshoufak 3ars e2tlak kbire kbir
    zghir zghire mahzale sarelna snin metl zabt katabto wade3 tislamo tislam sa7ten ahla
    sahla ma3kon ma3ak 3alekon 3alek 3leik mnih tfeh balad 7ayawen ya3tik 3afye ma32ool
    bokra mbere7 lyom shwayye halla2 hala2 ba3dna byaaref bta3ref ba3ref kalb sefel wati
    tafeh jahel 7a2ir ghabi ja7esh wes5 7ayawan 7mare ysabber b7tirem kellna wa7ad 3ayshin
    klab
"""
ARABIZI_WORDS = frozenset(_ARABIZI_TEXT.split())
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+")
_ARABIZI_MIXED = re.compile(r"(?=.*[a-z])[a-z]*[2357][a-z2357]*", re.I)


def arabizi(text: str) -> bool:
    """Latin-letter Arabic: words mixing letters with 2 3 5 7, or common Arabizi words."""
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if not words:
        return False
    mixed = [w for w in words if _ARABIZI_MIXED.fullmatch(w) and len(w) >= 3 and "33" not in w]
    known = sum(1 for w in words if w in ARABIZI_WORDS or w == "ya")
    if len(words) <= 2 and (known - words.count("ya") or any(c in "357" for w in mixed for c in w)):
        return True  # "sa7ten", "merci ktir": one or two words, one of them plainly Arabizi
    if not (len(mixed) >= 2 or (mixed and known >= 1) or known >= 2):
        return False
    return (len(mixed) + known) / len(words) >= 0.2


def _arabic_share(text: str) -> tuple[int, int]:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(1 for ch in letters if is_arabic(ch)), len(letters)


def detect(text: str) -> Detected:
    arabic, letters = _arabic_share(text)
    if arabic >= 2 and arabic >= MIN_ARABIC_SHARE * letters:
        if letters >= MIN_LETTERS:
            language, confidence = _identifier().classify(text)
            if language in _OTHER_ARABIC_SCRIPT and float(confidence) >= MIN_CONFIDENCE:
                return Detected(str(language), float(confidence))
        return Detected("ar", 1.0)
    if arabizi(text):
        return Detected("ar", 1.0)
    if letters < MIN_LETTERS:
        return Detected(None, 0.0)
    language, confidence = _identifier().classify(text)
    confidence = float(confidence)
    if str(language) in _NO_LANGUAGE:
        return Detected(None, confidence)
    return Detected(
        str(language) if confidence >= MIN_CONFIDENCE else None, confidence, str(language)
    )
