"""The in-page layer: appeals, pitches and navigation go, reporting stays, in order.

Every text here was written for these tests; none is copied from a real page.
"""

from __future__ import annotations

import pytest

from archiver.extraction.cleaning import (
    BODY_THRESHOLD,
    Block,
    clean_blocks,
    drop_reasons,
    pitch_score,
)
from archiver.extraction.gates import vocabulary, word_prefixes
from archiver.extraction.lexicon import load_lexicon

# A short report in each language, and the appeals a publisher might append to it.
REPORTS = {
    "en": [
        "The city council voted on Tuesday to close the Elm Street bridge for repairs, after "
        "inspectors found cracks in two of its supporting beams.",
        "Traffic will be diverted through Park Avenue for at least four months, the transport "
        "department said in a statement.",
        "Residents who spoke at the meeting complained that the detour would add twenty minutes "
        "to their commute.",
    ],
    "de": [
        "Der Stadtrat hat am Dienstag beschlossen, die Brücke an der Ulmenstraße zu sperren, "
        "nachdem Prüfer Risse in zwei Trägern gefunden hatten.",
        "Der Verkehr wird nach Angaben der Verkehrsbehörde mindestens vier Monate lang über die "
        "Parkallee umgeleitet.",
        "Anwohner beklagten in der Sitzung, die Umleitung verlängere ihren Weg zur Arbeit um "
        "zwanzig Minuten.",
    ],
    "fr": [
        "Le conseil municipal a voté mardi la fermeture du pont de la rue des Ormes, après la "
        "découverte de fissures dans deux poutres.",
        "La circulation sera déviée par l'avenue du Parc pendant au moins quatre mois, a précisé "
        "le service des transports.",
        "Plusieurs habitants ont regretté lors de la séance que le détour allonge leur trajet de "
        "vingt minutes.",
    ],
    "es": [
        "El ayuntamiento aprobó el martes cerrar el puente de la calle Olmos, después de que los "
        "inspectores encontraran grietas en dos vigas.",
        "El tráfico se desviará por la avenida del Parque durante al menos cuatro meses, según el "
        "departamento de transporte.",
        "Varios vecinos se quejaron en la sesión de que el desvío alargará su trayecto veinte "
        "minutos.",
    ],
    "pt": [
        "A câmara municipal aprovou na terça-feira o fecho da ponte da rua dos Olmos, depois de "
        "inspetores encontrarem fissuras em duas vigas.",
        "O trânsito será desviado pela avenida do Parque durante pelo menos quatro meses, segundo "
        "o departamento de transportes.",
        "Vários moradores queixaram-se na sessão de que o desvio vai acrescentar vinte minutos ao "
        "percurso diário.",
    ],
    "ru": [
        "Городской совет во вторник проголосовал за закрытие моста на улице Вязов после того, как "
        "инспекторы обнаружили трещины в двух балках.",
        "Движение будет перенаправлено на Парковый проспект как минимум на четыре месяца, сообщили "
        "в департаменте транспорта.",
        "Жители на заседании жаловались, что объезд удлинит их дорогу на работу на двадцать минут.",
    ],
}

APPEALS = {
    "en": [
        "Support independent local journalism!",
        "We rely on readers like you. Please consider a monthly contribution from just $5, it "
        "only takes a minute.",
        "Sign up for our free morning newsletter.",
        "© 2024 Riverside Gazette. All rights reserved.",
    ],
    "de": [
        "Unterstützen Sie unabhängigen Lokaljournalismus!",
        "Schon ab 3 Euro im Monat helfen Sie uns. Werden Sie jetzt Mitglied.",
        "Jetzt den Newsletter abonnieren und nichts mehr verpassen.",
    ],
    "fr": [
        "Soutenez notre rédaction : faites un don dès 5 € par mois.",
        "Abonnez-vous à notre newsletter pour recevoir l'essentiel de l'actualité.",
        "Partagez cet article sur Facebook ou Twitter",
    ],
    "es": [
        "Apoya el periodismo independiente: hazte socio desde 3 euros al mes.",
        "Suscríbete a nuestro boletín y recibe cada mañana las noticias más importantes.",
        "Descarga nuestra app en App Store o Google Play.",
    ],
    "pt": [
        "Apoie o jornalismo independente: faça uma doação a partir de 10 reais por mês.",
        "Assine a nossa newsletter e receba as principais notícias do dia.",
        "Siga-nos no Instagram e no Facebook",
    ],
    "ru": [
        "Поддержите независимую журналистику — подпишитесь на нашу рассылку.",
        "Читайте также: В городе откроют новый парк",
        "Все права защищены.",
    ],
}

