"""`commentmod learn` for the per-language scorers: moderators' decisions on comments in
a language a per-language scorer covers train that scorer (today: Arabic), and only it."""

from __future__ import annotations

import asyncio

from api.runtime import Runtime
from api.services.learn import in_language, site_examples
from moderation.arabic_learning import ArabicLearnResult, learn


async def learn_arabic(runtime: Runtime, *, force: bool = False) -> ArabicLearnResult | None:
    """Retrain the Arabic scorer on the site's Arabic decisions; None when it is off."""
    settings = runtime.settings
    if "ar" not in settings.scorer_options().language_scorers:
        return None
    site = in_language(await site_examples(runtime), "ar")
    return await asyncio.to_thread(
        learn,
        settings.resolved_models_dir(),
        site,
        threshold=settings.hold_threshold,
        force=force,
    )
