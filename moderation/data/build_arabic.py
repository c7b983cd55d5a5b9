"""Writes arabic.jsonl, the cold-start data set of the Arabic scorer.

Deterministic: `python -m moderation.data.build_arabic` always writes the same file.
Every text is made from hand-written templates and slot words, in Modern Standard
Arabic (msa), Levantine dialect (lev) and Arabizi (az: Levantine in Latin letters
with the digits 2 3 5 7). Templates come in *families*; a family is either a train
family or a validation family, never both, so the validation split (`"split":
"eval"`) measures how the model generalises to phrasings it has not seen.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SEED = 20261203
OUT = Path(__file__).with_name("arabic.jsonl")
LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")

# -- slot words ------------------------------------------------------------------------

SLOTS: dict[str, Sequence[str]] = {
    "official": [
        "الوزير",
        "رئيس الحكومة",
        "النائب",
        "رئيس البلدية",
        "المحافظ",
        "وزير الطاقة",
        "وزير المالية",
        "رئيس المجلس",
        "المدير العام",
    ],
    "place": [
        "بيروت",
        "دمشق",
        "حلب",
        "غزة",
        "طرابلس",
        "صيدا",
        "عمّان",
        "حمص",
        "إدلب",
        "القدس",
        "رفح",
        "صور",
        "النبطية",
        "درعا",
        "زحلة",
    ],
    "topic": [
        "الكهرباء",
        "أزمة المياه",
        "الموازنة",
        "قانون الانتخاب",
        "رواتب المعلمين",
        "سعر الخبز",
        "النفايات",
        "الضرائب",
        "المستشفى الحكومي",
        "ودائع الناس",
        "دعم المحروقات",
        "الطريق الجديد",
    ],
    "group": [
        "المسيحيين",
        "المسلمين",
        "السنة",
        "الشيعة",
        "الدروز",
        "العلويين",
        "اليهود",
        "اللاجئين السوريين",
        "الفلسطينيين",
        "الأكراد",
        "الأرمن",
        "البدو",
    ],
    "member": ["مسيحي", "مسلم", "سني", "شيعي", "درزي", "علوي", "كردي", "أرمني", "فلسطيني"],
    "insult": [
        "حمار",
        "غبي",
        "حقير",
        "تافه",
        "جاهل",
        "كلب",
        "واطي",
        "منحط",
        "أحمق",
        "حيوان",
        "جحش",
        "أهبل",
        "سافل",
        "قذر",
        "زبالة",
        "معفن",
    ],
    "obscene": [
        "يلعن أبوك",
        "يلعن أمك",
        "كس أختك",
        "كس أمك",
        "يا ابن الشرموطة",
        "يا شرموط",
        "يا عرص",
        "يلعن دينك",
        "يا ابن الحرام",
        "تفو عليك",
        "يلعن روحك",
    ],
    "threat_lev": [
        "رح اقتلك",
        "رح اكسرلك راسك",
        "رح ادبحك",
        "رح احرقلك بيتك",
        "رح اطخك",
        "رح فرجيك شغلك",
        "رح نجيبك من بيتك",
    ],
    "threat_msa": [
        "سأقتلك",
        "سنحرق بيتك",
        "سأذبحك",
        "ستدفع الثمن بدمك",
        "سنكسر رأسك",
        "سنصل إليك",
    ],
    "n": ["ثلاثة", "خمسة", "سبعة", "عشرة", "١٢", "٢٠", "35", "عشرات"],
    # Arabizi
    "official_az": [
        "el wazir",
        "ra2is el baladiyye",
        "el nayeb",
        "el 7koume",
        "ra2is el 7koume",
        "el mo7afez",
    ],
    "place_az": [
        "beirut",
        "el sham",
        "7alab",
        "ghazze",
        "trablos",
        "saida",
        "3amman",
        "7oms",
        "sour",
    ],
    "topic_az": [
        "el kahraba",
        "el may",
        "el mizaniyye",
        "2anoun el intikhab",
        "rawateb el m3almin",
        "se3r el khebez",
        "el nfeyet",
        "el dara2eb",
        "el mestashfa",
    ],
    "group_az": [
        "el masi7iyye",
        "el sunne",
        "el shi3a",
        "el drouz",
        "el 3alawiyye",
        "el yahud",
        "el souriyye",
        "el falastiniyye",
        "el akrad",
    ],
    "member_az": ["masi7i", "muslim", "sunni", "shi3i", "derzi", "3alawi", "armani"],
    "insult_az": [
        "7mar",
        "7ayawen",
        "ghabi",
        "7a2ir",
        "tafeh",
        "jahel",
        "kalb",
        "wati",
        "ahbal",
        "ja7esh",
        "zbeleh",
        "wes5",
        "sefel",
    ],
    "obscene_az": [
        "yel3an abouk",
        "yel3an emmak",
        "kess ekhtak",
        "kess emmak",
        "ya ibn el sharmouta",
        "ya 3ars",
        "yel3an dinak",
        "tfeh 3alek",
        "ya sharmout",
        "yel3an ro7ak",
    ],
    "threat_az": [
        "ra7 e2tlak",
        "ra7 ekserlak rasak",
        "ra7 edba7ak",
        "ra7 e7re2lak baytak",
        "ra7 ettokhak",
        "ra7 farjik",
    ],
}

# -- families -----------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    name: str
    # What it is (the data card's table) and which labels its rows carry.
    kind: str
    labels: tuple[str, ...]
    dialect: str
    split: str
    count: int
    templates: Sequence[str]


ABUSE = ("toxicity",)
INSULT = ("toxicity", "insult")
OBSCENE = ("toxicity", "obscene", "insult")
THREAT = ("toxicity", "threat")
HATE = ("toxicity", "identity_attack", "insult")
SEVERE = ("toxicity", "severe_toxicity", "threat", "identity_attack")


def _family(
    kind: str,
    labels: tuple[str, ...],
    dialect: str,
    split: str,
    count: int,
    *templates: str,
) -> Family:
    return Family(f"{kind}/{dialect}/{split}", kind, labels, dialect, split, count, templates)


FAMILIES: tuple[Family, ...] = (
    # ---- normal: ordinary comments
    _family(
        "civil",
        (),
        "msa",
        "train",
        40,
        "شكراً على هذا التقرير المفصل عن {topic} في {place}.",
        "متى ستنشرون متابعة لموضوع {topic}؟ المقال لم يذكر الموعد.",
        "أتمنى أن يعقد {official} لقاءً مع الأهالي قبل اتخاذ أي قرار بشأن {topic}.",
        "معلومات مفيدة، شكراً للصحفي الذي كتب عن {topic}.",
        "هل هناك رقم للتواصل مع البلدية في {place} بخصوص {topic}؟",
        "أتفق مع ما جاء في المقال، فملف {topic} يحتاج إلى حل سريع.",
    ),
    _family(
        "civil",
        (),
        "lev",
        "train",
        40,
        "يعطيكن العافية عالتقرير، من زمان ما حدا حكى عن {topic}",
        "حدا بيعرف إيمتى رح يبلشوا بمشروع {topic} ب{place}؟",
        "والله معكن حق، {topic} صارت مشكلة كبيرة ب{place}",
        "مقال حلو، بس كان لازم تسألوا الأهالي ب{place} شو رأيهم",
        "ان شاء الله تتحسن الأوضاع ويرجع الشغل ب{place}",
        "نحنا ب{place} صرلنا شهر ناطرين حل ل{topic}",
    ),
    _family(
        "civil",
        (),
        "az",
        "train",
        30,
        "merci 3al ma2al, ma 7ada 7ake 3an {topic_az} men zaman",
        "7ada byaaref emta ra7 yballesho bi {topic_az} bi {place_az}?",
        "ma3kon 7a2, {topic_az} sar moshkle kbire",
        "inshalla el wade3 yet7assan bi {place_az}",
        "ya3tikon el 3afye 3al ta2rir 3an {topic_az}",
    ),
    _family(
        "civil",
        (),
        "msa",
        "eval",
        25,
        "أشكر الجريدة على متابعة ملف {topic} بهذه الدقة.",
        "ما هي الخطوات التالية بعد قرار {official} حول {topic}؟",
        "قرأت المقال مرتين، وأرجو نشر الأرقام الكاملة عن {topic}.",
        "سؤال للكاتب: من أين جاءت الأرقام المذكورة عن {topic} في {place}؟",
    ),
    _family(
        "civil",
        (),
        "lev",
        "eval",
        25,
        "تسلم إيدكن، هيك بدنا صحافة عن {topic}",
        "يا ريت تعملوا تقرير كمان عن وضع {topic} ب{place}",
        "أنا من {place} وبأكدلكن إنو الوضع متل ما كتبتوا بالزبط",
        "في حدا بيعرف لوين لازم نروح لنقدم شكوى عن {topic}؟",
    ),
    _family(
        "civil",
        (),
        "az",
        "eval",
        18,
        "tislam idkon 3al ta2rir, hek badna sa7afe",
        "ana men {place_az} w el wade3 metl ma katabto bel zabt",
        "ya reit ta3mlo ta2rir 3an {topic_az} kamen",
        "fi 7ada byaaref lawen lezem nrou7 la {topic_az}?",
    ),
    # ---- normal: short replies
    _family(
        "short_civil",
        (),
        "lev",
        "train",
        16,
        "برافو عليكن",
        "كلام صحيح",
        "مقال ممتاز",
        "الله يرحمهن",
        "شكراً كتير",
        "الله يحميكن",
        "معك حق",
        "بالتوفيق",
        "ولا كلمة زيادة",
        "تحليل منطقي",
        "صح الحكي",
        "الله يعين الناس",
        "عظيم",
        "الحمد لله عالسلامة",
        "انشالله خير",
        "حلو كتير",
    ),
    _family(
        "short_civil",
        (),
        "az",
        "train",
        10,
        "merci ktir",
        "ma3ak 7a2",
        "alla y7ameekon",
        "bravo 3alekon",
        "sa7 el 7ake",
        "alla yer7amon",
        "inshalla 5eir",
        "7elo ktir",
        "3azim",
        "alla y3in el nas",
    ),
    _family(
        "short_civil",
        (),
        "msa",
        "eval",
        10,
        "أحسنتم",
        "رحمهم الله",
        "تقرير رائع",
        "كلام في محله",
        "شكراً جزيلاً",
        "نتمنى السلامة للجميع",
        "معلومة مهمة",
        "مقال موضوعي",
        "صدقت",
        "وفقكم الله",
    ),
    _family(
        "short_civil",
        (),
        "az",
        "eval",
        8,
        "tislamo",
        "ahla w sahla",
        "mashalla 3alekon",
        "sa7ten",
        "ma3 el salame",
        "ya3tik el 3afye",
        "tamem",
        "mni7 ktir",
    ),
    # ---- normal, hard: harsh political criticism without insults
    _family(
        "harsh_political",
        (),
        "msa",
        "train",
        35,
        "سياسة {official} في ملف {topic} فاشلة بكل المقاييس ويجب أن يستقيل.",
        "هذه الحكومة نهبت أموال المودعين ولم يحاسب أحد حتى اليوم.",
        "{official} وعد بحل أزمة {topic} منذ سنوات ولم يفعل شيئاً، كفى كذباً على الناس.",
        "تقرير منحاز تماماً، لم تسألوا أي شخص من المعارضة عن {topic}.",
        "الفساد في ملف {topic} فضيحة، والمسؤولون عنه يجب أن يُحاكموا.",
        "قرار {official} بشأن {topic} كارثي وسيدفع ثمنه الفقراء.",
    ),
    _family(
        "harsh_political",
        (),
        "lev",
        "train",
        35,
        "{official} ما عمل ولا شي ل{topic}، لازم يفل اليوم قبل بكرا",
        "كلهن سرقوا البلد وبعدين بيطلعوا عالتلفزيون يحكولنا عن الإصلاح",
        "شو هالمهزلة؟ صرلنا سنين بلا {topic} وهني بعدن عم يوعدوا",
        "الجريدة عم تلمّع صورة {official}، هيدا مش صحافة",
        "{official} فشل ب{topic} وبعدو عم يتفلسف علينا",
    ),
    _family(
        "harsh_political",
        (),
        "az",
        "train",
        20,
        "{official_az} ma 3emil shi la {topic_az}, lezem yestaqil",
        "kellon sara2o el balad w ba3dna 3am nsadd2on",
        "shu hal mahzale? sarelna snin bala {topic_az}",
        "{official_az} fashel bi {topic_az} w ba3do 3am yetfalsaf",
    ),
    _family(
        "harsh_political",
        (),
        "msa",
        "eval",
        22,
        "على {official} أن يعتذر علناً عن الكارثة التي سببها قراره بشأن {topic}.",
        "سنوات من الوعود الكاذبة والنتيجة صفر، والناخبون سيحاسبون في الانتخابات.",
        "أداء {official} مخجل، ولا يستحق ثقة أحد بعد اليوم.",
        "ما حدث في ملف {topic} جريمة بحق المواطنين، ويجب فتح تحقيق فوراً.",
    ),
    _family(
        "harsh_political",
        (),
        "lev",
        "eval",
        22,
        "بكفي كذب، {official} بيعرف منيح إنو {topic} خربانة من سنين",
        "ما بقى حدا مصدقكن، روحوا عالبيت وخلّوا غيركن يشتغل",
        "عيب على هالحكومة، الناس عم تموت من الجوع وهني عم يتقاسموا الحصص",
        "{official} لازم ينحاكم على اللي صار ب{topic}",
    ),
    _family(
        "harsh_political",
        (),
        "az",
        "eval",
        12,
        "bikaffe kezb, {official_az} byaaref eno {topic_az} 5erbene men snin",
        "ma ba2a 7ada msadda2kon, rou7o 3al bet",
        "3eib 3al 7koume, el nas 3am tmout men el jou3",
    ),
    # ---- normal, hard: war reporting
    _family(
        "war_reporting",
        (),
        "msa",
        "train",
        35,
        "قُتل {n} مدنيين في قصف استهدف حياً سكنياً في {place} فجر اليوم.",
        "أعلن الجيش مقتل {n} مسلحين في اشتباكات قرب {place}.",
        "الغارات دمرت المستشفى الوحيد في {place} والجرحى بلا علاج.",
        "أين المجتمع الدولي من المجزرة التي ارتكبت في {place}؟",
        "الحرب قتلت الآلاف وشردت الملايين، ويجب محاسبة من أطلق الصواريخ على {place}.",
        "سقط {n} جرحى بعد سقوط قذيفة على مدرسة في {place}.",
    ),
    _family(
        "war_reporting",
        (),
        "lev",
        "train",
        25,
        "الله يرحم الشهدا اللي راحوا بقصف {place} مبارح",
        "القصف على {place} ما وقف طول الليل، الولاد ما ناموا",
        "{n} شهدا بغارة على بيت ب{place}، وين العالم؟",
        "الدبابات فاتت على {place} والناس هربانة عالملاجئ",
    ),
    _family(
        "war_reporting",
        (),
        "az",
        "train",
        12,
        "alla yer7am el shohada yalli ra7o bel 2asf 3a {place_az}",
        "el 2asf 3a {place_az} ma wa2af kel el leil",
        "{n_az} shohada bi gara 3a bet bi {place_az}",
    ),
    _family(
        "war_reporting",
        (),
        "msa",
        "eval",
        22,
        "ارتفع عدد الضحايا في {place} إلى {n} بعد انتشال جثث من تحت الأنقاض.",
        "انفجار سيارة مفخخة في سوق {place} أدى إلى سقوط {n} قتلى.",
        "هدمت القوات منازل في {place} وطردت العائلات منها، بحسب شهود عيان.",
        "القناصة استهدفوا المدنيين على طريق {place} وقتلوا طفلين.",
    ),
    _family(
        "war_reporting",
        (),
        "lev",
        "eval",
        18,
        "شفت صور الدمار ب{place}، شي بيوجع القلب، الله يصبر أهاليهن",
        "خيي استشهد بالحرب، ومنطالب بمحاكمة المجرمين اللي قصفوا {place}",
        "الصواريخ نزلت عالحي تبعنا ب{place} وقتلت جيرانا",
    ),
    _family(
        "war_reporting",
        (),
        "az",
        "eval",
        8,
        "shefet swar el damar bi {place_az}, alla ysabber ahalihon",
        "el sawarikh nezlet 3al 7ay bi {place_az} w 2atalet jiranna",
    ),
    # ---- normal, hard: religion and sect named neutrally
    _family(
        "religion_neutral",
        (),
        "msa",
        "train",
        30,
        "بصفتي {member} من {place}، وجدت المقال منصفاً ودقيقاً.",
        "شارك {group} في الصلاة من أجل ضحايا الانفجار في {place}.",
        "يحتفل {group} بعيدهم هذا الأسبوع، وكل عام والجميع بخير.",
        "التقرير يشرح بهدوء تاريخ العلاقة بين {group} و{group2} في {place}.",
    ),
    _family(
        "religion_neutral",
        (),
        "lev",
        "train",
        30,
        "أنا {member} وجاري {member2}، وعايشين سوا من عشرين سنة",
        "الكنيسة والجامع ب{place} عم يوزعوا مساعدات لكل الناس",
        "رمضان كريم لكل الصايمين، وكل عيد وانتو بخير",
        "ب{place} في {group} و{group2} وكلنا ولاد بلد واحد",
    ),
    _family(
        "religion_neutral",
        (),
        "az",
        "train",
        12,
        "ana {member_az} w jare {member_az2}, 3ayshin sawa men zaman",
        "ramadan karim, w kel 3id w ento bkhair",
        "bi {place_az} fi {group_az} w {group_az2} w kellna wled balad wa7ad",
    ),
    _family(
        "religion_neutral",
        (),
        "msa",
        "eval",
        20,
        "زار المفتي والبطريرك {place} معاً في رسالة وحدة وطنية.",
        "تحدث المقال عن أوضاع {group} في {place} بموضوعية تستحق الشكر.",
        "يعيش {group} في {place} منذ قرون، والمقال يوثق تراثهم بشكل جميل.",
    ),
    _family(
        "religion_neutral",
        (),
        "lev",
        "eval",
        18,
        "بحينا ب{place} عنا {group} و{group2} جيران، وما حدا بيفرق بين حدا",
        "صلّينا بالكنيسة للشهدا، وأصحابي المسلمين كانوا معنا",
        "أنا {member} وبحترم كل الأديان، والمقال كان محترم",
    ),
    _family(
        "religion_neutral",
        (),
        "az",
        "eval",
        8,
        "bi 7ayna fi {group_az} w {group_az2}, w ma 7ada bfare2 bein 7ada",
        "ana {member_az} w b7tirem kel el adyen",
    ),
    # ---- normal, hard: quoting abuse to condemn it
    _family(
        "quoting_to_condemn",
        (),
        "msa",
        "train",
        25,
        "من المعيب أن يصف أحدهم الناس بكلمة «{insult}» في تعليق على خبر عن الضحايا.",
        "وصف النائب خصمه بأنه «{insult}» على الهواء، وهذا لا يليق بمجلس النواب.",
        "التعليقات التي تصف {group} بالحشرات هي تحريض يجب أن يحاسب عليه القانون.",
    ),
    _family(
        "quoting_to_condemn",
        (),
        "lev",
        "train",
        25,
        "عيب اللي عم يكتبوا «{insult}» عالناس بس لأنهن من {place}",
        "سمعت حدا بالباص عم يقول «{obscene}» للشوفير، والكل سكت، هيدا مش طبيعي",
        "ما بيجوز نسمّي {group} كلاب، هيدا خطاب كراهية",
    ),
    _family(
        "quoting_to_condemn",
        (),
        "msa",
        "eval",
        18,
        "نقلت الصحيفة أن المتظاهرين هتفوا «الموت لـ{group}»، وهذا خطاب كراهية مرفوض.",
        "أدانت النقابة الشتائم مثل «{insult}» التي وُجهت إلى الصحفية.",
    ),
    _family(
        "quoting_to_condemn",
        (),
        "lev",
        "eval",
        18,
        "اللي كتب «{obscene}» تحت الخبر لازم ينحذف تعليقه، هيك حكي ما بيجوز",
        "ولادنا عم يتعلموا يقولوا «{insult}» من هالبرامج، لازم نوقفها",
    ),
    # ---- abusive: insults
    _family(
        "insult",
        INSULT,
        "msa",
        "train",
        35,
        "أنت {insult} ولا تفهم شيئاً في السياسة.",
        "كاتب هذا المقال {insult} ويجب أن يُطرد من الجريدة.",
        "يا لك من {insult}، اصمت أفضل لك.",
        "كل من يصدق هذا الكلام {insult} مثلك.",
    ),
    _family(
        "insult",
        INSULT,
        "lev",
        "train",
        40,
        "انت {insult} وما بتفهم شي، سكوت أحسنلك",
        "يا {insult}، روح اقرا قبل ما تحكي",
        "شو هالكاتب ال{insult}؟ مين وظفك؟",
        "انت واحد {insult} ومش فارقة معنا شو بتقول",
        "{official} {insult} وكل اللي بيدافعوا عنه متله",
    ),
    _family(
        "insult",
        INSULT,
        "az",
        "train",
        30,
        "enta {insult_az} w ma btefham shi",
        "ya {insult_az}, rou7 e2ra abel ma te7ke",
        "shu hal kateb el {insult_az}? min wazzafak?",
        "{official_az} {insult_az} w kel yalli byedefe3 3anno metlo",
    ),
    _family(
        "insult",
        INSULT,
        "lev",
        "train",
        25,
        "يا {insult}",
        "{insult}!",
        "انت {insult}",
        "{insult} و{insult2}",
    ),
    _family(
        "insult",
        INSULT,
        "az",
        "train",
        20,
        "ya {insult_az}",
        "enta {insult_az}",
        "{insult_az} w {insult_az2}",
    ),
    _family(
        "insult",
        INSULT,
        "msa",
        "eval",
        22,
        "لا يكتب هذا الهراء إلا {insult} مثلك.",
        "أيها ال{insult}، من أعطاك الحق لتكتب؟",
        "صاحب التعليق {insult} لا يستحق الرد.",
    ),
    _family(
        "insult",
        INSULT,
        "lev",
        "eval",
        25,
        "بس تحكي بتبين قديش انت {insult}",
        "روح انقبر يا {insult}، ما حدا سائل عنك",
        "ولك يا {insult} مين سألك؟",
        "شو هالوجه يا {insult}",
    ),
    _family(
        "insult",
        INSULT,
        "az",
        "eval",
        18,
        "bas te7ke btbayyen 2addesh enta {insult_az}",
        "ya {insult_az} ma 7ada se2el 3anak",
        "walak ya {insult_az}",
    ),
    # ---- abusive: obscenity
    _family(
        "obscene",
        OBSCENE,
        "lev",
        "train",
        35,
        "{obscene} على هالمقال",
        "{obscene} يا كاتب المقال",
        "{obscene}، شو هالحكي؟",
        "روح {obscene}، ما بدنا نسمع صوتك",
        "{obscene} انت و{official}",
    ),
    _family(
        "obscene",
        OBSCENE,
        "msa",
        "train",
        15,
        "لعنة الله عليك يا {insult}",
        "تباً لك يا {insult}",
        "لعنة الله على {official} وعلى من انتخبه",
    ),
    _family(
        "obscene",
        OBSCENE,
        "az",
        "train",
        28,
        "{obscene_az} 3a hal ma2al",
        "{obscene_az} ya kateb el ma2al",
        "rou7 {obscene_az}",
        "{obscene_az} enta w {official_az}",
    ),
    _family(
        "obscene",
        OBSCENE,
        "lev",
        "eval",
        22,
        "والله {obscene} على هيك جريدة",
        "{obscene} ولك شو بدك بهالشغلة",
        "سكّر تمك {obscene}",
    ),
    _family(
        "obscene",
        OBSCENE,
        "az",
        "eval",
        16,
        "wallah {obscene_az} 3ala hek jarideh",
        "{obscene_az} walak shu badak",
        "sakker temmak {obscene_az}",
    ),
    # ---- abusive: threats
    _family(
        "threat",
        THREAT,
        "msa",
        "train",
        25,
        "{threat_msa} إن كتبت حرفاً آخر.",
        "نعرف أين تسكن، وسنأتي إليك الليلة.",
        "انتظر ما سيحدث لك ولعائلتك قريباً.",
        "{threat_msa} يا كاتب المقال، تذكر كلامي.",
    ),
    _family(
        "threat",
        THREAT,
        "lev",
        "train",
        30,
        "{threat_lev} إذا بشوفك ب{place}",
        "بعرف وين ساكن، و{threat_lev}",
        "استنى شو رح يصيرلك انت وعيلتك",
        "{threat_lev} يا كاتب المقال",
    ),
    _family(
        "threat",
        THREAT,
        "az",
        "train",
        22,
        "{threat_az} iza bshoufak bi {place_az}",
        "ba3ref wen saken w {threat_az}",
        "{threat_az} ya kateb el ma2al",
    ),
    _family(
        "threat",
        THREAT,
        "msa",
        "eval",
        18,
        "دمك مباح، ولن تفلت منا يا كاتب المقال.",
        "سيدفع {official} الثمن غالياً، وسنلاحقه حتى بيته.",
        "{threat_msa}، وهذا وعد.",
    ),
    _family(
        "threat",
        THREAT,
        "lev",
        "eval",
        20,
        "قسماً بالله {threat_lev} بس تطلع من البيت",
        "خليك عاقل، منعرف مدرسة ولادك وين",
        "بكرا بتشوف، {threat_lev}",
    ),
    _family(
        "threat",
        THREAT,
        "az",
        "eval",
        14,
        "wallah {threat_az} bas tetla3 men el bet",
        "mna3ref wein madraset wledak",
        "bokra btshouf, {threat_az}",
    ),
    # ---- abusive: sectarian and identity hate
    _family(
        "identity_hate",
        HATE,
        "msa",
        "train",
        25,
        "{group} سرطان في هذا البلد ويجب التخلص منهم.",
        "لا يوجد واحد من {group} يستحق الاحترام.",
        "كل {group} خونة وعملاء بلا استثناء.",
    ),
    _family(
        "identity_hate",
        HATE,
        "lev",
        "train",
        30,
        "الله يلعن {group} كلهن",
        "{group} كلاب وما بينعطوا أمان",
        "لازم نطرد كل {group} من البلد",
        "ما بدنا {group} بحينا، يرجعوا من وين ما إجوا",
    ),
    _family(
        "identity_hate",
        HATE,
        "az",
        "train",
        18,
        "alla yel3an {group_az} kellon",
        "{group_az} klab w ma byen3atou aman",
        "lezem netrod kel {group_az} men el balad",
    ),
    _family(
        "identity_hate",
        HATE,
        "msa",
        "eval",
        18,
        "{group} حشرات تتكاثر ولا تنتج شيئاً.",
        "لن يرتاح هذا البلد حتى يرحل آخر واحد من {group}.",
    ),
    _family(
        "identity_hate",
        HATE,
        "lev",
        "eval",
        20,
        "ما في واحد من {group} منيح، كلهن نفس الشي",
        "{group} وسخين وريحتهن طالعة",
        "كل مصايب البلد من ورا {group}",
    ),
    _family(
        "identity_hate",
        HATE,
        "az",
        "eval",
        10,
        "ma fi wa7ad men {group_az} mni7, kellon nafs el shi",
        "kel masayeb el balad men wara {group_az}",
    ),
    # ---- abusive: calls for violence against a group
    _family(
        "severe",
        SEVERE,
        "msa",
        "train",
        14,
        "اقتلوا كل {group} ولا تتركوا منهم أحداً.",
        "يجب إبادة {group} عن بكرة أبيهم.",
    ),
    _family(
        "severe",
        SEVERE,
        "lev",
        "train",
        14,
        "لازم ندبح كل {group} واحد واحد",
        "الله يحرق {group} كلهن ببيوتهن",
    ),
    _family(
        "severe",
        SEVERE,
        "lev",
        "eval",
        10,
        "ان شاء الله يموتوا كل {group} وما يبقى منهن حدا",
    ),
    _family(
        "severe",
        SEVERE,
        "az",
        "eval",
        8,
        "lezem nedba7 kel {group_az}",
    ),
)

# -- surface variation --------------------------------------------------------------

SCRIPT_NOISE = 0.25


def _vary_arabic(text: str, rng: random.Random) -> str:
    """The spellings readers use: bare alefs, ه for ة, ى for ي, tatweel, a few harakat."""
    if rng.random() >= SCRIPT_NOISE:
        return text
    out = text
    choice = rng.randrange(4)
    if choice == 0:
        out = out.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
    elif choice == 1:
        out = out.replace("ة ", "ه ").replace("ي ", "ى ")
    elif choice == 2:
        words = out.split(" ")
        i = rng.randrange(len(words))
        if len(words[i]) > 2:
            words[i] = words[i][:2] + "ـــ" + words[i][2:]
        out = " ".join(words)
    else:
        out = out.replace("لا ", "لَا ").replace("كل ", "كُل ")
    return out


def _vary_latin(text: str, rng: random.Random) -> str:
    if rng.random() >= SCRIPT_NOISE:
        return text
    choice = rng.randrange(3)
    if choice == 0:
        return text.capitalize()
    if choice == 1:
        return text + rng.choice(["!!", "??", " 😡", " 👍", "..."])
    return text.upper()


def fill(family: Family, rng: random.Random) -> str:
    template = rng.choice(list(family.templates))
    values: dict[str, str] = {}
    for slot, words in SLOTS.items():
        for key in (slot, slot + "2"):
            if "{" + key + "}" in template:
                taken = set(values.values())
                values[key] = rng.choice([w for w in words if w not in taken])
    if "{n_az}" in template:
        values["n_az"] = rng.choice(["3", "5", "7", "10", "20"])
    text = template.format(**values)
    return _vary_latin(text, rng) if family.dialect == "az" else _vary_arabic(text, rng)


def generate() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for family in FAMILIES:
        made, tries = 0, 0
        while made < family.count and tries < family.count * 50:
            tries += 1
            text = fill(family, rng)
            if text in seen:
                continue
            seen.add(text)
            rows.append(
                {
                    "text": text,
                    "labels": {label: int(label in family.labels) for label in LABELS},
                    "kind": family.kind,
                    "dialect": family.dialect,
                    "family": family.name,
                    "split": family.split,
                }
            )
            made += 1
    return rows


def summary(rows: Sequence[dict[str, object]]) -> list[str]:
    """Rows per split: all, per dialect, per label."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        labels = row["labels"]
        assert isinstance(labels, dict)
        marks = ["all", f"dialect:{row['dialect']}", *(k for k, v in labels.items() if v)]
        counts.update((str(row["split"]), mark) for mark in marks)
    return [
        f"{mark:16} train {counts['train', mark]:5}  eval {counts['eval', mark]:5}"
        for mark in ("all", "dialect:msa", "dialect:lev", "dialect:az", *LABELS)
    ]


def main() -> None:
    rows = generate()
    lines = [json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows]
    OUT.write_text("".join(lines), encoding="utf-8")
    print(f"wrote {len(rows)} rows to {OUT}")
    print("\n".join(summary(rows)))


if __name__ == "__main__":
    main()
