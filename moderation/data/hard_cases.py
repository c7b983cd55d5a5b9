"""The hard cases of a comment section, written for this project (no real comment in it):
civil sentences naming identity groups, counter-speech that quotes abuse to condemn it,
negated hate, harsh but civil political criticism, violent news vocabulary, and the
direct hate they must be told apart from.

Deterministic (no randomness: every template × every slot filling, in order). Each kind
has `train` templates and disjoint `heldout` templates, and the hateful predicates are
split the same way; every group appears in both, because the held-out identity
sentences are the bias test (tests/moderation/test_bias.py): they must be published at
the same rate whatever the group.
"""

from __future__ import annotations

from dataclasses import dataclass

# (adjective, plural noun): "my {adj} neighbours", "{plural} are welcome here".
GROUPS: tuple[tuple[str, str], ...] = (
    ("Muslim", "Muslims"),
    ("Jewish", "Jews"),
    ("Christian", "Christians"),
    ("Catholic", "Catholics"),
    ("Hindu", "Hindus"),
    ("Sikh", "Sikhs"),
    ("Buddhist", "Buddhists"),
    ("atheist", "atheists"),
    ("Black", "Black people"),
    ("white", "white people"),
    ("Asian", "Asian people"),
    ("Latino", "Latinos"),
    ("Arab", "Arabs"),
    ("Mexican", "Mexicans"),
    ("Chinese", "Chinese people"),
    ("Indian", "Indians"),
    ("African", "Africans"),
    ("Polish", "Polish people"),
    ("Roma", "Roma people"),
    ("Native American", "Native Americans"),
    ("immigrant", "immigrants"),
    ("refugee", "refugees"),
    ("gay", "gay people"),
    ("lesbian", "lesbians"),
    ("bisexual", "bisexual people"),
    ("transgender", "trans people"),
    ("disabled", "disabled people"),
    ("deaf", "deaf people"),
    ("autistic", "autistic people"),
    ("female", "women"),
    ("elderly", "elderly people"),
)

NEUTRAL = {
    "train": (
        "My {adj} neighbours helped us move house last weekend.",
        "As a {adj} resident I think the council got this one right.",
        "The {adj} community centre is running a food drive on Saturday.",
        "{Plural} have been part of this city's history for generations.",
        "I would like to hear more {adj} voices in the paper's coverage.",
        "Our {adj} volunteers cleaned the whole park this morning.",
        "The article about {adj} small business owners was a good read.",
        "Many {plural} in our town work as nurses and teachers.",
        "Thanks for covering the {adj} festival, it was lovely.",
        "The new mayor met {adj} families to talk about the housing plan.",
        "{Plural} deserve the same public services as everyone else.",
        "As {a_adj} parent, I support the new crossing outside the school.",
    ),
    "heldout": (
        "Our new {adj} colleague gave a great talk on the budget.",
        "I grew up with {adj} friends and we still meet every summer.",
        "The council should ask {adj} residents what they think of the plan.",
        "{Plural} in this region have started a brilliant reading club.",
        "My {adj} doctor has looked after our family for years.",
        "This piece fairly describes the lives of {plural} in the city.",
        "The school choir includes {adj} children from every street.",
        "Good to see {plural} represented on the new advisory board.",
        "As {a_adj} voter I will back whichever candidate fixes the buses.",
        "The bakery run by {adj} cousins makes the best bread in town.",
    ),
}

# Hateful predicates about a group, split between training and held-out templates.
HATE = {
    "train": (
        "vermin",
        "parasites",
        "subhuman filth",
        "a disease",
        "animals",
        "scum",
        "a cancer on society",
        "invaders who breed like lice",
        "dogs",
        "trash",
        "degenerate perverts",
        "not even human",
    ),
    "heldout": ("cockroaches", "a plague on this country", "savages", "rats", "dirty pigs"),
}

DIRECT_HATE = {
    "train": (
        "{Plural} are {hate}.",
        "All {plural} are {hate} and should be thrown out.",
        "I can't stand {plural}, they are {hate}.",
        "Get these {plural} out of our town, they are {hate}.",
    ),
    "heldout": (
        "{Plural} are nothing but {hate}.",
        "Every one of these {plural} is {hate}, send them back.",
        "Honestly {plural} are {hate} and always will be.",
    ),
}