# Reporting that merely mentions donations, newsletters or subscriptions.
MENTIONS = [
    "The food bank's winter appeal raised $40,000 from 900 donors, its director said.",
    "In its newsletter, the council wrote that the bridge would reopen in March.",
    "The streaming service will raise its monthly subscription price to $12.99 from January.",
    "Der Spendenaufruf der Tafel brachte 40.000 Euro von 900 Spendern ein, sagte ihre Leiterin.",
    "In seinem Newsletter schrieb der Stadtrat, die Brücke werde im März wieder geöffnet.",
    "Der Streamingdienst erhöht den Preis seines Monatsabonnements ab Januar auf 12,99 Euro.",
    "L'appel aux dons de la banque alimentaire a permis de récolter 40 000 euros auprès de 900 "
    "donateurs, a indiqué sa directrice.",
    "Dans sa lettre d'information, la mairie a écrit que le pont rouvrirait en mars.",
    "Le service de streaming augmentera son abonnement mensuel à 12,99 euros dès janvier.",
    "El servicio de streaming subirá su suscripción mensual a 12,99 euros a partir de enero.",
]


# Ordinary sentences sharing words with pitches: at the edge of a page they stay too.
ORDINARY = [
    "You can freeze the cookies for up to three months.",
    "The app is available on the App Store and Google Play from Friday.",
    "Smith was a reporter for the Gazette for 30 years.",
    "The new data will help us understand how the virus spreads.",
    "Register of Deeds officials said the records were lost in the fire.",
    "Download speeds rose by a fifth last year.",
    "Also on Tuesday, the council approved a new budget.",
    "Follow the river for two kilometres until you reach the bridge.",
    "Sie können sich bis Freitag im Rathaus anmelden.",
    "Die Grünen kündigten an, ihre Unterstützung für das Projekt zu beenden.",
    "Le service a enregistré un million d'abonnés en un an.",
    "El partido retiró su apoyo al gobierno en marzo.",
    "O partido retirou o apoio ao governo em março.",
    "Сервис сообщил, что число подписчиков выросло вдвое.",
]


def blocks(*texts: str) -> list[Block]:
    """Blocks of ``texts``, all paragraphs."""
    return [Block(text) for text in texts]


def texts(kept: list[Block]) -> list[str]:
    """The texts of ``kept`` blocks."""
    return [block.text for block in kept]


@pytest.mark.parametrize("language", sorted(REPORTS))
def test_appeals_at_the_tail_go_and_the_report_stays(language: str) -> None:
    report, appeals = REPORTS[language], APPEALS[language]
    kept = clean_blocks(blocks(*report, *appeals), language)
    assert texts(kept) == report


@pytest.mark.parametrize("language", sorted(REPORTS))
def test_appeals_at_the_head_go_too(language: str) -> None:
    report, appeals = REPORTS[language], APPEALS[language]
    assert texts(clean_blocks(blocks(*appeals, *report))) == report


@pytest.mark.parametrize("mention", MENTIONS)
def test_a_report_mentioning_money_or_newsletters_stays_wherever_it_is(mention: str) -> None:
    report = REPORTS["en"]
    for page in ([mention, *report], [report[0], mention, *report[1:]], [*report, mention]):
        assert texts(clean_blocks(blocks(*page))) == page


@pytest.mark.parametrize("sentence", ORDINARY)
def test_an_ordinary_sentence_at_either_edge_stays(sentence: str) -> None:
    report = REPORTS["en"]
    for page in ([sentence, *report], [*report, sentence]):
        assert texts(clean_blocks(blocks(*page))) == page


