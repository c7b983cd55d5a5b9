"""Writes seed.jsonl, the cold-start training set of the `learned` scorer.

Deterministic: `python -m moderation.data.build_seed` always writes the same file.
Every text is made from hand-written templates and word lists. Each category has a
train pool and an eval pool of templates, and the slot words are split the same way,
so the evaluation split (`"split": "eval"`) shares no template and no slot word with
training: its figures measure how the model generalises, not how it remembers.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

SEED = 20261201
OUT = Path(__file__).with_name("seed.jsonl")
LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")


@dataclass(frozen=True)
class Pool:
    templates: Sequence[str]
    words: dict[str, Sequence[str]]


@dataclass(frozen=True)
class Category:
    name: str
    labels: tuple[str, ...]
    train: Pool
    eval: Pool
    count: tuple[int, int]
    # An obfuscation applied to some of the texts (None: never).
    obfuscate: float = 0.0


# Slot vocabularies, each split into a train part and an eval part.
TOPICS = (
    [
        "the new bus lanes",
        "the school budget",
        "the stadium deal",
        "the housing plan",
        "the water bill rise",
        "the library closures",
        "the tax cut",
        "the bypass road",
        "the hospital merger",
        "the recycling scheme",
        "the parking fees",
        "the police budget",
    ],
    [
        "the tram extension",
        "the council's pension fund",
        "the flood defences",
        "the new curfew",
        "the bridge tolls",
        "the airport expansion",
        "the wind farm",
    ],
)
OFFICIALS = (
    [
        "the mayor",
        "the council leader",
        "the minister",
        "the editor",
        "the senator",
        "the coach",
        "the chief constable",
        "the governor",
    ],
    [
        "the prime minister",
        "the treasurer",
        "the club chairman",
        "the health secretary",
        "the columnist",
    ],
)
PLACES = (
    [
        "Aleppo",
        "the capital",
        "the northern province",
        "Khartoum",
        "the border town",
        "Mariupol",
        "the refugee camp",
        "the old city",
    ],
    ["Gaza City", "the eastern region", "Mogadishu", "the mountain villages", "Kabul"],
)
CITIES = (
    ["Paris", "Leeds", "Chicago", "Toronto", "Marseille", "Manchester", "Berlin"],
    ["Lyon", "Glasgow", "Atlanta", "Melbourne", "Dublin"],
)
IDENTITIES = (
    [
        "Muslim",
        "Jewish woman",
        "gay man",
        "Black father",
        "immigrant",
        "Catholic",
        "trans woman",
        "Mexican American",
        "Hindu",
        "wheelchair user",
    ],
    [
        "Sikh",
        "lesbian",
        "Nigerian nurse",
        "Buddhist",
        "Roma woman",
        "Arab student",
        "refugee from Syria",
    ],
)
GROUPS = (
    [
        "Muslims",
        "Jews",
        "immigrants",
        "gay people",
        "Black people",
        "Mexicans",
        "trans people",
        "Catholics",
        "refugees",
        "Asians",
    ],
    ["Sikhs", "Arabs", "lesbians", "Africans", "Roma", "Hindus", "Chinese people"],
)
INSULT_NOUNS = (
    [
        "idiot",
        "moron",
        "clown",
        "imbecile",
        "halfwit",
        "loser",
        "fool",
        "cretin",
        "dimwit",
        "simpleton",
        "troll",
        "muppet",
    ],
    ["buffoon", "nitwit", "numpty", "dunce", "nincompoop", "pinhead", "bonehead"],
)
INSULT_ADJS = (
    ["stupid", "pathetic", "brainless", "clueless", "worthless", "dense", "ignorant"],
    ["spineless", "witless", "gormless", "moronic", "vapid"],
)
PROFANE = (
    ["fucking", "shitty", "goddamn", "bloody fucking", "crappy"],
    ["damned fucking", "bullshit", "piss-poor", "motherfucking"],
)
PROFANE_NOUNS = (
    ["shit", "crap", "bullshit", "horseshit"],
    ["crock of shit", "pile of crap", "load of bollocks"],
)
VULGAR_NOUNS = (
    ["asshole", "dickhead", "prick", "bastard", "arsehole"],
    ["wanker", "shithead", "douchebag", "jackass"],
)
HARMS = (
    ["kill", "beat", "hurt", "stab", "shoot", "strangle"],
    ["burn", "break the legs of", "smash the face of", "bury"],
)
RELATIVES = (["family", "kids", "wife", "mother"], ["children", "husband", "parents"])
PRAISE = (
    [
        "Great reporting",
        "Thanks for covering this",
        "Really useful piece",
        "Good to see this covered",
        "Clear and fair article",
    ],
    ["Excellent summary", "Much appreciated reporting", "A thoughtful write-up"],
)
ACTIONS = (
    [
        "publish the full costs",
        "hold a public meeting",
        "listen to residents",
        "delay the vote",
        "fund more nurses",
        "fix the potholes first",
    ],
    ["run a proper consultation", "release the audit", "pause the contract", "ask the ombudsman"],
)
SPORTS = (
    ["United", "the Eagles", "City", "the home side", "the Lions"],
    ["Rovers", "the Bulls", "the visitors", "the Hawks"],
)

CIVIL = Category(
    "civil",
    (),
    Pool(
        [
            "{praise} on {topic}.",
            "I think {official} should {action} before anything else.",
            "{praise}. My street has been waiting years for this.",
            "Does anyone know when {topic} starts? The article doesn't say.",
            "I disagree with {official} on {topic}, but it's a fair point about cost.",
            "Interesting. I'd like to see more numbers on {topic}.",
            "My neighbour works at the depot and says {topic} is popular with staff.",
            "Had no idea about {topic}. {praise}.",
            "We moved to {city} last year and {topic} is what everyone talks about.",
            "Could the paper follow up on {topic} next month?",
        ],
        {
            "praise": PRAISE[0],
            "topic": TOPICS[0],
            "official": OFFICIALS[0],
            "action": ACTIONS[0],
            "city": CITIES[0],
        },
    ),
    Pool(
        [
            "{praise}; it explains {topic} better than the council did.",
            "Happy to pay a little more if {official} would {action}.",
            "Genuine question: who decides on {topic}?",
            "Lovely photos. {praise}.",
            "Old resident of {city} here, and {topic} seems sensible to me.",
        ],
        {
            "praise": PRAISE[1],
            "topic": TOPICS[1],
            "official": OFFICIALS[1],
            "action": ACTIONS[1],
            "city": CITIES[1],
        },
    ),
    (240, 70),
)

HARSH_CIVIL = Category(
    "harsh_but_civil",
    (),
    Pool(
        [
            "This is a terrible decision and {official} should resign over {topic}.",
            "Lazy, one-sided reporting. You never asked anyone who opposes {topic}.",
            "{topic} is a disaster and a waste of our money.",
            "The argument in this column is weak and the numbers are simply wrong.",
            "{official} has failed on {topic} and the voters will remember.",
            "Frankly this is the worst policy I have seen in twenty years.",
            "Incompetent planning from start to finish. {topic} was doomed.",
            "I'm furious. {official} promised one thing and did the opposite.",
            "What a shambles. Nobody in charge of {topic} knows what they are doing.",
        ],
        {"official": OFFICIALS[0], "topic": TOPICS[0]},
    ),
    Pool(
        [
            "A dreadful plan, badly argued, and {official} knows it.",
            "{topic} is an expensive mistake that we will all regret.",
            "Embarrassing journalism: no sources, no figures, no balance.",
            "{official} should be ashamed of how {topic} was handled.",
            "Utterly unconvincing. This piece reads like a press release.",
        ],
        {"official": OFFICIALS[1], "topic": TOPICS[1]},
    ),
    (220, 70),
)

NEWS_VIOLENCE = Category(
    "news_violence",
    (),
    Pool(
        [
            "The regime killed civilians in {place} and the world looked away.",
            "Reports say soldiers shot protesters in {place} last night.",
            "The militia bombed a school in {place}; at least a dozen died.",
            "Police say the suspect stabbed two men before he was arrested.",
            "The article should mention how many people were murdered in {place}.",
            "Troops massacred villagers near {place}, according to the UN.",
            "The gunman who killed four people had been reported before.",
            "Rebels executed prisoners in {place}. This needs an inquiry.",
            "Terrorists attacked the market in {place} and killed shoppers.",
        ],
        {"place": PLACES[0]},
    ),
    Pool(
        [
            "Shelling in {place} wounded hundreds of civilians this week.",
            "Witnesses in {place} described how the army slaughtered farmers.",
            "The court heard the defendant strangled his victim.",
            "Air strikes on {place} destroyed a hospital and killed doctors.",
            "Why is nobody talking about the killings in {place}?",
        ],
        {"place": PLACES[1]},
    ),
    (200, 60),
)

IDENTITY_NEUTRAL = Category(
    "identity_neutral",
    (),
    Pool(
        [
            "As a {identity} living in {city}, I found this article very fair.",
            "As a {identity}, I'd like to see {topic} explained in more languages.",
            "I'm a {identity} and I work at the hospital; the new rota is fine.",
            "The {groups} in my street organised the food bank this winter.",
            "Speaking as a {identity}, {topic} matters to my family too.",
            "The festival for {groups} in {city} was wonderful this year.",
            "Discrimination against {groups} should be reported, and I'm glad you did.",
        ],
        {"identity": IDENTITIES[0], "city": CITIES[0], "topic": TOPICS[0], "groups": GROUPS[0]},
    ),
    Pool(
        [
            "My family are {groups} and we have lived in {city} for forty years.",
            "I'm a {identity} and honestly {topic} worries me more than anything.",
            "Good article about {groups} volunteering at the shelter.",
            "As a {identity} in {city}, I appreciate the careful wording here.",
        ],
        {"identity": IDENTITIES[1], "city": CITIES[1], "topic": TOPICS[1], "groups": GROUPS[1]},
    ),
    (200, 60),
)

IDIOMS = Category(
    "idioms_and_sport",
    (),
    Pool(
        [
            "This bill will kill jobs in the whole region.",
            "{team} absolutely murdered them 5-0 last night.",
            "The comedian killed it at the festival.",
            "{topic} is going to be a killer for small businesses.",
            "{team} got slaughtered in the second half, what a game.",
            "I'd kill for a decent bus service in {city}.",
            "That goal was insane, the keeper had no chance.",
            "The new tax will hit pensioners hard.",
            "My feet are killing me after the marathon.",
            "{team} need to shoot more from distance.",
        ],
        {"team": SPORTS[0], "topic": TOPICS[0], "city": CITIES[0]},
    ),
    Pool(
        [
            "{topic} would be the death of the high street.",
            "{team} were crushed, but they fought to the end.",
            "The band blew the roof off the arena.",
            "{team} are dead and buried in this league.",
            "Prices in {city} are murder these days.",
        ],
        {"team": SPORTS[1], "topic": TOPICS[1], "city": CITIES[1]},
    ),
    (200, 60),
)

INSULT = Category(
    "insult",
    ("toxicity", "insult"),
    Pool(
        [
            "You are a {noun}.",
            "Only a {adj} {noun} would write this.",
            "{official} is a {adj} {noun} and always has been.",
            "Shut up, you {adj} {noun}.",
            "The writer of this piece is an absolute {noun}.",
            "Anyone who supports {topic} is a {noun}.",
            "What a {adj} thing to say, you {noun}.",
            "Nobody cares what a {noun} like you thinks.",
            "Go back to school, {noun}.",
        ],
        {
            "noun": INSULT_NOUNS[0],
            "adj": INSULT_ADJS[0],
            "official": OFFICIALS[0],
            "topic": TOPICS[0],
        },
    ),
    Pool(
        [
            "Typical {noun} comment from a {adj} reader.",
            "{official} is a {adj} {noun}, plain and simple.",
            "Are you really this {adj}? What a {noun}.",
            "Another {noun} who can't read past the headline.",
            "You {adj} little {noun}.",
        ],
        {"noun": INSULT_NOUNS[1], "adj": INSULT_ADJS[1], "official": OFFICIALS[1]},
    ),
    (240, 75),
    obfuscate=0.25,
)

OBSCENE = Category(
    "obscene",
    ("toxicity", "obscene"),
    Pool(
        [
            "This is {profane} nonsense about {topic}.",
            "What a load of {pnoun}.",
            "{topic} is {profane} ridiculous.",
            "Holy {pnoun}, this council is a {profane} joke.",
            "Who gives a {profane} damn about {topic}?",
            "This paper prints nothing but {pnoun}.",
            "{official} can go fuck himself.",
        ],
        {
            "profane": PROFANE[0],
            "pnoun": PROFANE_NOUNS[0],
            "topic": TOPICS[0],
            "official": OFFICIALS[0],
        },
    ),
    Pool(
        [
            "{topic}? Total {pnoun}.",
            "Same {profane} story every week.",
            "Stop printing this {pnoun}, {official}.",
            "{profane} waste of everyone's time.",
        ],
        {
            "profane": PROFANE[1],
            "pnoun": PROFANE_NOUNS[1],
            "topic": TOPICS[1],
            "official": OFFICIALS[1],
        },
    ),
    (200, 60),
    obfuscate=0.3,
)

VULGAR_INSULT = Category(
    "vulgar_insult",
    ("toxicity", "obscene", "insult"),
    Pool(
        [
            "You are a {vulgar}.",
            "{official} is a {profane} {vulgar}.",
            "Shut your mouth, you {vulgar}.",
            "Only a total {vulgar} would defend {topic}.",
        ],
        {
            "vulgar": VULGAR_NOUNS[0],
            "profane": PROFANE[0],
            "official": OFFICIALS[0],
            "topic": TOPICS[0],
        },
    ),
    Pool(
        [
            "What a {profane} {vulgar} you are.",
            "{official}, you {vulgar}.",
            "Ignore this {vulgar} and his {profane} opinions.",
        ],
        {"vulgar": VULGAR_NOUNS[1], "profane": PROFANE[1], "official": OFFICIALS[1]},
    ),
    (140, 45),
    obfuscate=0.3,
)

THREAT = Category(
    "threat",
    ("toxicity", "threat"),
    Pool(
        [
            "I will find you and {harm} you.",
            "Someone should {harm} {official} for this.",
            "Keep writing this and I'll {harm} you myself.",
            "You'd better watch your back, I know where you live.",
            "If {official} shows up here we will {harm} him.",
            "People like you deserve to get {harmed}, and soon.",
            "Say that to my face and I'll {harm} you.",
            "I'm coming to your office, and you won't walk out.",
        ],
        {
            "harm": HARMS[0],
            "harmed": ["killed", "beaten", "hurt", "stabbed", "shot"],
            "official": OFFICIALS[0],
        },
    ),
    Pool(
        [
            "We know your address. Sleep well while you can.",
            "One day soon someone will {harm} {official}, and I'll cheer.",
            "Write one more word and I will {harm} you.",
            "Your car and your house won't be safe, reporter.",
        ],
        {"harm": HARMS[1], "official": OFFICIALS[1]},
    ),
    (220, 65),
    obfuscate=0.1,
)

IDENTITY_ATTACK = Category(
    "identity_attack",
    ("toxicity", "identity_attack"),
    Pool(
        [
            "{groups} are ruining this country.",
            "Send all the {groups} back where they came from.",
            "{groups} should not be allowed to vote.",
            "Of course the criminal was one of those {groups}.",
            "Never trust {groups}, they are all liars.",
            "This city was better before the {groups} arrived.",
            "{groups} are animals and everyone knows it.",
            "No {groups} should be allowed to teach our children.",
        ],
        {"groups": GROUPS[0]},
    ),
    Pool(
        [
            "{groups} are parasites living off the rest of us.",
            "Typical {groups}, breeding like rats.",
            "Ban {groups} from this neighbourhood once and for all.",
            "{groups} are dirty and dangerous, keep them out.",
        ],
        {"groups": GROUPS[1]},
    ),
    (220, 65),
)

SEVERE = Category(
    "severe",
    ("toxicity", "severe_toxicity", "obscene", "threat"),
    Pool(
        [
            "I hope you and your {relative} die, you {profane} {vulgar}.",
            "I'm going to {harm} you and your {relative}, you {profane} piece of shit.",
            "Die in a fire, you {profane} {vulgar}.",
            "Kill yourself, {vulgar}.",
        ],
        {
            "relative": RELATIVES[0],
            "profane": PROFANE[0],
            "vulgar": VULGAR_NOUNS[0],
            "harm": HARMS[0],
        },
    ),
    Pool(
        [
            "{profane} {vulgar}, I hope your {relative} rot in the ground.",
            "Go hang yourself, you {profane} {vulgar}.",
            "I will {harm} your {relative}, {vulgar}.",
        ],
        {
            "relative": RELATIVES[1],
            "profane": PROFANE[1],
            "vulgar": VULGAR_NOUNS[1],
            "harm": HARMS[1],
        },
    ),
    (130, 40),
    obfuscate=0.2,
)

SEVERE_HATE = Category(
    "severe_hate",
    ("toxicity", "severe_toxicity", "identity_attack", "threat"),
    Pool(
        [
            "All {groups} should be shot.",
            "Gas the {groups}, every last one of them.",
            "We need to wipe out the {groups} before they breed.",
        ],
        {"groups": GROUPS[0]},
    ),
    Pool(
        [
            "Exterminate the {groups}, they are vermin.",
            "Round up the {groups} and burn them.",
        ],
        {"groups": GROUPS[1]},
    ),
    (90, 30),
)

CATEGORIES = (
    CIVIL,
    HARSH_CIVIL,
    NEWS_VIOLENCE,
    IDENTITY_NEUTRAL,
    IDIOMS,
    INSULT,
    OBSCENE,
    VULGAR_INSULT,
    THREAT,
    IDENTITY_ATTACK,
    SEVERE,
    SEVERE_HATE,
)

LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "$", "t": "7"}


def _leet(word: str, rng: random.Random) -> str:
    return "".join(LEET[c] if c in LEET and rng.random() < 0.6 else c for c in word)


def _stars(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    keep = rng.choice([1, 2])
    return word[:keep] + "*" * (len(word) - keep - 1) + word[-1]


def _spaced(word: str, rng: random.Random) -> str:
    return rng.choice([" ", ".", "-"]).join(word)


def _stretch(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    return word[:i] + word[i] * rng.randint(2, 4) + word[i:]


OBFUSCATIONS: tuple[Callable[[str, random.Random], str], ...] = (_leet, _stars, _spaced, _stretch)


def obfuscate(text: str, slot_words: Sequence[str], rng: random.Random) -> str:
    """Disguise the slot words (the insults, swear words, verbs of harm) in one way."""
    how = rng.choice(OBFUSCATIONS)
    # Longest first (ties alphabetically: no dependence on string hashing).
    for word in sorted(set(slot_words), key=lambda w: (-len(w), w)):
        for part in word.split():
            if len(part) >= 4 and part.lower() not in {"your", "the"}:
                text = text.replace(part, how(part, rng), 1)
    return text


def fill(pool: Pool, rng: random.Random) -> tuple[str, list[str]]:
    template = rng.choice(pool.templates)
    used: list[str] = []
    values: dict[str, str] = {}
    for slot, words in pool.words.items():
        if "{" + slot + "}" in template:
            values[slot] = rng.choice(list(words))
            used.append(values[slot])
    text = template.format(**values)
    return text[0].upper() + text[1:], used


SKIP_OBFUSCATION = {"official", "topic", "city", "place", "groups", "identity", "team"}


def generate() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for category in CATEGORIES:
        for split, pool, count in (
            ("train", category.train, category.count[0]),
            ("eval", category.eval, category.count[1]),
        ):
            made, tries = 0, 0
            while made < count and tries < count * 50:
                tries += 1
                text, used = fill(pool, rng)
                kind = category.name
                if category.obfuscate and rng.random() < category.obfuscate:
                    slot_words = [
                        w
                        for slot, words in pool.words.items()
                        if slot not in SKIP_OBFUSCATION
                        for w in words
                        if w in used
                    ]
                    disguised = obfuscate(text, slot_words, rng)
                    if disguised != text:
                        text, kind = disguised, kind + "+obfuscated"
                if text in seen:
                    continue
                seen.add(text)
                rows.append(
                    {
                        "text": text,
                        "labels": {label: int(label in category.labels) for label in LABELS},
                        "kind": kind,
                        "split": split,
                    }
                )
                made += 1
    return rows


def main() -> None:
    rows = generate()
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        labels = row["labels"]
        assert isinstance(labels, dict)
        for label, value in labels.items():
            if value:
                key = (str(row["split"]), label)
                counts[key] = counts.get(key, 0) + 1
        key = (str(row["split"]), "all")
        counts[key] = counts.get(key, 0) + 1
    print(f"wrote {len(rows)} rows to {OUT}")
    for label in ("all", *LABELS):
        print(
            f"{label:16} train {counts.get(('train', label), 0):5}  "
            f"eval {counts.get(('eval', label), 0):5}"
        )


if __name__ == "__main__":
    main()
