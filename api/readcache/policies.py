"""The policy a comment is judged by: site settings, article overrides, process settings.

Settings are read from the database for every comment, so a change takes effect at
once in every process; compiling the word lists is the costly part, so each process
keeps the compiled lists of the settings version it saw last.
"""

from __future__ import annotations

import asyncio

from models.tables import Article, ModerationSettings
from moderation.policy import Policy
from moderation.wordlist import WordList

# Above this many entries, compiling happens in a thread to keep the loop free.
LARGE_LIST = 500


class PolicyCache:
    def __init__(self) -> None:
        self._version = -1
        self._lists: tuple[WordList, WordList] = (WordList(), WordList())
        self._lock = asyncio.Lock()

    async def word_lists(self, settings: ModerationSettings) -> tuple[WordList, WordList]:
        if settings.version == self._version:
            return self._lists
        async with self._lock:
            if settings.version != self._version:
                entries = (settings.banned_words, settings.suspect_words)
                if sum(map(len, entries)) > LARGE_LIST:
                    lists = await asyncio.to_thread(lambda: tuple(WordList(e) for e in entries))
                else:
                    lists = tuple(WordList(e) for e in entries)
                self._lists = (lists[0], lists[1])
                self._version = settings.version
        return self._lists

    async def policy(
        self,
        settings: ModerationSettings,
        article: Article,
        hold_threshold: float,
        new_commenter_hold: int = 0,
    ) -> Policy:
        banned, suspect = await self.word_lists(settings)
        return Policy(
            hold_threshold=hold_threshold,
            label_thresholds=dict(settings.thresholds),
            banned_words=banned,
            suspect_words=suspect,
            premoderate_all=_override(article.premoderate_all, settings.premoderate_all),
            premoderate_links=_override(article.premoderate_links, settings.premoderate_links),
            score_unsupported_languages=settings.score_unsupported_languages,
            new_commenter_hold=new_commenter_hold,
        )


def _override(article_value: bool | None, site_value: bool) -> bool:
    return site_value if article_value is None else article_value