def test_a_clear_pitch_deep_in_the_body_goes() -> None:
    report = REPORTS["en"]
    pitch = "Support independent journalism: donate today from just $2 a month."
    page = blocks(report[0], pitch, report[1], report[2])
    assert texts(clean_blocks(page)) == report


def test_a_page_of_reporting_is_never_touched() -> None:
    page = blocks(*(paragraph for report in REPORTS.values() for paragraph in report), *MENTIONS)
    kept = clean_blocks(page)
    assert kept == page
    assert all(a is b for a, b in zip(kept, page, strict=True))


def test_kept_blocks_are_the_same_objects_in_their_order() -> None:
    report = REPORTS["de"]
    page = blocks(APPEALS["de"][0], report[0], APPEALS["en"][2], report[1], report[2])
    kept = clean_blocks(page)
    assert [page.index(block) for block in kept] == [1, 3, 4]
    assert all(any(block is original for original in page) for block in kept)


def test_the_seed_shape_an_appeal_wrapped_around_the_article() -> None:
    article = [
        "Harbour Authority Delays Dredging Plan",
        "The harbour authority postponed its dredging plan on Monday, citing objections from "
        "fishermen who say the work would disturb spawning grounds.",
        "A spokeswoman said the authority would publish a revised schedule in the spring.",
    ]
    page = [
        "Support The Northern Ledger!",
        *article,
        "… we have a small favor to ask. For twenty years our newsroom has covered the "
        "coast without a paywall, and we want to keep it that way.",
        "Your support, however small, keeps us going. If you can, please support us monthly, "
        "starting from just $3. It takes a minute to set up. Thank you.",
        "Payment options",
        "Not ready to support today?",
        "Remind me later.",
        "Read more",
    ]
    assert texts(clean_blocks(blocks(*page))) == article


def test_an_appeal_run_in_the_middle_of_the_article_goes_together() -> None:
    report = REPORTS["en"]
    run = [
        "… we have a small favor to ask.",
        "The Ledger has covered this valley for ninety years as an independent, reader-supported "
        "newsroom.",
        "We don't have a paywall. What we have is you.",
        "Your support keeps our reporters in the courtroom. If you can, please support us "
        "monthly, from just $3. Thank you.",
        "Payment options",
        "Not ready to support today? Remind me later.",
    ]
    page = blocks(report[0], report[1], *run, report[2])
    assert texts(clean_blocks(page)) == report


def test_related_links_go_with_their_label() -> None:
    report = REPORTS["en"]
    page = blocks(
        *report,
        "Related articles",
        "Council approves new budget for road repairs",
        "Five things to know about the bridge closure",
        "Read more: Why the city's bridges are ageing",
    )
    assert texts(clean_blocks(page)) == report


def test_a_related_label_mid_article_leaves_the_next_section_alone() -> None:
    report = REPORTS["de"]
    page = [
        Block(report[0]),
        Block("Lesen Sie auch:"),
        Block("Neue Ampel an der Hauptstraße geht in Betrieb"),
        Block("Wie es mit der Brücke weitergeht", "head"),
        Block(report[1]),
        Block(report[2]),
    ]
    kept = clean_blocks(page)
    assert texts(kept) == [report[0], "Wie es mit der Brücke weitergeht", *report[1:]]


def test_navigation_credit_and_consent_lines_go() -> None:
    report = REPORTS["fr"]
    page = blocks(
        "Temps de lecture : 3 min",
        *report,
        "Photo : Jean Dupont / Agence Exemple",
        "Nous utilisons des cookies pour améliorer votre expérience. Accepter les cookies",
        "Tags: pont, circulation, conseil municipal",
    )
    assert texts(clean_blocks(page)) == report


def test_an_author_bio_with_contact_line_at_the_tail_goes() -> None:
    report = REPORTS["en"]
    page = blocks(
        *report,
        "Jane Roe is a senior reporter covering transport. Contact her at jane@example.org.",
    )
    assert texts(clean_blocks(page)) == report


