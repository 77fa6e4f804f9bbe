"""Word material for synthetic plans and progress texts in nl, en and fr.

Sentences are built from templates with slots, so texts read like the annex (ministries,
partners, countries, amounts, parliamentary papers) without copying real entries.
"""

from __future__ import annotations

import random

PARTNERS = [
    "UN Women",
    "UNDP",
    "UNFPA",
    "OHCHR",
    "the Peacebuilding Fund",
    "WILPF",
    "Cordaid",
    "PAX",
    "NIMD",
    "CARE",
    "War Child",
    "Plan International",
    "Kvinna till Kvinna",
    "International Alert",
    "Search for Common Ground",
    "the OSCE",
    "the African Union",
    "Saferworld",
]

TOPICS = {
    "nl": [
        "de participatie van vrouwen in vredesprocessen",
        "de bescherming van vrouwelijke mensenrechtenverdedigers",
        "de preventie van seksueel en gender gerelateerd geweld",
        "gendersensitieve conflictanalyse",
        "psychosociale steun aan overlevers",
        "de economische positie van vrouwen in fragiele staten",
        "genderexpertise in missies en operaties",
        "lokale vredesinitiatieven van vrouwenorganisaties",
        "toegang tot recht voor vrouwen en meisjes",
        "het tegengaan van gewelddadig extremisme",
    ],
    "en": [
        "the participation of women in peace processes",
        "the protection of women human rights defenders",
        "the prevention of sexual and gender-based violence",
        "gender-sensitive conflict analysis",
        "psychosocial support for survivors",
        "the economic position of women in fragile states",
        "gender expertise in missions and operations",
        "local peace initiatives of women's organisations",
        "access to justice for women and girls",
        "countering violent extremism",
    ],
    "fr": [
        "la participation des femmes aux processus de paix",
        "la protection des défenseuses des droits humains",
        "la prévention des violences sexuelles et fondées sur le genre",
        "l'analyse des conflits sensible au genre",
        "le soutien psychosocial aux survivantes",
        "la situation économique des femmes dans les États fragiles",
        "l'expertise en matière de genre dans les missions et opérations",
        "les initiatives de paix locales des organisations de femmes",
        "l'accès à la justice pour les femmes et les filles",
        "la lutte contre l'extrémisme violent",
    ],
}

SENTENCES = {
    "nl": [
        "In {year} steunde het ministerie {partner} bij {topic} in {country}.",
        "Een exact overzicht kan niet worden gegeven, omdat de inzet op {topic} onderdeel is "
        "van verschillende programma's.",
        "Via {partner} werd in totaal circa {currency} {amount} mln. bijgedragen aan {topic}.",
        "Het programma bereikte {number} deelnemers, van wie een ruime meerderheid vrouw.",
        "Samen met {partner} werden {number} trainingen gegeven over {topic}.",
        "De ambassade in {country} organiseerde een dialoog met vrouwenorganisaties over {topic}.",
        "Uw Kamer werd hierover geïnformeerd (Kamerstuk {paper}).",
        "De resultaten worden meegenomen in de evaluatie van het actieplan.",
        "In de onderhandelingen pleitte Nederland consequent voor aandacht voor {topic}.",
        "Daarnaast ging in {year} een nieuw partnerschap van start in {country}.",
    ],
    "en": [
        "In {year} the ministry supported {partner} on {topic} in {country}.",
        "An exact overview cannot be given, because work on {topic} is part of several programmes.",
        "Through {partner} a total of about {currency} {amount} million went to {topic}.",
        "The programme reached {number} participants, a large majority of them women.",
        "Together with {partner}, {number} training courses were given on {topic}.",
        "The embassy in {country} organised a dialogue with women's organisations on {topic}.",
        "Parliament was informed of this (parliamentary paper {paper}).",
        "The results feed into the evaluation of the action plan.",
        "In the negotiations the government consistently called for attention to {topic}.",
        "In {year} a new partnership also started in {country}.",
    ],
    "fr": [
        "En {year}, le ministère a soutenu {partner} en faveur de {topic} en {country}.",
        "Un aperçu exact ne peut être donné, car l'action en faveur de {topic} relève de "
        "plusieurs programmes.",
        "Par l'intermédiaire de {partner}, environ {amount} millions {currency} ont été "
        "consacrés à {topic}.",
        "Le programme a touché {number} participants, dont une large majorité de femmes.",
        "Avec {partner}, {number} formations ont été données sur {topic}.",
        "L'ambassade en {country} a organisé un dialogue avec des organisations de femmes sur "
        "{topic}.",
        "Le Parlement en a été informé (document parlementaire {paper}).",
        "Les résultats alimentent l'évaluation du plan d'action.",
        "Dans les négociations, le gouvernement a plaidé avec constance pour {topic}.",
        "En {year}, un nouveau partenariat a également débuté en {country}.",
    ],
}

