"""Two news sites that publish the same agency story: the wire copies of the cluster tests.

Each site wraps the story in its own headline, navigation and footer; one rewrites the lead,
edits a few words and adds a closing line of its own, the other drops the last paragraph. Each
also has a different story on the same topic (the ferry strike) and a short brief both sites
print word for word, too short to be called a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.siteserver import SiteServer, reply

WIRE = [
    "Ferry workers on the northern routes ended their nine-day strike on Thursday after union"
    " leaders and the operator agreed a new pay deal in talks that ran through the night.",
    "The agreement raises wages by 6.5 per cent over two years and limits shifts on the longest"
    " crossings to eleven hours, according to a statement issued jointly by both sides.",
    "Services between the mainland and the islands will resume on Friday morning, although the"
    " operator warned passengers that the first sailings would be crowded and some timetables"
    " would take several days to return to normal.",
    "The strike had stranded hundreds of travellers and left island shops short of fresh food"
    " and fuel, prompting the regional council to charter fishing boats for urgent deliveries.",
    "Union organiser Maria Costa said members had voted overwhelmingly to accept the offer at a"
    " meeting in the port hall, where several crews had gathered since early evening.",
    "It was never about the money alone, she told reporters outside the hall. Our crews were"
    " working double shifts on rough crossings and nobody was listening to them.",
    "The operator's chief executive, Tom Reid, thanked passengers for their patience and said"
    " the company would review its staffing plans before the busy summer season begins.",
    "Island business groups welcomed the deal but called for compensation, saying the dispute"
    " had cost hotels and restaurants thousands of bookings during the school holidays.",
]
LEAD_B = (
    "Striking ferry crews have returned to work after a marathon negotiating session ended"
    " the nine-day dispute on the northern routes early on Thursday, the union said."
)
TAIL_B = "Additional reporting by our islands correspondent in the harbour office."
OTHER = [
    "Ferry passengers faced a second week of cancellations on Monday as the strike on the"
    " northern routes continued, with no new talks scheduled between the union and the operator.",
    "At the harbour terminal, a handful of travellers queued at the ticket office hoping for"
    " news, while notices taped to the windows listed every sailing as suspended until further"
    " notice.",
    "Island residents said supermarket shelves were emptying quickly. Bread and milk arrived by"
    " chartered fishing boat on Sunday, but fuel deliveries have not reached the islands since"
    " the walkout began.",
    "The regional council held an emergency meeting and asked the government to appoint a"
    " mediator, warning that elderly residents who rely on hospital appointments on the"
    " mainland were missing treatment.",
    "Neither side would comment on the talks. A spokesman for the operator said only that the"
    " company remained committed to a fair settlement and regretted the disruption to"
    " passengers.",
]
BRIEF = (
    "Ferry timetables for the holiday weekend are posted at every terminal from Friday, and"
    " passengers with cars are asked to book their crossings at least two days ahead."
)


@dataclass(frozen=True, slots=True)
class WireSite:
    """One site's server and the paths of its wire copy, its other story and its brief."""

    server: SiteServer
    wire: str
    other: str
    brief: str

    @property
    def url(self) -> str:
        """The homepage."""
        return self.server.url

    def page(self, path: str) -> str:
        """The absolute URL of one of its pages."""
        return self.server.url + path.lstrip("/")


def page(site: str, title: str, paragraphs: list[str], day: str) -> str:
    """An article page of ``site``: its own header, navigation and footer around the story."""
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title} | {site}"
        f"</title><meta property='og:type' content='article'>"
        f"<meta property='article:published_time' content='{day}T08:00:00Z'></head><body>"
        f"<header><a href='/'>{site}</a><nav><a href='/news/'>News</a>"
        f" <a href='/islands/'>Islands</a></nav></header>"
        f"<main><article><h1>{title}</h1><p class='byline'>By Agency Staff</p>"
        f"<time datetime='{day}'>{day}</time>{body}</article></main>"
        f"<footer><p>{site}: all rights reserved. Contact the newsroom.</p></footer>"
        "</body></html>"
    )


def home(site: str, links: list[tuple[str, str]]) -> str:
    """A homepage linking to the site's articles."""
    items = "".join(f"<li><a href='{path}'>{title}</a></li>" for path, title in links)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{site}</title>"
        f"</head><body><h1>{site}</h1><ul>{items}</ul></body></html>"
    )


def edited(paragraphs: list[str]) -> list[str]:
    """The wire text as site B runs it: its own lead, a few words changed, its own tail."""
    body = [LEAD_B, *paragraphs[1:]]
    body[2] = body[2].replace("Friday morning", "Friday").replace("several days", "a few days")
    body[5] = body[5].replace("told reporters", "said")
    return [*body, TAIL_B]


def coast_site(host: str = "127.0.0.2") -> WireSite:
    """Site A: the wire story as sent, minus its last paragraph; a follow-up of its own."""
    server = SiteServer(host)
    name = "Coast Courier"
    wire, other, brief = "/news/ferry-strike-ends.html", "/news/strike-week-two.html", "/brief.html"
    links = [(wire, "Ferry strike is over"), (other, "Strike enters second week")]
    server.routes["/"] = reply(home(name, [*links, (brief, "Timetables")]))
    server.routes[wire] = reply(page(name, "Ferry strike is over", WIRE[:-1], "2026-11-19"))
    server.routes[other] = reply(page(name, "Strike enters second week", OTHER, "2026-11-09"))
    server.routes[brief] = reply(page(name, "Holiday timetables", [BRIEF], "2026-11-19"))
    return WireSite(server, wire, other, brief)


def island_site(host: str = "127.0.0.3") -> WireSite:
    """Site B: the wire story with its own lead, small edits and tail; a story of its own."""
    server = SiteServer(host)
    name = "Island Gazette"
    wire, other, brief = "/2026/11/20/crews-back.html", "/2026/11/20/school-bus.html", "/b.html"
    own = [
        "The school bus contract for the western parishes has been awarded to a new operator"
        " after the council rejected two bids as too expensive for the coming three years.",
        "Parents had complained about late buses all autumn, and the education committee said"
        " the new contract includes penalties for missed pick-ups and a second vehicle on the"
        " longest route over the hill road.",
        "The operator will take over in January and has promised to hire local drivers, many of"
        " whom worked for the previous company, a spokeswoman for the council said on Friday.",
    ]
    links = [(wire, "Crews back at work as ferry deal agreed"), (other, "New bus deal")]
    server.routes["/"] = reply(home(name, [*links, (brief, "Timetables")]))
    server.routes[wire] = reply(
        page(name, "Crews back at work as ferry deal agreed", edited(WIRE), "2026-11-20")
    )
    server.routes[other] = reply(page(name, "New school bus operator", own, "2026-11-20"))
    server.routes[brief] = reply(page(name, "Ferry timetables", [BRIEF], "2026-11-20"))
    return WireSite(server, wire, other, brief)
