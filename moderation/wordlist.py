"""Find banned or suspect words in a comment: whole words, case-blind, obfuscation-aware.

One job: given a list of words and phrases, report every whole-word occurrence in a
text as a character span into the *original* text, so a UI can highlight it.

How it matches
--------------
Both the list entries and the comment go through the same folding:

* per character cluster (a base character and the marks that follow it): Unicode
  NFKC, then casefold; for Latin, Greek and Cyrillic, accents are stripped (NFD, drop
  the marks), so "Fück", "ＦＵＣＫ" and "ﬁ" fold to "fuck", "fuck" and "fi". Other
  scripts keep their marks (a kana's voicing mark or a Devanagari vowel sign changes
  the word), except Arabic, which is normalised (harakat and tatweel dropped, أ إ آ
  -> ا, ى -> ي, ة -> ه; see moderation.folding). Invisible format characters
  (zero-width space, soft hyphen) are dropped.
  An index map keeps every folded character's origin, so spans point into the
  original string even where folding changes lengths.
* the folded text is cut into word tokens once. A token is a run of letters, digits,
  marks and the leet symbols ``@ $ | €`` (and ``!`` inside or before a word, not at its
  end). CJK ideographs and kana are one token each, so a CJK entry is matched as a
  sequence of characters (those scripts don't separate words with spaces).

Each token is then looked up, never each entry scanned: entries live in a trie keyed
by token *skeleton* (the token with runs of a repeated character collapsed), so the
cost of ``find`` grows with the comment, not the list. A multi-word entry is a path
of several tokens in that trie (any non-word characters may separate its words).

For every token a few alternative forms are looked up, all bounded:

* leetspeak: ``0→o 1→i/l 3→e 4→a 5→s 7→t 8→b 9→g @→a $→s !→i |→i/l €→e`` when the
  token has a letter ("sh1t", "a$$") or is made of leet symbols only ("@$$"). Numbers
  ("455", "$5", "1000") are never read as words; an entry made of digits ("1488")
  matches literally.
* look-alike Cyrillic and Greek letters folded to Latin ("fuсk" with a Cyrillic с).
* Arabic without a proclitic ("والحمار", "بالحمار" -> "حمار"), and Arabizi with its
  digits read as letters ("7mar" -> "hmar", "yel3an" -> "yelan"; moderation.wordforms).
* separated letters: single characters separated by gaps of 1-3 characters on one
  line ("f u c k", "f. u. c. k"), and tokens separated by 1-3 punctuation characters
  without spaces ("f.u.c.k", "f-u.c_k", "fu..ck", "don't"), are also tried as one
  joined word. Only the whole
  chain is tried, not its parts, so "a s s i s t a n t" stays clean; for spaced
  letters, one letter may also be dropped at either end, for a one-letter word that
  runs into the chain ("a f u c k i n g", "I f u c k"), as long as three letters
  remain. So a spelled-out word whose first or last letter is dropped could match
  ("b a s s" -> "ass"): rare, and the price of catching "a f u c k".

Repeated letters: a run of three or more of one character in the comment stands for a
run of any length in the entry, while single and double letters must match exactly.
So "fuuuuck" and "fuuuuuuck" match "fuck", "good" does not match "god" and "as" does
not match "ass", but "fuuck" (only doubled) does not match "fuck", and "goooood"
matches "god" if "god" is on the list. Collapsing every run on both sides would catch
"fuuck" but make "good" hit "god" and "as" hit "ass", which is worse.

Whole words only: a token must equal an entry, so "Scunthorpe", "class", "assistant",
"passage" and "cocktail" do not match "cunt", "ass" or "cock"; the flip side is that
inflections and compounds ("fucking", "motherfucker") must be listed themselves.

Not caught: masking ("f*ck", "f**k"), misspellings and sound-alikes ("fuk", "phuck"),
a word split by spaces into pieces longer than one letter ("fu ck"), reversed words,
spaces mixed with tight punctuation ("f.u c.k"), two words spelled out back to back
("f u c k i d i o t" is one chain), leet symbols outside the table above.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from moderation.decision import Span
from moderation.folding import Folded, fold
from moderation.wordforms import (
    ASCII_TOKEN,
    arabizi_form,
    shape,
    sigs_match,
    token_re,
    tokens,
    variants,
)

__all__ = ["Folded", "Match", "WordList", "fold"]


# -- the list ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """One occurrence: the list entry and its span in the original text (end exclusive)."""

    entry: str
    start: int
    end: int

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


class _Node:
    __slots__ = ("children", "terminals")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        # (entry index, run signature of each token on the path)
        self.terminals: list[tuple[int, tuple[str, ...]]] = []


def _entry_paths(entry: str) -> list[tuple[str, ...]]:
    """The token sequence an entry is matched as: its words, split at whitespace.

    A word's pieces are joined ("don't" -> ("dont",), "a-hole" -> ("ahole",)), which a
    comment's "don't", "dont" and "a-hole" all reach (a comment's tight punctuation
    joins too) while "a hole" does not. CJK characters are one word each. An Arabizi
    word is also indexed spelled with letters only ("7mar" -> "hmar"), which is how a
    comment's Arabizi token is looked up too.
    """
    text = entry.lower() if entry.isascii() else fold(entry).text
    if (ASCII_TOKEN if text.isascii() else token_re()).fullmatch(text):
        return _with_arabizi((text,))  # one plain word, the common case
    starts, ends, keys = tokens(text)
    if not keys:
        return []
    words = [keys[0]]
    for k in range(1, len(keys)):
        gap = text[ends[k - 1] : starts[k]]
        if gap and not any(c.isspace() for c in gap):
            words[-1] += keys[k]
        else:
            words.append(keys[k])
    return _with_arabizi(tuple(words))


def _with_arabizi(path: tuple[str, ...]) -> list[tuple[str, ...]]:
    spelled = tuple(arabizi_form(word) or word for word in path)
    return [path] if spelled == path else [path, spelled]


def _gap_kind(text: str, end: int, start: int, single: bool) -> int:
    """0: words stay apart; 1: tight ("f.u", "fu-ck"); 2: spaced single letters ("f u")."""
    width = start - end
    if width == 0 or width > 3:
        return 0
    gap = text[end:start]
    if not any(c.isspace() for c in gap):
        return 1
    return 2 if single and "\n" not in gap else 0


class WordList:
    """An immutable, hashable list of words and phrases, indexed once for fast ``find``."""

    __slots__ = ("_entries", "_hash", "_root")

    _entries: tuple[str, ...]
    _hash: int
    _root: _Node

    def __init__(self, entries: Iterable[str] = ()) -> None:
        if isinstance(entries, str):
            raise TypeError("WordList takes an iterable of entries, not one string")
        cleaned = tuple(dict.fromkeys(filter(None, (e.strip() for e in entries))))
        root = _Node()
        top = root.children
        for index, entry in enumerate(cleaned):
            if entry.isascii() and entry.isalnum() and arabizi_form(entry.lower()) is None:
                # One plain ASCII word, the common case: a node right under the root.
                skeleton, sig = shape(entry.lower())
                node = top.get(skeleton)
                if node is None:
                    node = top[skeleton] = _Node()
                    node.terminals.append((index, (sig,)))
                else:
                    self._terminal(node, index, (sig,))
                continue
            for path in _entry_paths(entry):
                node = root
                sigs: list[str] = []
                for key in path:
                    skeleton, sig = shape(key)
                    sigs.append(sig)
                    child = node.children.get(skeleton)
                    if child is None:
                        child = node.children[skeleton] = _Node()
                    node = child
                self._terminal(node, index, tuple(sigs))
        object.__setattr__(self, "_entries", cleaned)
        object.__setattr__(self, "_hash", hash(cleaned))
        object.__setattr__(self, "_root", root)

    @staticmethod
    def _terminal(node: _Node, index: int, signature: tuple[str, ...]) -> None:
        # Two spellings that fold alike ("Fück", "fuck"): the first one names the match.
        if all(s != signature for _, s in node.terminals):
            node.terminals.append((index, signature))

    @property
    def entries(self) -> tuple[str, ...]:
        return self._entries

    def find(self, text: str) -> list[Match]:
        """Every whole-word occurrence of an entry, ordered by position."""
        root = self._root
        if not root.children or not text:
            return []
        folded = fold(text)
        norm = folded.text
        starts, ends, keys = tokens(norm)
        n = len(keys)

        # Chains of tokens that may be one word spelled apart: key = token index where
        # the chain starts, value = (index after its last token, joined text).
        chains: dict[int, list[tuple[int, str]]] = {}
        run_start, run_kind = 0, 0
        for k in range(n):
            if k + 1 < n:
                single = len(keys[k]) == 1 and len(keys[k + 1]) == 1
                if starts[k + 1] - ends[k] == 1 and norm[ends[k]] == " " and not single:
                    kind = 0  # the common case, decided without slicing
                else:
                    kind = _gap_kind(norm, ends[k], starts[k + 1], single)
            else:
                kind = 0
            if kind != run_kind:
                if run_kind:
                    self._add_chains(chains, keys, run_start, k + 1, spaced=run_kind == 2)
                run_start, run_kind = k, kind

        hits: dict[tuple[int, int, int], None] = {}

        def arcs(i: int) -> Iterator[tuple[int, str]]:
            yield i + 1, keys[i]
            yield from chains.get(i, ())

        def descend(node: _Node, sigs: tuple[str, ...], first: int, nxt: int) -> None:
            for index, entry_sigs in node.terminals:
                if sigs_match(sigs, entry_sigs):
                    hits[(starts[first], ends[nxt - 1], index)] = None
            if node.children and nxt < n:
                for after, key in arcs(nxt):
                    for skeleton, sig in variants(key):
                        child = node.children.get(skeleton)
                        if child is not None:
                            descend(child, (*sigs, sig), first, after)

        top = root.children
        for i in range(n):
            for skeleton, sig in variants(keys[i]):
                child = top.get(skeleton)
                if child is not None:
                    descend(child, (sig,), i, i + 1)
            for after, key in chains.get(i, ()):
                for skeleton, sig in variants(key):
                    child = top.get(skeleton)
                    if child is not None:
                        descend(child, (sig,), i, after)

        matches: dict[Match, None] = {}
        for start, end, index in hits:
            o_start, o_end = folded.original_span(start, end)
            matches[Match(self._entries[index], o_start, o_end)] = None
        return sorted(matches, key=lambda m: (m.start, m.end, m.entry))

    @staticmethod
    def _add_chains(
        chains: dict[int, list[tuple[int, str]]], keys: list[str], a: int, b: int, spaced: bool
    ) -> None:
        """Tokens a..b-1 may be one word. Spaced letters may also carry a one-letter word
        at either end ("a f u c k i n g"), so those ends are dropped too, leaving >= 3."""
        chains.setdefault(a, []).append((b, "".join(keys[a:b])))
        if spaced and b - a >= 4:
            chains.setdefault(a + 1, []).append((b, "".join(keys[a + 1 : b])))
            chains.setdefault(a, []).append((b - 1, "".join(keys[a : b - 1])))
            if b - a >= 5:
                chains.setdefault(a + 1, []).append((b - 1, "".join(keys[a + 1 : b - 1])))

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WordList):
            return NotImplemented
        return self._entries == other._entries

    def __hash__(self) -> int:
        return self._hash

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("WordList is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("WordList is immutable")

    def __reduce__(self) -> tuple[type[WordList], tuple[tuple[str, ...]]]:
        return WordList, (self._entries,)

    def __repr__(self) -> str:
        return f"WordList({len(self._entries)} entries)"
