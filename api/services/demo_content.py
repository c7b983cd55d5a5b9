"""What `commentmod serve --demo` loads: articles, threads in English and Arabic, a
moderation policy that holds some of them, and a report. All text written for this
project; api/services/demo.py puts it through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from api.http.auth import Identity, Role
from api.services.articles import ArticleData

ARTICLES = [
    ArticleData(
        slug="river-bridge-reopens",
        title="Old river bridge reopens after two years of repairs",
        body=(
            "The stone bridge on Mill Street reopened to pedestrians and cyclists on Monday "
            "after a two-year restoration that replaced its crumbling parapets and drainage.\n\n"
            "City engineers said cars will be allowed back in the spring once load tests end. "
            "Shop owners on both banks welcomed the news, saying footfall fell by a third "
            "while the crossing was closed."
        ),
        published_at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
    ),
    ArticleData(
        slug="council-budget-vote",
        title="Council delays budget vote over library funding",
        body=(
            "A vote on next year's budget was postponed on Thursday after members could not "
            "agree on whether to keep all five branch libraries open on weekends.\n\n"
            "The finance committee will present two alternative plans next week."
        ),
        published_at=datetime(2026, 11, 29, 17, 30, tzinfo=UTC),
    ),
    ArticleData(
        slug="night-trains-return",
        title="Night trains to the coast return for the summer season",
        body=(
            "Regional rail will run overnight services to the coast from June to September, "
            "the operator announced, reversing a cut made three years ago.\n\n"
            "Tickets go on sale in March; sleeper cabins will cost about the same as a hotel room."
        ),
        published_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        language="en",
    ),
]


# The demo's moderation policy, added to the site's (nothing is removed from it).
BANNED_WORDS = ["crypto giveaway"]
SUSPECT_WORDS = ["scam", "liar"]
PREMODERATE_LINKS = True

MODERATOR = Identity(user_id="demo-moderator", name="Demo moderator", role=Role.MODERATOR)
ADMIN = Identity(user_id="demo-admin", name="Demo admin", role=Role.ADMIN)
PEOPLE = {
    key: Identity(user_id=f"demo-{key}", name=name, role=Role.COMMENTER)
    for key, name in {
        "maria": "Maria",
        "tom": "Tom",
        "layla": "ليلى",
        "omar": "Omar",
        "dave": "Dave",
        "kevin": "Kevin",
        "samir": "سمير",
        "promo": "Promo Deals",
        "anna": "Anna",
    }.items()
}
# Every comment by this person waits for a moderator.
PREMODERATED = "samir"


@dataclass(frozen=True)
class DemoComment:
    key: str  # stable across runs: the comment's clientMutationId is "demo:" + key
    article: str  # slug
    author: str  # a key of PEOPLE
    body: str
    parent: str | None = None  # the key of the comment this one replies to
    # False: meant for the moderation queue, held (or rejected) by the demo policy.
    publish: bool = True


COMMENTS = [
    DemoComment(
        "bridge-1",
        "river-bridge-reopens",
        "maria",
        "Walked across this morning with the kids. The new railings look great and the "
        "path is finally level.",
    ),
    DemoComment(
        "bridge-1a",
        "river-bridge-reopens",
        "tom",
        "Agreed. Does anyone know whether the cycle lane on the east bank is open yet?",
        parent="bridge-1",
    ),
    DemoComment(
        "bridge-1b",
        "river-bridge-reopens",
        "maria",
        "It is: it opened on Monday together with the bridge.",
        parent="bridge-1a",
    ),
    DemoComment(
        "bridge-2",
        "river-bridge-reopens",
        "layla",
        "خبر رائع! كنت أعبر هذا الجسر كل يوم في طريقي إلى العمل، وسأعود الآن إلى الدراجة.",
    ),
    DemoComment(
        "bridge-2a",
        "river-bridge-reopens",
        "omar",
        "أخيرا! أتمنى أن يفتحوا الجسر للسيارات في الربيع كما وعدوا.",
        parent="bridge-2",
    ),
    DemoComment(
        "bridge-3",
        "river-bridge-reopens",
        "dave",
        "Two years and who knows how much money. The full story is at www.bridge-truth.info, "
        "read it before you believe the council.",
        publish=False,  # LINKS
    ),
    DemoComment(
        "budget-1",
        "council-budget-vote",
        "tom",
        "Closing libraries at weekends would hit students hardest. Keep them open and cut "
        "the consultants instead.",
    ),
    DemoComment(
        "budget-1a",
        "council-budget-vote",
        "layla",
        "أوافقك تماما، المكتبات ليست رفاهية بل خدمة أساسية.",
        parent="budget-1",
    ),
    DemoComment(
        "budget-2",
        "council-budget-vote",
        "kevin",
        "The councillors who wrote this plan have clearly never set foot in a library.",
    ),
    DemoComment(
        "budget-3",
        "council-budget-vote",
        "kevin",
        "This budget is a scam, and the finance chair is a liar.",
        publish=False,  # SUSPECT_WORD
    ),
    DemoComment(
        "budget-4",
        "council-budget-vote",
        "samir",
        "أتمنى أن تبقى مكتبة الحي مفتوحة يوم السبت، فهي المكان الهادئ الوحيد للدراسة.",
        publish=False,  # USER_PREMODERATED
    ),
    DemoComment(
        "budget-5",
        "council-budget-vote",
        "promo",
        "Crypto giveaway today only! Message me for your free coins.",
        publish=False,  # BANNED_WORD: rejected outright
    ),
    DemoComment(
        "trains-1",
        "night-trains-return",
        "anna",
        "Took the sleeper to the coast years ago and loved it. Glad it is coming back.",
    ),
    DemoComment(
        "trains-1a",
        "night-trains-return",
        "tom",
        "I hope they bring back the bike carriage too.",
        parent="trains-1",
    ),
    DemoComment(
        "trains-2",
        "night-trains-return",
        "omar",
        "هل ستتوقف القطارات الليلية في محطة المدينة القديمة؟",
    ),
    DemoComment(
        "trains-2a",
        "night-trains-return",
        "anna",
        "The timetable says yes, at 23:40 on the way out.",
        parent="trains-2",
    ),
]


@dataclass(frozen=True)
class DemoReport:
    comment: str  # a key of COMMENTS
    reporter: str  # a key of PEOPLE
    reason: str  # OFFENSIVE, ABUSIVE, SPAM or OTHER
    details: str


REPORTS = [
    DemoReport("budget-2", "maria", "OFFENSIVE", "Attacks the councillors, not their plan."),
]
