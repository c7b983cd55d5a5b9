"""The shared label vocabulary (detoxify's names): every scorer reports a subset of it.

It sits apart from `scorers/` and `learning/` so that both can import it and neither
needs the other to name a label.
"""

from __future__ import annotations

LABELS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
)