def test_a_long_reporting_paragraph_needs_overwhelming_evidence() -> None:
    paragraph = (
        "The charity said it would ask supporters to donate online this year, after the "
        "number of volunteers collecting cash in the street fell by half. Its chief executive "
        "told reporters that online giving had grown every year since 2015, and that monthly "
        "donors now provided most of its income, although older supporters still preferred to "
        "give by cheque and the charity had no plans to stop accepting them."
    )
    assert pitch_score(paragraph) < 2.0
    page = blocks(*REPORTS["en"], paragraph)
    assert texts(clean_blocks(page)) == texts(page)


def test_empty_input() -> None:
    assert clean_blocks([]) == []


def test_block_round_trips_through_its_list_form() -> None:
    block = Block("Read more", "head")
    assert Block.from_list(block.to_list()) == block
    assert Block.from_list(["an older stored block"]) == Block("an older stored block", "p")


def test_the_vocabulary_gate_never_hides_a_phrase() -> None:
    samples = [
        *APPEALS["en"],
        *APPEALS["de"],
        *APPEALS["fr"],
        *APPEALS["es"],
        *APPEALS["pt"],
        *APPEALS["ru"],
        *MENTIONS,
        "Tel.: 030 1234567",
        "Das E-Paper gibt es im Abo.",
    ]
    lexicon = load_lexicon()
    for text in samples:
        lowered = text.lower()
        for vocab in lexicon.pitch_vocabularies:
            if vocab.pattern.search(lowered):
                assert not vocab.keys.isdisjoint(word_prefixes(lowered)), (text, vocab.keys)
                # and the trie scan the scores use finds a key as well
                assert vocab.hits(lowered, lexicon.candidate_keys(lowered)) > 0, (text, vocab.keys)


def test_a_vocabulary_phrase_must_open_a_gateable_word() -> None:
    with pytest.raises(ValueError):
        vocabulary(1.0, r"[$€]\d+")
    with pytest.raises(ValueError):
        vocabulary(1.0, r"Subscribe")  # phrases are lower case
    gated = vocabulary(1.0, r"abonn\w*", r"(?:tel|phone)\.? ?\d+")
    for text in ("Ihr Abonnement", "tel. 0301234", "phone 555"):
        lowered = text.lower()
        assert gated.hits(lowered, word_prefixes(lowered)) == 1, text


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (blocks("Support independent local journalism!", *REPORTS["en"]), "appeal"),
        (blocks(*REPORTS["de"], "Unterstützen Sie unabhängigen Lokaljournalismus!"), "appeal"),
        (
            blocks(*REPORTS["en"], "Sign up for our free morning newsletter."),
            "newsletter or subscription pitch",
        ),
        (
            blocks(
                *REPORTS["en"],
                "Related articles",
                "Council approves new budget for road repairs",
                "Five things to know about the bridge closure",
            ),
            "related links",
        ),
        (
            blocks(
                *REPORTS["en"],
                "Jane Roe is a senior reporter covering transport. Contact her at jane@example.org",
            ),
            "author bio",
        ),
    ],
)
def test_each_dropped_block_says_why_and_only_dropped_blocks_do(
    page: list[Block], reason: str
) -> None:
    reasons = drop_reasons(page)
    dropped = [block.text for block, why in zip(page, reasons, strict=True) if why is not None]
    assert dropped and all(why == reason for why in reasons if why is not None), reasons
    assert texts(clean_blocks(page)) == [block.text for block in page if block.text not in dropped]
    report = [text for reports in REPORTS.values() for text in reports]
    assert all(text in report for text in texts(clean_blocks(page)))


def test_the_weaker_blocks_of_an_appeal_run_go_for_the_appeal() -> None:
    report = REPORTS["en"]
    mission = "Our independent journalism is funded by readers."
    assert pitch_score(mission) < BODY_THRESHOLD  # not dropped on its own
    page = blocks(
        report[0],
        "Please support us: donate today, from just $5 a month!",
        "Monthly",
        "Once",
        "Please donate today, from just $5 a month.",
        mission,
        report[1],
        report[2],
    )
    assert drop_reasons(page) == [None, *["appeal"] * 5, None, None]
    assert drop_reasons([]) == []
