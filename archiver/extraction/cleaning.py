"""In-page boilerplate layer: drop blocks that are calls to action or navigation, not reporting.

trafilatura keeps what sits inside the article container, and publishers put their appeals there
too: donation and subscription pitches, newsletter sign-ups, "read more" and related-link lists,
share and follow prompts, author bios, copyright and credit lines, cookie notices, app prompts.

Each block gets a score from vocabulary (English, German, French, Spanish, Portuguese, Russian,
and the commonest labels of a few more languages), from labels opening the block, and from shape:
short, second person, exclamation marks, money with a period; third-person reporting and length
count against it. A run of such blocks at the head or tail of the text goes together; a block deep
in the body goes only on strong evidence. Nothing here knows any site.

A vocabulary's regex runs only on blocks holding the most telling word of one of its phrases,
so the layer costs a few percent of trafilatura's own time. ``Block.tag`` (the output element a
line starts in) keeps a heading that opens the next section out of a "related" list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from archiver.extraction.gates import PrefixGate, Vocabulary, word_key, word_prefixes
from archiver.extraction.gates import vocabulary as gated_vocabulary


@dataclass(frozen=True, slots=True)
class Block:
    """One line of trafilatura's text output, with the output element it starts in.

    ``tag`` is one of trafilatura's output tags: ``p``, ``head``, ``item``, ``quote``, ``cell``
    or ``code``.
    """

    text: str
    tag: str = "p"

    def to_list(self) -> list[str]:
        """A JSON-friendly form."""
        return [self.text, self.tag]

    @classmethod
    def from_list(cls, value: Sequence[str]) -> Block:
        """Inverse of :meth:`to_list`; also reads the older one-item form."""
        return cls(value[0], value[1] if len(value) > 1 else "p")


# --- Gated vocabularies ------------------------------------------------------------------------
# Each phrase is written in lower case and is searched in the lower-cased block, and only in
# blocks holding the most telling word of one of its phrases (see archiver.extraction.gates).

# Words (and prefixes) too common to gate on.
_COMMON = frozenset(
    ("the", "our", "your", "you", "with", "from", "for", "have", "will", "this", "that", "make")
    + ("just", "only", "like", "help", "more", "also", "und", "die", "der", "das", "sie", "ihre")
    + ("ihr", "mit", "für", "auf", "auch", "eine", "jetz", "werden", "unsere", "bereit", "les")
    + ("des", "une", "est", "vous", "votre", "pour", "dans", "los", "las", "que", "por", "para")
    + ("como", "com", "uma", "seu", "sua", "mais", "e")
)


def vocabulary(weight: float, *phrases: str) -> Vocabulary:
    """Compile lower-case ``phrases`` (regexes matched as whole words) into one vocabulary."""
    return gated_vocabulary(weight, *phrases, common=_COMMON)


# --- Vocabulary: what publishers say when they ask something of the reader --------------------

# Donation, membership and support appeals.
APPEAL = vocabulary(
    2.0,
    # en
    r"support (?:us|our (?:work|journalism|mission|reporting|newsroom)|independent \w+)",
    r"donate (?:now|today|here|to us|online)|please donate",
    r"make a (?:one-off |one-time |monthly |recurring )?(?:donation|gift)",
    r"become a (?:patron|supporter|subscriber|paying member)|become a member today",
    r"chip in|pitch in",
    r"give (?:now|today|monthly)|contribute (?:now|today|monthly)",
    r"(?:need|rely on|depends? on|count on) (?:your|readers'?) (?:help|support|generosity)",
    r"small favou?r to ask",
    r"(?:from|for) (?:just|only) ?[$€£]\s?\d+",
    r"as little as ?[$€£]\s?\d+",
    r"every (?:contribution|donation)",
    r"ready to support (?:us|today)",
    r"please (?:support|donate|subscribe|consider)|consider (?:donating|subscribing)",
    r"help us (?:keep|continue|grow|fund|do|reach|make)|please help us",
    r"helfen sie uns|hilf uns|aidez-nous|ayúdanos|ajude-nos|помогите нам",
    r"(?:without a|no|don't have a|do not have a) paywall|keine bezahlschranke|sans paywall|"
    r"sin muro de pago|sem paywall",
    # de
    r"unterstützen sie (?:uns|unabhängigen|unseren journalismus|unsere arbeit)",
    r"unterstütze (?:uns|unsere?n?)",
    r"jetzt (?:spenden|unterstützen|mitglied werden|förder\w*)",
    r"spenden sie (?:jetzt|uns|hier|noch heute)",
    r"ihre spende|deine (?:spende|unterstützung|hilfe)|eure (?:spende|unterstützung|hilfe)",
    r"werden sie (?:jetzt )?(?:mitglied|förder\w*|unterstützer\w*)",
    r"werde (?:jetzt )?(?:mitglied|förder\w*|unterstützer\w*)",
    r"freiwillig(?:en)? (?:beitrag|bezahlen|zahlen)",
    # fr
    r"soutenez(?:-nous)?",
    r"(?:faites|faire) un don",
    r"nous soutenir",
    r"(?:votre|ton) (?:soutien|don)",
    r"devenez (?:membre|abonnée?|donat\w+)",
    # es
    r"apóyanos|apoyanos|apoya (?:nuestro|el periodismo)",
    r"(?:haz|realiza) (?:una|tu) (?:donación|aportación|contribución)",
    r"dona(?:r)? (?:ahora|hoy|aquí)",
    r"hazte (?:socio|miembro|suscriptor|mecenas)",
    r"tu (?:apoyo|donación|aporte|contribución)",
    # pt
    r"apoie (?:o|a|nosso|nossa) (?:jornalismo|\w+ independente)|apoie já|apoie-nos",
    r"(?:faça|faz) uma doação",
    r"doe (?:agora|hoje|já)",
    r"seja (?:membro|assinante|apoiador|sócio)",
    r"sua doação|o seu apoio",
    # ru
    r"поддержите",
    r"поддержать (?:нас|редакцию)",
    r"сделайте пожертвование",
    r"пожертвуйте",
    r"ваша поддержка",
    r"помогите (?:нашему|нашей|редакции)",
)

# How a publisher describes itself when it asks for money: weak alone, telling next to an appeal.
MISSION = vocabulary(
    1.5,
    r"reader-(?:supported|funded)|(?:supported|funded) by (?:our )?readers",
    r"independent (?:journalism|newsroom|news source|news organi[sz]ation|media outlet)",
    r"non-?profit newsroom|keep (?:our )?(?:journalism|reporting) free|free for everyone",
    r"unabhängige[nr]? journalismus|leserfinanziert\w*|von (?:unseren )?lesern finanziert",
    r"journalisme indépendant|financée? par (?:ses|nos) lecteurs",
    r"periodismo independiente|financiado por (?:sus|nuestros) lectores",
    r"jornalismo independente|financiado pelos (?:nossos )?leitores",
    r"независим(?:ая|ую|ой) журналистик\w*|независимое издание",
)

# Subscriptions, newsletters, sign-ups, log-ins and paywall prompts.
SUBSCRIBE = vocabulary(
    1.5,
    # en
    r"subscribe(?: now| today| here| to)?",
    r"subscribers? (?:only|exclusive)",
    r"sign(?:ing)? up",
    r"newsletters?",
    r"your inbox",
    r"already (?:a )?(?:subscriber|member|registered)",
    r"log in|sign in",
    r"create (?:a|an|your) (?:free )?account",
    r"free trial",
    r"unlimited (?:digital )?access",
    r"continue reading|keep reading",
    r"full story|whole story",
    r"subscribers|first-time subscribers",
    r"cancel (?:at )?any ?time",
    r"submit (?:your|a) (?:letter|story|tip|photo|question)",
    r"never miss|don't miss",
    r"by email|par courriel|por correo electrónico|по электронной почте",
    r"click here|tap here|hier klicken|klicken sie hier|cliquez ici|haga clic aquí|clique aqui|"
    r"нажмите здесь",
    r"(?:current|latest|new) issue|(?:aktuelle|neue) ausgabe|(?:dernier|nouveau) numéro|"
    r"(?:nuevo|último) número|(?:nova|última) edição|(?:новый|свежий) номер",
    r"exclusive (?:offers|deals|content)|exklusive[nr]? (?:angebote|inhalte)|offres exclusives|"
    r"ofertas exclusivas|эксклюзивные предложения",
    r"rss",
    # de
    r"abonnier\w*",
    r"abonnent\w*",
    r"abo",
    r"(?:jetzt|gratis|kostenlos) (?:anmelden|registrieren|testen|lesen|abonnieren)",
    r"(?:hier|jetzt|kostenlos|gratis) (?:anmelden|registrieren)",
    r"registrieren sie sich|melden sie sich (?:hier|jetzt|an)|melde dich (?:hier|jetzt|an)",
    r"registrieren!|anmelden!",
    r"bereits (?:abonnent\w*|registriert|kunde)",
    r"e-paper",
    r"einloggen|eingeloggt",
    r"jederzeit (?:kündbar|kündigen|abbestellen)",
    # fr
    r"abonnez[- ]vous",
    r"abonner|abonnement",
    r"inscrivez[- ]vous",
    r"lettre d'information",
    r"déjà abonnée?",
    r"accès illimité|en illimité",
    r"connectez[- ]vous",
    r"sans engagement|résiliable à tout moment",
    # es
    r"suscr[ií]b(?:e|ete|ase|irse|anse)",
    r"suscripción|suscriptor\w*",
    r"nuestro boletín|boletín (?:de noticias|informativo|semanal|diario)",
    r"regístrate|registrate|regístrese|registrese",
    r"ya eres (?:suscriptor|miembro)",
    r"inicia(?:r)? sesión",
    r"acceso ilimitado",
    r"cancela (?:cuando quieras|en cualquier momento)",
    # pt
    r"assine(?: já| agora)?",
    r"assinatura",
    r"inscreva[- ]se|cadastre[- ]se",
    r"já é assinante",
    r"acesso ilimitado",
    r"faça (?:o )?login",
    r"cancele quando quiser",
    # ru
    r"подпи(?:шитесь|сывайтесь|саться|ску|ска)",
    r"рассылк\w+",
    r"зарегистрируйтесь",
    r"войдите",
    r"уже подписаны",
    r"отменить в любой момент",
)

# Share and follow prompts.
SOCIAL = vocabulary(
    2.0,
    r"share (?:this|on|via|the|article|story|post)",
    r"follow (?:us|me|him|her|@\w+)",
    r"follow [\w ]{1,30} on (?:twitter|facebook|instagram|linkedin|tiktok|youtube|bluesky|x)",
    r"like us on (?:facebook|instagram)",
    r"join (?:us|our \w+) on",
    r"artikel teilen|beitrag teilen|seite teilen",
    r"folg(?:en sie|e|t) (?:uns|mir)",
    r"partagez|partager (?:cet article|sur)",
    r"suivez[- ]nous",
    r"rejoignez[- ]nous",
    r"comparte|compartir (?:en|esta|este)",
    r"síganos|síguenos|siganos|siguenos",
    r"únete",
    r"compartilhe",
    r"siga[- ]nos|nos siga",
    r"поделит(?:ься|есь)",
    r"подписывайтесь на (?:нас|наш\w*)",
    r"следите за (?:нами|новостями)",
    r"присоединяйтесь",
    r"(?:our|unseren?|notre|nuestro|nosso) (?:youtube[- ])?(?:channel|kanal|chaîne|canal)",
    r"наш (?:канал|телеграм)",
)

# App download prompts.
APP = vocabulary(
    2.0,
    r"(?:download|get|install) (?:the|our) (?:free )?(?:\w+ )?(?:app|apps|application)",
    r"unsere (?:kostenlose )?app|kostenlose app",
    r"app (?:herunterladen|laden|installieren)",
    r"téléchargez (?:l'|notre )appli\w*",
    r"(?:descarga|descargue|baja) (?:la|nuestra) app",
    r"baixe (?:o|nosso) (?:app|aplicativo)",
    r"скачайте (?:приложение|наше)",
)

# Copyright, legal and advertising-disclosure lines.
LEGAL = vocabulary(
    3.0,
    r"all rights reserved",
    r"alle rechte vorbehalten",
    r"tous droits réservés",
    r"todos (?:los derechos reservados|os direitos reservados)",
    r"все права защищены",
    r"terms of (?:use|service)",
    r"privacy policy",
    r"nutzungsbedingungen",
    r"datenschutz(?:erklärung|hinweise?|bestimmungen)",
    r"impressum",
    r"mentions légales",
    r"politique de confidentialité",
    r"conditions générales",
    r"aviso legal",
    r"política de (?:privacidad|privacidade|cookies)",
    r"términos y condiciones",
    r"termos de uso",
    r"политика конфиденциальности",
    r"affiliate[- ]links?",
    r"(?:we|i) (?:may )?(?:earn|receive) (?:a )?(?:small )?(?:commission|compensation)",
    r"provision (?:erhalten|bekommen)",
    r"(?:reproduction|reproducción|reprodução) (?:interdite|prohibida|proibida|total)",
    r"may not be (?:published|reproduced|redistributed)|must not be (?:published|reproduced)",
    r"nachdruck (?:nur|verboten)",
    r"перепечатка",
    r"copyrighted|(?:without|prior) (?:the )?written permission|written permission",
    r"ohne (?:vorherige )?schriftliche genehmigung|sans autorisation (?:écrite|préalable)|"
    r"sin (?:la )?autorización (?:expresa|previa|escrita)|sem autorização (?:prévia|expressa)|"
    r"без письменного разрешения",
    r"ohne gewähr",
)

# Cookie and consent notices, and prompts to load embedded content.
COOKIE = vocabulary(
    1.5,
    r"cookie(?:s)? (?:policy|settings|preferences|banner|richtlinie|einstellungen|hinweis)",
    r"(?:use|uses|using|accept|allow|store|stores|set|sets) (?:of )?cookies",
    r"cookies (?:to|help|enable|are used|werden|helfen|permettent|nos permiten)",
    r"(?:verwendet|verwenden|nutzt|nutzen|setzt|setzen) cookies",
    r"(?:utilise|utilisons|utilisent|accepter) (?:les |des )?cookies",
    r"(?:utiliza|utilizamos|usa|usamos|aceptar|aceitar) (?:las |os )?cookies",
    r"(?:использует|используем) (?:файлы )?cookie",
    r"politique de cookies|política de cookies|файлы cookie",
    r"(?:click|klicken sie|cliquez|haga clic|clique) [\w ]{0,40}(?:to load|um den inhalt|"
    r"pour charger|para cargar|para carregar)",
    r"externe[nr]? inhalte?|embedded content",
    r"accept (?:all |the )?cookies|cookies? (?:akzeptieren|zulassen)",
)

# Prompts around reader comments.
COMMENTS = vocabulary(
    3.0,
    r"leave a (?:comment|reply)",
    r"no comments|0 comments",
    r"comments? (?:are|is) closed",
    r"(?:log|sign) in to (?:comment|reply)",
    r"you must be logged in",
    r"kommentar\w* (?:schreiben|verfassen|hinterlassen)",
    r"keine kommentare",
    r"laisser un commentaire",
    r"deja (?:un|tu) comentario",
    r"deixe (?:um|seu) comentário",
    r"оставьте комментарий",
)

READING_TIME = vocabulary(
    3.0,
    r"(?:min|mins|minute|minutes) read|(?:minuten|min\.) lesezeit",
    r"(?:reading time|lesezeit|lesedauer|temps de lecture|tiempo de lectura|tempo de leitura|"
    r"время чтения)\s?:?\s?(?:ca\. |about |environ |unos )?\d",
)

# Page metadata: when the page was last changed.
META = vocabulary(
    1.0,
    r"last (?:updated|modified)|updated on|zuletzt aktualisiert|letzte (?:aktualisierung|änderung)",
    r"aktualisiert am|mis à jour le|dernière mise à jour|actualizado el|última actualización",
    r"atualizado em|última atualização|обновлено",
)

# Author bios and contact lines: trusted only in a run at the tail.
BIO = vocabulary(
    2.0,
    r"(?:tel|phone|telefon|téléphone|teléfono|telefone|тел)\.?\s*:?\s*\+?[\d(]",
    r"is (?:a|an|the) (?:[\w-]+ ){0,3}(?:reporter|writer|journalist|correspondent|"
    r"editor|columnist|contributor|author|freelancer|photographer|producer)",
    r"(?:he|she|they) (?:writes|covers|reports) (?:about|on|for)",
    r"(?:contact|reach|email) (?:the )?(?:author|him|her|us|me)",
    r"letters? to the editor",
    r"send us|write to us",
    r"ist (?:freie[rn]? )?(?:redakteur|autor|journalist|korrespondent|reporter|volontär|"
    r"kolumnist)(?:in)?",
    r"schreibt (?:für|über|als)",
    r"est (?:journaliste|rédact\w+|correspondante?|reporter|chroniqueu\w+)",
    r"écrivez[- ]nous|contactez[- ]nous",
    r"es (?:periodista|redactora?|corresponsal|reportera?|columnista|editora?)",
    r"escr[ií]b(?:enos|anos)|contáct(?:anos|enos)",
    r"é (?:jornalista|repórter|redatora?|correspondente|colunista|editora?)",
    r"fale conosco|escreva para",
    r"напишите нам|свяжитесь с нами",
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w")

# The vocabularies every block is scored on (BIO only counts in a run at the tail).
PITCH_VOCABULARIES = (
    APPEAL,
    MISSION,
    SUBSCRIBE,
    SOCIAL,
    APP,
    LEGAL,
    COOKIE,
    COMMENTS,
    READING_TIME,
    META,
)
_OTHER_VOCABULARIES = PITCH_VOCABULARIES[1:]

# Social networks, as gate keys: a block naming two of them is a share or follow bar.
_NETWORKS = frozenset(
    word_key(name)
    for name in ("facebook", "instagram", "telegram", "whatsapp", "youtube", "tiktok", "linkedin")
    + ("pinterest", "reddit", "vkontakte", "вконтакте", "одноклассники", "mastodon", "flipboard")
    + ("xing", "twitter")
)


# Every key a pitch score compares prefixes with: no match, no vocabulary hit and no networks.
_PITCH_KEYS = frozenset(_NETWORKS).union(*(vocabulary.keys for vocabulary in PITCH_VOCABULARIES))
_GATE = PrefixGate.of(_PITCH_KEYS)


def candidate_keys(lowered: str) -> frozenset[str]:
    """Pitch keys that may be word prefixes of ``lowered`` text: a superset of those that are."""
    return _GATE.candidates(lowered)


# --- Labels: what opens (or makes up) a navigation, credit or advertising block ---------------
# Written in lower case and matched against the lower-cased block (a third of the time of a
# case-insensitive match).

_RELATED = (
    # en
    r"read (?:more|also|next|this)|"
    r"related(?: articles?| stories| posts| content| coverage| topics)?|"
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested)|don'?t miss|"
    r"more (?:stories|news|articles|on this|like this|to read)|"
    r"recommended(?: for you| stories| articles| reading)?|see also|further reading|"
    r"most (?:read|viewed|shared|popular)|popular (?:now|stories|posts)|"
    r"(?:next|previous) (?:article|story|post)|continue reading|keep reading|"
    r"what to read next|editor'?s picks?|also read|"
    # de
    r"(?:lesen|lies|sehen) sie (?:auch|mehr|hier|außerdem)|lies auch|auch (?:lesen|interessant)|"
    r"könnte (?:sie|dich|euch) (?:auch )?interessieren|mehr (?:zum|zu diesem) thema|"
    r"mehr (?:dazu|artikel|news|beiträge|themen)|"
    r"weitere (?:aktuelle )?(?:artikel|beiträge|nachrichten|news|themen|meldungen)|"
    r"(?:zum )?weiterlesen|"
    r"(?:verwandte|ähnliche|empfohlene|passende|beliebte) (?:artikel|beiträge|themen|inhalte)|"
    r"meistgelesen\w*|top-themen|schon gelesen|nicht verpassen|passend (?:dazu|zum thema)|"
    r"(?:nächster|vorheriger) (?:artikel|beitrag)|"
    # fr
    r"(?:à )?lire (?:aussi|également|la suite|plus)|voir aussi|à voir(?: aussi)?|"
    r"sur le même (?:sujet|thème)|(?:articles?|contenus?) (?:similaires|liés|associés|recommandés)|"
    r"ne manquez pas|(?:les )?plus lus|à découvrir(?: aussi)?|dans la même rubrique|"
    r"vous (?:aimerez|pourriez aimer) aussi|(?:ça|cela) (?:peut|pourrait) vous intéresser|"
    # es
    r"(?:lea|lee|leer|vea|ver|mira|mire) (?:también|más|además)|(?:te|le) puede(?:n)? interesar|"
    r"(?:noticias|notas|artículos|contenidos?) relacionad[oa]s|contenido relacionado|"
    r"lo más (?:leído|visto)|no te (?:lo )?pierdas|sigue leyendo|te recomendamos|"
    r"quizás te interese|puedes ver|"
    # pt
    r"leia (?:também|mais|ainda)|veja (?:também|mais)|"
    r"(?:notícias|matérias|artigos|posts) relacionad[oa]s|relacionad[oa]s|não perca|"
    r"mais lid[ao]s|você (?:também )?pode gostar|continue lendo|"
    # ru
    r"читайте (?:также|тоже|далее|ещё|еще)|читать (?:далее|также|ещё|еще)|"
    r"смотрите (?:также|ещё|еще)|ещё по теме|еще по теме|"
    r"похожие (?:статьи|материалы|новости)|не пропустите|самое (?:читаемое|популярное)|"
    r"материалы по теме|другие новости|новости по теме|"
    # it, nl, pl: the commonest labels only
    r"leggi anche|potrebbe interessarti|lees ook|lees meer|czytaj (?:też|także|również|więcej)|"
    r"zobacz (?:też|także)|dowiedz się więcej|"
    # "more at <address>"
    r"(?:weitere|mehr) (?:infos?|informationen) unter|more info(?:rmation)? at|"
    r"plus d'infos? sur|más información en|mais informações em"
)
# Labels too common in sentences to be trusted but before a separator: "More from us: <x>".
_MORE = (
    r"(?:also|more) on|trending(?: now)?|top stories|must read|latest (?:news|stories|articles)|"
    r"more from|more information|further information|weitere (?:infos|informationen)|"
    r"mehr (?:infos|informationen)|en savoir plus|plus d'informations|más (?:sobre|información)|"
    r"saiba mais|mais informações|подробнее|по теме"
)
# In a short block that is no sentence, or opening one: "Das Thema könnte dich auch
# interessieren:", "Lesen Sie auch unseren Kommentar."
_RELATED_ANYWHERE = re.compile(r"(?<!\w)(?:" + _RELATED + r")(?!\w)")
# Opening a block: "Weitere Informationen zum Thema <x>:", "Lesen Sie auch den Kommentar".
_RELATED_START = re.compile(r"^\W{0,3}(?:" + _RELATED + "|" + _MORE + r")(?!\w)")
# Opening a block, alone or before a separator: "Read more: <headline>".
_RELATED_LABEL = re.compile(
    r"^\W{0,3}(?:(?:" + _RELATED + "|" + _MORE + r")(?:\s*[:|»›>→]|\s+[–-]\s|\s*\.{3}|\s*…|\W*$)"
    r"|(?:lea|lee|mira|mire|vea|ver|read|lesen sie|lire)\s*:)",
)
# A block that is only a navigation label or a button: a tag list's label, a table of contents,
# "Show more"; or that opens with the label of a tag list: "Tags: ...".
_NAV_LABEL = re.compile(
    r"^\W{0,3}(?:tags?|topics|themen|schlagwörter|schlagworte|sujets|thèmes|mots-clés|temas|"
    r"etiquetas|tópicos|теги|темы|метки|table of contents|contents|inhaltsverzeichnis|inhalt|"
    r"sommaire|índice|contenido|conteúdo|содержание|оглавление|"
    r"(?:show|load|view|see) (?:more|all|image|images|comments)|(?:mehr|alle|bild|kommentare) "
    r"anzeigen|mehr laden|wird geladen|loading|afficher (?:plus|l'image|les commentaires)|"
    r"charger plus|ver (?:más|imagen|imagem|comentarios)|cargar más|carregar mais|"
    r"показать (?:ещё|еще|все)|загрузить (?:ещё|еще))\W{0,3}$"
    r"|^\W{0,3}(?:tags?|categor(?:y|ies)|kategorien?|schlagwörter|schlagworte|rubriken?|"
    r"catégories?|rubriques?|mots-clés|categorías?|etiquetas|categorias?|рубрик[аи]|теги)\s*:",
)
# An advertising label: the whole block, or its opening word followed by a separator.
_AD_LABEL = re.compile(
    r"^\W{0,3}(?:advertisement|advertising|sponsored(?: content| post)?|ad|anzeige|werbung|"
    r"publicidad|publicité|publicidade|patrocinado|реклама)\W{0,3}(?:$|[:.\-–|*] )",
)
# Photo credits and source lines: "Foto: dpa", "(Credit: Jane Doe / Agency)", "© Reuters".
_CREDIT = re.compile(
    r"^\W{0,2}(?:fot\.|abb\.|photo by|©|\(c\) |copyright)"
    r"|^\W{0,2}(?:photos?|fotos?|images?|pictures?|bild(?:er)?|titelbild|beitragsbild|symbolbild|"
    r"crédits?(?: photos?)?|credits?|photo credit|imagen|fotografía|фото|source|quelle|fuente|"
    r"fonte|источник|image illustrative|illustration)\s*:",
)
# A photo credit closing a caption: "... in Berlin (Photo: Jane Doe/Agency)."
_TRAILING_CREDIT = re.compile(
    r"\((?:photos?|fotos?|bild|crédits?(?: photos?)?|credits?|imagen|fotografía|фото)\s*:"
    r"[^()]{1,80}\)\W{0,2}$",
)
# A copyright notice inside a short block (a caption's credit, a footer line).
_COPYRIGHT = re.compile(r"(?<!\w)(?:copyright|\(c\) ?\d{4})(?!\w)")
# A block that opens with an imperative call to action addressed to the reader.
_IMPERATIVE_START = re.compile(
    r"^\W{0,3}(?:please |bitte |jetzt |now |por favor )?(?:"
    r"subscribe|sign up|donate|support|join us|register|download|become a|"
    r"don'?t miss|never miss|want more|stay (?:up to date|informed|in touch)|"
    r"abonnier\w*|registrier\w*|melde dich|melden Sie sich|unterstütz(?:e|en Sie|t)|"
    r"spende(?:n Sie)?|hol dir|holen Sie sich|verpass(?:e|en Sie) nicht|nichts (?:mehr )?verpassen|"
    r"abonnez|inscrivez|soutenez|téléchargez|rejoignez|devenez|ne manquez|faites un don|"
    r"suscr[ií]b\w+|reg[ií]str(?:ate|ese)|ap[oó]y(?:a|anos|enos)|descarg(?:a|ue)|[uú]nete|"
    r"hazte|no te pierdas|"
    r"assine|inscreva|cadastre|apoie|baixe|n[aã]o perca|"
    r"подпишитесь|подписывайтесь|зарегистрируйтесь|поддержите|скачайте|присоединяйтесь|"
    r"не пропустите|станьте"
    r")(?!\w)",
    re.IGNORECASE,
)

# --- Shape ---------------------------------------------------------------------------------------

# Money with a period: "$5 a month", "5 € im Monat".
_MONEY = re.compile(r"[$€£₽]\s?\d|\d(?:[.,]\d+)?\s?(?:€|\$|£|₽|euros?|dollars?|руб)", re.IGNORECASE)
_PERIOD = re.compile(
    r"(?<!\w)(?:(?:a|per|each|every) (?:month|year|week)|monthly|yearly|annually|"
    r"(?:im|pro) (?:monat|jahr)|monatlich|jährlich|par (?:mois|an)|mensuel\w*|al (?:mes|año)|"
    r"mensual\w*|por (?:mês|ano)|mensal\w*|в (?:месяц|год)|ежемесячн\w+)(?!\w)",
    re.IGNORECASE,
)
# The reader addressed directly (German "Sie"/"Ihr" only capitalised: lower-case they are "they").
_YOU = re.compile(
    r"(?<!\w)(?:[Yy]ou|[Yy]our|Sie|Ihr|Ihre[nmrs]?|Du|[Dd]ein\w*|[Dd]ich|[Ee]uch|[Vv]ous|"
    r"[Vv]otre|[Tt]u|[Tt]e|[Uu]sted\w*|[Vv]ocê|[Вв]ы|[Вв]ас|[Вв]ам|[Вв]аш\w*)(?!\w)"
)
_EXCLAIM = re.compile(r"!\s*$|!\s")
# Third-person reporting: attributions that appeals never carry.
_REPORTING = re.compile(
    r"(?<!\w)(?:said|says|told|according to|reported|announced|stated|added|explained|"
    r"sagte|sagt|erklärte|berichtete|betonte|teilte \w+ mit|laut|"
    r"a (?:déclaré|dit|indiqué|annoncé|affirmé|expliqué)|selon|"
    r"dijo|afirmó|declaró|según|aseguró|explicó|indicó|señaló|"
    r"disse|afirmou|declarou|segundo|explicou|informou|"
    r"сказал\w*|заявил\w*|сообщил\w*|по словам|по данным|отметил\w*)(?!\w)",
    re.IGNORECASE,
)

# --- Scoring ---------------------------------------------------------------------------------

# Scores at which a block is removed: deep in the body, and inside a run at the head or tail.
BODY_THRESHOLD = 3.5
EDGE_THRESHOLD = 2.0
# ... and next to a dropped pitch, as part of its run.
NEIGHBOUR_THRESHOLD = 1.5
# Labels and credits are at most this long; longer blocks also lose score for their length.
LABEL_CHARS = 200
# A block this short is a button, a label or a link, not a sentence.
SHORT_CHARS = 80
# Longer blocks are taken from a run at the head or tail only on body evidence.
EDGE_CHARS = 2 * LABEL_CHARS
# Short blocks ride along with a run of pitches ("Remind me later."), a few at a time.
SATELLITE_CHARS = 40
SATELLITES = 3
# A "related" list: how many items follow its label, and how long a headline may be.
RELATED_ITEMS = 8
HEADLINE_CHARS = 160


def pitch_score(text: str) -> float:
    """How much a block reads like a call to action or navigation rather than reporting."""
    lowered = text.lower()
    score = _label_score(text, lowered)
    appeal, networks = 0, False
    keys = candidate_keys(lowered)
    if keys:  # else no vocabulary can hit
        appeal = APPEAL.hits(lowered, keys)
        score += APPEAL.weight * appeal
        for vocabulary in _OTHER_VOCABULARIES:
            score += vocabulary.weight * vocabulary.hits(lowered, keys)
        # A count, so the candidates are not enough: only exact prefixes say two networks.
        networks = len(_NETWORKS & keys) >= 2 and len(_NETWORKS & word_prefixes(lowered)) >= 2
    if _IMPERATIVE_START.match(text):
        score += 2.0 if score else 1.0
    if networks:
        score += 1.5
    if score == 0.0:
        return 0.0
    return score + _shape_score(text, appeal=appeal > 0)


def _shape_score(text: str, appeal: bool) -> float:
    """What the form of a block with some pitch vocabulary adds to (or takes from) its score."""
    score = 0.0
    addressed = _YOU.search(text) is not None
    if addressed:
        score += 1.0
    if (addressed or appeal) and _MONEY.search(text) and _PERIOD.search(text):
        score += 1.5  # "from just $2 a month"; a price in a report addresses no one
    if _EXCLAIM.search(text):
        score += 0.5
    if not text.endswith("."):  # a button, a label or a cry, not a sentence
        score += (len(text) <= SHORT_CHARS) + (len(text) <= SATELLITE_CHARS)
    if _REPORTING.search(text):
        score -= 2.0
    # Long paragraphs are reporting unless the evidence is overwhelming.
    return score - max(0.0, (len(text) - LABEL_CHARS) / 150)


def bio_score(text: str) -> float:
    """How much a block reads like an author bio or contact line."""
    if len(text) > 2 * LABEL_CHARS:
        return 0.0
    if "@" in text and _EMAIL.search(text):
        return BIO.weight
    lowered = text.lower()
    return BIO.weight * min(BIO.hits(lowered, word_prefixes(lowered)), 1)


def _label_score(text: str, lowered: str) -> float:
    """Score of a navigation, credit, copyright or advertising label in a short block."""
    if len(text) > LABEL_CHARS:
        return 0.0
    if "©" in text or _COPYRIGHT.search(lowered) or _TRAILING_CREDIT.search(lowered):
        return 3.5
    if _RELATED_LABEL.match(lowered) or _CREDIT.match(lowered) or _AD_LABEL.match(lowered):
        return 4.0
    if len(text) > SHORT_CHARS:
        return 0.0
    if text.endswith((".", "!", "?")):  # a sentence: a "related" phrase counts only opening it
        related = _RELATED_ANYWHERE.match(lowered) is not None
    else:  # a label or a headline: anywhere
        related = _RELATED_ANYWHERE.search(lowered) is not None or (
            text.endswith(":") and _RELATED_START.match(lowered) is not None
        )
    return 4.0 if related or _NAV_LABEL.match(lowered) else 0.0


# --- Cleaning ----------------------------------------------------------------------------------


def clean_blocks(blocks: list[Block], language: str | None = None) -> list[Block]:
    """Return the blocks that are reporting, in order.

    ``language`` is accepted for callers that know it; the vocabulary of every supported language
    is always used, since a page's declared language is often missing or wrong.
    """
    if not blocks:
        return blocks
    scores = [pitch_score(block.text) for block in blocks]
    drop = [score >= BODY_THRESHOLD for score in scores]
    _mark_related_lists(blocks, drop)
    _mark_neighbours(blocks, scores, drop)
    _mark_run(reversed(range(len(blocks))), blocks, scores, drop, tail=True)
    _mark_run(range(len(blocks)), blocks, scores, drop, tail=False)
    return [block for block, dropped in zip(blocks, drop, strict=True) if not dropped]


def _mark_run(
    order: Iterable[int], blocks: list[Block], scores: list[float], drop: list[bool], *, tail: bool
) -> None:
    """Walk in from one end; drop pitches and the short blocks between them, up to the reporting."""
    pending: list[int] = []  # short blocks since the last pitch
    for i in order:
        text = blocks[i].text
        if len(text) > EDGE_CHARS and scores[i] < BODY_THRESHOLD:
            break
        if drop[i] or scores[i] >= EDGE_THRESHOLD or (tail and bio_score(text) >= EDGE_THRESHOLD):
            drop[i] = True
            for j in pending:
                drop[j] = True
            pending.clear()
        elif len(text) <= SATELLITE_CHARS and len(pending) < SATELLITES:
            pending.append(i)
        else:
            break


def _mark_neighbours(blocks: list[Block], scores: list[float], drop: list[bool]) -> None:
    """Extend each dropped pitch over the weaker pitches and short lines next to it.

    Appeals come in runs: "we have a favour to ask", the newsroom's story, the ask, the payment
    buttons, "remind me later". Only the ask needs to be strong.
    """
    for order in (range(len(blocks)), range(len(blocks) - 1, -1, -1)):
        in_run = False
        pending: list[int] = []  # short lines since the last dropped block
        for i in order:
            if drop[i] or (in_run and scores[i] >= NEIGHBOUR_THRESHOLD):
                for j in [*pending, i]:
                    drop[j] = True
                in_run = True
                pending.clear()
            elif in_run and len(blocks[i].text) <= SATELLITE_CHARS and len(pending) < SATELLITES:
                pending.append(i)
            else:
                in_run = False
                pending.clear()


def _mark_related_lists(blocks: list[Block], drop: list[bool]) -> None:
    """Drop the headline-like blocks that follow a stand-alone "related" label."""
    for i, block in enumerate(blocks):
        if not drop[i] or not _standalone_label(block.text):
            continue
        for j in range(i + 1, min(i + 1 + RELATED_ITEMS, len(blocks))):
            if drop[j] or not _headline_like(blocks[j].text) or _opens_section(blocks, j):
                break
            drop[j] = True


def _opens_section(blocks: list[Block], index: int) -> bool:
    """Whether the block at ``index`` is a heading over a paragraph of the article."""
    following = blocks[index + 1].text if index + 1 < len(blocks) else ""
    return blocks[index].tag == "head" and bool(following) and not _headline_like(following)


def _standalone_label(text: str) -> bool:
    """Whether ``text`` is a "related" label and nothing else ("Read more", "Lesen Sie auch:")."""
    lowered = text.lower()
    match = _RELATED_LABEL.match(lowered)
    return match is not None and len(lowered) - match.end() <= 2


def _headline_like(text: str) -> bool:
    """A short line that reads like a link to another article, not a sentence of this one."""
    return (
        len(text) <= HEADLINE_CHARS
        and not text.endswith((".", ":", ";", "!", '"', "“", "”", "»"))
        and not _REPORTING.search(text)
    )
