"""Word-list matching speed: a 10,000-entry list against a 5,000-character comment.

Run:  .venv/bin/python bench/wordlists.py [--runs 200] [--seed 7]

Prints one table: building the list, then find() per comment (median and p99), for
WordList and, side by side in the same run, two naive matchers that catch no
obfuscation at all: one big regex alternation and a per-entry loop.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moderation import folding, wordforms
from moderation.wordlist import WordList

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
_FILLER = """
the a of to and in is it you that he was for on are with as his they be at one have
this from or had by not word but what some we can out other were all there when up
use your how said an each she which do their time if will way about many then them
would write like so these her long make thing see him two has look more day could go
come did number sound no most people my over know water than call first who may down
side been now find any new work part take get place made live where after back
little only round man year came show every good me give our under name very through
just class assistant passage cocktail Scunthorpe glass grass mass
"""
COMMON = _FILLER.split()
HITS = ["plain", "UPPER", "stretched", "leet", "dotted", "spaced"]


def pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def make_entries(rng: random.Random, count: int) -> list[str]:
    entries: set[str] = set()
    while len(entries) < count:
        if rng.random() < 0.05:
            entries.add(" ".join(pseudo_word(rng) for _ in range(rng.randint(2, 3))))
        else:
            entries.add(pseudo_word(rng))
        entries.difference_update(COMMON)  # keep the filler words clean ("time" = ti+me)
    return sorted(entries)


def obfuscate(word: str, style: str, rng: random.Random) -> str:
    if style == "UPPER":
        return word.upper()
    if style == "stretched":
        i = rng.randrange(len(word))
        return word[:i] + word[i] * 4 + word[i + 1 :]
    if style == "leet":
        return word.translate(str.maketrans("aeios", "4310$"))
    if style == "dotted":
        return ".".join(word)
    if style == "spaced":
        return " ".join(word)
    return word


def make_comment(rng: random.Random, entries: list[str], length: int, hits: int) -> str:
    singles = [e for e in entries if " " not in e]
    listed = set(entries)
    words: list[str] = []
    size = 0
    hit_at = sorted(rng.sample(range(length // 10), hits))
    while size < length:
        if len(words) in hit_at:
            style = HITS[hit_at.index(len(words)) % len(HITS)]
            word = obfuscate(rng.choice(singles), style, rng)
        elif rng.random() < 0.7:
            word = rng.choice(COMMON)
        else:
            word = pseudo_word(rng)  # list-like but not listed
            while word in listed:
                word = pseudo_word(rng)
        words.append(word + rng.choice(["", "", "", ",", "."]))
        size += len(words[-1]) + 1
    return " ".join(words)[:length]


def timed(
    fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None
) -> list[float]:
    out = []
    for _ in range(runs):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.3f}"


def clear_caches() -> None:
    wordforms.variants_cached.cache_clear()
    wordforms.shape_cached.cache_clear()
    folding.fold_cluster_cached.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    entries = make_entries(rng, args.entries)
    planted = 8
    comment = make_comment(rng, entries, args.chars, hits=planted)
    # The same comment with some accents and fullwidth letters: the non-ASCII path.
    accented = comment.replace("e", "é", 40).replace("the ", "ｔｈｅ ", 10)

    t0 = time.perf_counter()
    wordforms.token_re()
    token_re_s = time.perf_counter() - t0

    rows: list[tuple[str, bool, list[float]]] = []  # (what, is a find, seconds per run)

    def row(name: str, is_find: bool, samples: list[float]) -> None:
        rows.append((name, is_find, samples))

    runs, naive_runs = args.runs, max(10, min(args.runs, 40))
    row("WordList build, cold caches", False, timed(lambda: WordList(entries), 10, clear_caches))
    words = WordList(entries)
    found = words.find(comment)
    row("WordList.find, cold caches", True, timed(lambda: words.find(comment), runs, clear_caches))
    row("WordList.find, warm caches", True, timed(lambda: words.find(comment), runs))
    row(
        "WordList.find, accents+fullwidth, cold",
        True,
        timed(lambda: words.find(accented), runs, clear_caches),
    )
    empty = WordList()
    row("WordList.find, empty list", True, timed(lambda: empty.find(comment), runs))

    # Naive baseline 1: one regex alternation, case-insensitive, no obfuscation at all.
    def build_alternation() -> re.Pattern[str]:
        body = "|".join(re.escape(e) for e in sorted(entries, key=len, reverse=True))
        return re.compile(rf"\b(?:{body})\b", re.IGNORECASE)

    row("naive: regex alternation build", False, timed(build_alternation, 3, re.purge))
    alternation = build_alternation()
    row(
        "naive: regex alternation find",
        True,
        timed(lambda: alternation.findall(comment), naive_runs),
    )

    # Naive baseline 2: loop over every entry, str.find plus a word-boundary check.
    lowered = [e.lower() for e in entries]

    def per_entry() -> list[tuple[str, int]]:
        text = comment.lower()
        hits = []
        for entry in lowered:
            i = text.find(entry)
            while i != -1:
                j = i + len(entry)
                before_ok = i == 0 or not text[i - 1].isalnum()
                if before_ok and (j == len(text) or not text[j].isalnum()):
                    hits.append((entry, i))
                i = text.find(entry, i + 1)
        return hits

    row("naive: per-entry str.find loop", True, timed(per_entry, naive_runs))

    ours = statistics.median(rows[1][2])
    styles = ", ".join(HITS[k % len(HITS)] for k in range(planted))
    print(f"entries={len(entries)} comment={len(comment)} chars seed={args.seed}")
    print(f"planted hits: {planted} ({styles})")
    naive_found = len(alternation.findall(comment))
    print(f"found by WordList: {len(found)}, by the regex alternation: {naive_found}")
    print(f"first use in a process compiles the token regex: {token_re_s * 1000:.1f} ms")
    print()
    print(f"{'what':40} {'runs':>5} {'median ms':>10} {'p99 ms':>10} {'x cold find':>12}")
    for name, is_find, samples in rows:
        median = statistics.median(samples)
        ratio = f"{median / ours:.1f}x" if is_find else ""
        print(f"{name:40} {len(samples):5} {ms(median):>10} {ms(p99(samples)):>10} {ratio:>12}")


if __name__ == "__main__":
    main()