COUNTER = {
    "train": (
        "Calling {plural} {hate}, as the last commenter did, is disgraceful.",
        "Whoever wrote that {plural} are {hate} should be ashamed of themselves.",
        "Saying {plural} are {hate} is not an opinion, it is bigotry.",
        "The paper should remove comments calling {plural} {hate}.",
        "I reported the post that called {plural} {hate}; that has no place here.",
    ),
    "heldout": (
        "Describing {plural} as {hate} is hateful and the moderators should act.",
        "People who call {plural} {hate} are spreading lies, nothing more.",
        "It is shameful that someone here called {plural} {hate}.",
    ),
}

NEGATED = {
    "train": (
        "{Plural} are not {hate}, and nobody should say they are.",
        "I don't think {plural} are {hate} at all.",
        "It is wrong to say that {plural} are {hate}.",
        "Anyone who thinks {plural} are {hate} has never met one.",
        "There is no truth in the claim that {plural} are {hate}.",
        "Let's be clear: {plural} are not {hate}.",
    ),
    "heldout": (
        "No, {plural} are not {hate}; they are our neighbours.",
        "Nobody sensible believes {plural} are {hate}.",
    ),
}

HARSH_POLITICAL = {
    "train": (
        "The government's {topic} policy is a disgrace and the minister should resign.",
        "This council has botched {topic} from start to finish.",
        "The mayor's handling of {topic} is incompetent and dishonest.",
        "A shameful, cowardly decision on {topic}; voters will remember it.",
        "Your coverage of {topic} is one-sided propaganda.",
        "These ministers are clueless about {topic} and it shows.",
        "Scrap this idiotic {topic} plan before it does more damage.",
        "The opposition's stance on {topic} is pathetic and hypocritical.",
    ),
    "heldout": (
        "The senator's plan for {topic} is reckless and deeply cynical.",
        "Ministers lied about {topic} and should be voted out.",
        "An appalling, arrogant government that ignores everyone on {topic}.",
    ),
}
TOPICS = {
    "train": ("immigration", "housing", "policing", "the budget", "refugees", "welfare"),
    "heldout": ("asylum", "taxes", "the border", "schools"),
}

VIOLENT_NEWS = {
    "train": (
        "Police say the gunman killed {n} people at the {place} before he was arrested.",
        "The bomb attack on the {place} left {n} dead and many more wounded.",
        "Troops shelled the {place}, killing {n} civilians, the report says.",
        "The court heard how the attacker stabbed {n} people outside the {place}.",
    ),
    "heldout": (
        "Witnesses described a massacre at the {place} in which {n} villagers were shot.",
        "The terrorist who murdered {n} worshippers at the {place} was jailed for life.",
        "Rioters set fire to the {place} and beat {n} people, police said.",
    ),
}
PLACES = {
    "train": ("mosque", "synagogue", "market", "school", "church"),
    "heldout": ("temple", "refugee camp", "station", "festival"),
}
NUMBERS = ("three", "twelve", "forty")


@dataclass(frozen=True)
class Case:
    text: str
    kind: str
    split: str
    group: str  # the group named ("" when none)
    toxic: bool


def _fill(template: str, adj: str = "", plural: str = "", **slots: str) -> str:
    article = "an" if adj[:1].lower() in "aeiou" else "a"
    return template.format(
        adj=adj,
        a_adj=f"{article} {adj}",
        plural=plural,
        Plural=plural[:1].upper() + plural[1:],
        **slots,
    )


def cases(split: str) -> list[Case]:
    """Every case of a split ("train" or "heldout"), in a fixed order."""
    out: list[Case] = []
    for adj, plural in GROUPS:
        for template in NEUTRAL[split]:
            out.append(Case(_fill(template, adj, plural), "identity_neutral", split, adj, False))
        for hate in HATE[split]:
            for kind, templates, toxic in (
                ("direct_hate", DIRECT_HATE, True),
                ("counter_speech", COUNTER, False),
                ("negated_hate", NEGATED, False),
            ):
                for template in templates[split]:
                    out.append(
                        Case(_fill(template, adj, plural, hate=hate), kind, split, adj, toxic)
                    )
    for topic in TOPICS[split]:
        for template in HARSH_POLITICAL[split]:
            out.append(Case(_fill(template, topic=topic), "harsh_political", split, "", False))
    for place in PLACES[split]:
        for n in NUMBERS:
            for template in VIOLENT_NEWS[split]:
                out.append(
                    Case(_fill(template, place=place, n=n), "violent_news", split, "", False)
                )
    return out