GOAL_TITLES = {
    "nl": "Vrouwen en meisjes {verb} {topic}",
    "en": "Women and girls {verb} {topic}",
    "fr": "Les femmes et les filles {verb} {topic}",
}
GOAL_VERBS = {
    "nl": ["profiteren aantoonbaar van", "zijn betrokken bij", "hebben meer invloed op"],
    "en": ["benefit measurably from", "are involved in", "have more influence on"],
    "fr": ["bénéficient de manière mesurable de", "sont associées à", "pèsent davantage sur"],
}
INDICATOR_TEXTS = {
    "count": {
        "nl": "Aantal programma's en initiatieven gericht op {topic}",
        "en": "Number of programmes and initiatives aimed at {topic}",
        "fr": "Nombre de programmes et d'initiatives visant {topic}",
    },
    "percentage": {
        "nl": "Percentage gesteunde processen met aandacht voor {topic}",
        "en": "Percentage of supported processes that address {topic}",
        "fr": "Pourcentage des processus soutenus qui traitent de {topic}",
    },
    "amount": {
        "nl": "Bedrag besteed aan {topic}",
        "en": "Amount spent on {topic}",
        "fr": "Montant consacré à {topic}",
    },
    "qualitative": {
        "nl": "Voorbeelden van veranderingen op het gebied van {topic} (via storytelling)",
        "en": "Examples of change in {topic} (through storytelling)",
        "fr": "Exemples de changements concernant {topic} (récits)",
    },
}
UNITS = {
    "count": {"nl": "programma's", "en": "programmes", "fr": "programmes"},
    "percentage": {"nl": "procent", "en": "per cent", "fr": "pour cent"},
}
CATEGORY_LABELS = {
    "nl": ["Nationaal niveau", "Lokaal niveau", "Regionaal", "Vrouwen", "Meisjes", "Overige"],
    "en": ["National level", "Local level", "Regional", "Women", "Girls", "Other"],
    "fr": ["Niveau national", "Niveau local", "Régional", "Femmes", "Filles", "Autres"],
}
CATEGORY_CODES = ["national", "local", "regional", "women", "girls", "other"]
MINISTRIES = {
    "nl": [
        "Buitenlandse Zaken",
        "Defensie",
        "Justitie en Veiligheid",
        "Onderwijs",
        "Sociale Zaken",
    ],
    "en": ["Foreign Affairs", "Defence", "Justice and Security", "Education", "Social Affairs"],
    "fr": [
        "Affaires étrangères",
        "Défense",
        "Justice et Sécurité",
        "Éducation",
        "Affaires sociales",
    ],
}
MINISTRY_NAME = {"nl": "Ministerie van {}", "en": "Ministry of {}", "fr": "Ministère des {}"}
CSO_WORDS = ["Women", "Peace", "Voices", "Network", "Alliance", "Action", "Rights", "Future"]
NOT_REPORTED = {
    "nl": "Geen activiteiten in dit jaar; de inzet is verschoven naar een ander subdoel.",
    "en": "No activities this year; the work moved to another subgoal.",
    "fr": "Aucune activité cette année ; l'action a été reportée sur un autre sous-objectif.",
}


def sentence(rng: random.Random, language: str, country: str, year: int) -> str:
    template = rng.choice(SENTENCES[language])
    return template.format(
        year=year,
        partner=rng.choice(PARTNERS),
        topic=rng.choice(TOPICS[language]),
        country=country,
        currency=rng.choice(["EUR", "USD"]),
        amount=rng.randint(1, 60),
        number=rng.randint(3, 2500),
        paper=f"{rng.randint(26000, 36999):,} nr. {rng.randint(1, 400)}".replace(",", " "),
    )


def narrative_html(rng: random.Random, language: str, length: int, country: str, year: int) -> str:
    """Rich text of about `length` characters in paragraphs, with some markup the editor
    allows and, now and then, markup pasted from a word processor that sanitising removes."""
    paragraphs = []
    remaining = length
    while remaining > 0:
        target = min(remaining, rng.randint(250, 700))
        text = ""
        while len(text) < target:
            text += (" " if text else "") + sentence(rng, language, country, year)
        remaining -= len(text)
        roll = rng.random()
        if roll < 0.08:
            text = f"<strong>{text}</strong>"
        elif roll < 0.12:
            text = f'{text} <a href="https://example.org/{rng.randint(1, 9999)}">link</a>'
        elif roll < 0.15:
            text = f'<span style="font-family: Calibri">{text}</span>'
        paragraphs.append(f"<p>{text}</p>")
    if length > 1500 and rng.random() < 0.3:
        items = "".join(f"<li>{rng.choice(TOPICS[language])}</li>" for _ in range(3))
        paragraphs.insert(1, f"<ul>{items}</ul>")
    return "\n".join(paragraphs)


def narrative_length(rng: random.Random) -> int:
    """Characters of progress text: the demo annex's spread (median about 800, a long tail
    to 5 000), as a clipped log-normal."""
    return int(min(6000, max(120, rng.lognormvariate(6.65, 0.85))))
