"""EventCo's conference, VoiceFirst Summit 2027: the event with its tickets, the speakers and the talks."""

from __future__ import annotations

from typing import Any

from demo.data.shared import CURRENCY

EVENT_ID = "voicefirst-2027"
DAYS = {1: "2027-03-18", 2: "2027-03-19"}
TRACKS = ["Voice & AI", "Web Platform", "Product & Design"]


def event(base_url: str) -> dict[str, Any]:
    return {
        "_id": EVENT_ID,
        "name": "VoiceFirst Summit 2027",
        "tagline": "Two days on building products people can talk to.",
        "start_date": DAYS[1],
        "end_date": DAYS[2],
        "dates": "18–19 March 2027",
        "venue": "Harbour Hall",
        "address": "Avenida Ribeira das Naus 12",
        "city": "Lisbon",
        "country": "Portugal",
        "description": (
            "VoiceFirst Summit brings together engineers, designers and product people who build voice "
            "interfaces, realtime AI agents and the web platforms they run on. Expect 16 talks across three "
            "tracks, hands-on demos in the expo hall and a rooftop social on the first evening."
        ),
        "tracks": TRACKS,
        "tickets": [
            {
                "name": "Early bird",
                "price": 249,
                "currency": CURRENCY,
                "available_until": "2027-01-31",
                "includes": "Both days, lunch and the evening social",
            },
            {
                "name": "Standard",
                "price": 349,
                "currency": CURRENCY,
                "available_until": "2027-03-17",
                "includes": "Both days, lunch and the evening social",
            },
            {
                "name": "Student",
                "price": 99,
                "currency": CURRENCY,
                "available_until": "2027-03-17",
                "includes": "Both days and lunch; valid student ID required at check-in",
            },
            {
                "name": "Online pass",
                "price": 49,
                "currency": CURRENCY,
                "available_until": "2027-03-19",
                "includes": "Live stream of the Main Stage and all recordings",
            },
        ],
        "contact_email": "hello@voicefirst-summit.example",
        "website": base_url + "/demo/eventco/",
    }


# (id, name, title, company, topics, bio)
_SPEAKERS: list[tuple[str, str, str, str, list[str], str]] = [
    (
        "sp-01",
        "Amara Okafor",
        "Head of Conversational AI",
        "Lumen Labs",
        ["voice agents", "AI", "latency"],
        "Amara leads the team behind Lumen's realtime voice assistant, used by two million people a month.",
    ),
    (
        "sp-02",
        "Tomás Ferreira",
        "Principal Engineer",
        "Northwind Cloud",
        ["WebRTC", "realtime", "web platform"],
        "Tomás has spent a decade on realtime media in the browser and maintains a popular WebRTC library.",
    ),
    (
        "sp-03",
        "Yuki Tanaka",
        "Design Director",
        "Studio Kaze",
        ["voice UX", "design", "accessibility"],
        "Yuki designs conversational products and teaches voice interaction design at ESAD.",
    ),
    (
        "sp-04",
        "Lena Vogt",
        "Staff Security Engineer",
        "Brightgate",
        ["security", "AI", "prompt injection"],
        "Lena red-teams AI products and has published research on tool-calling attacks.",
    ),
    (
        "sp-05",
        "Rahul Mehta",
        "CTO",
        "Shoplane",
        ["e-commerce", "voice agents", "product"],
        "Rahul built Shoplane's voice shopping assistant and cares about conversion more than demos.",
    ),
    (
        "sp-06",
        "Sofia Marquez",
        "Accessibility Lead",
        "Civic Digital",
        ["accessibility", "voice UX", "web platform"],
        "Sofia makes public-sector services work for everyone, including people who cannot use a screen.",
    ),
    (
        "sp-07",
        "Jonas Berg",
        "Developer Advocate",
        "Fjord Audio",
        ["audio", "realtime", "latency"],
        "Jonas explains audio codecs, echo cancellation and why 300 ms matters, with live demos.",
    ),
    (
        "sp-08",
        "Chloé Martin",
        "Product Manager",
        "Parla",
        ["product", "analytics", "voice agents"],
        "Chloé runs product for Parla's multilingual support agents in twelve languages.",
    ),
    (
        "sp-09",
        "Kwame Mensah",
        "Research Scientist",
        "Open Speech Institute",
        ["speech recognition", "AI", "multilingual"],
        "Kwame works on speech recognition for under-served languages and open evaluation sets.",
    ),
    (
        "sp-10",
        "Ines Carvalho",
        "Engineering Manager",
        "Tramway",
        ["observability", "realtime", "web platform"],
        "Ines runs the platform team that keeps Tramway's realtime features fast and observable.",
    ),
]


def speaker_photo_path(speaker_id: str) -> str:
    return f"/demo/eventco/photos/{speaker_id}.svg"


def speakers(base_url: str) -> list[dict[str, Any]]:
    return [
        {
            "_id": sid,
            "name": name,
            "title": title,
            "company": company,
            "topics": list(topics),
            "bio": bio,
            "photo": base_url + speaker_photo_path(sid),
        }
        for sid, name, title, company, topics, bio in _SPEAKERS
    ]


def speaker_name(speaker_id: str) -> str | None:
    return next((name for sid, name, *_ in _SPEAKERS if sid == speaker_id), None)


# (id, day, start, end, room, track, speaker ids, title, abstract)
_SESSIONS: list[tuple[str, int, str, str, str, str, list[str], str, str]] = [
    (
        "s-101",
        1,
        "09:30",
        "10:15",
        "Main Stage",
        "Voice & AI",
        ["sp-01"],
        "Keynote: The voice interface is finally here",
        "What changed in the last two years, and what still breaks when people talk to software.",
    ),
    (
        "s-102",
        1,
        "10:30",
        "11:15",
        "Room A",
        "Web Platform",
        ["sp-02"],
        "WebRTC and WebSockets for realtime audio",
        "Choosing the transport, handling jitter, and keeping audio flowing on bad mobile networks.",
    ),
    (
        "s-103",
        1,
        "10:30",
        "11:15",
        "Room B",
        "Product & Design",
        ["sp-03"],
        "Designing turn-taking",
        "Barge-in, silence, and how an agent knows it is its turn to speak.",
    ),
    (
        "s-104",
        1,
        "11:30",
        "12:15",
        "Main Stage",
        "Voice & AI",
        ["sp-04"],
        "Tool calls are an attack surface",
        "Prompt injection through tool results and the guardrails that actually hold.",
    ),
    (
        "s-105",
        1,
        "13:30",
        "14:15",
        "Room A",
        "Voice & AI",
        ["sp-05", "sp-08"],
        "Selling by voice: a year of data",
        "What visitors ask a shopping agent, where they drop off, and what moved revenue.",
    ),
    (
        "s-106",
        1,
        "13:30",
        "14:15",
        "Room B",
        "Product & Design",
        ["sp-06"],
        "Voice for everyone: accessibility first",
        "Designing voice experiences with and for people with disabilities.",
    ),
    (
        "s-107",
        1,
        "14:30",
        "15:15",
        "Main Stage",
        "Web Platform",
        ["sp-07"],
        "300 milliseconds: the latency budget",
        "Where the time goes between a spoken word and a spoken answer, measured live.",
    ),
    (
        "s-108",
        1,
        "15:30",
        "16:30",
        "Main Stage",
        "Product & Design",
        ["sp-01", "sp-03", "sp-05"],
        "Panel: When should a product talk?",
        "Three builders disagree about where voice helps and where it is a gimmick.",
    ),
    (
        "s-201",
        2,
        "09:30",
        "10:15",
        "Main Stage",
        "Voice & AI",
        ["sp-09"],
        "Keynote: Speech recognition beyond English",
        "Open data, evaluation and the long tail of the world's languages.",
    ),
    (
        "s-202",
        2,
        "10:30",
        "11:15",
        "Room A",
        "Web Platform",
        ["sp-10"],
        "Observability for realtime sessions",
        "Tracing a conversation across browser, server and model without drowning in logs.",
    ),
    (
        "s-203",
        2,
        "10:30",
        "11:15",
        "Room B",
        "Product & Design",
        ["sp-08"],
        "Measuring a voice agent",
        "Containment, satisfaction and cost per conversation: the metrics that matter.",
    ),
    (
        "s-204",
        2,
        "11:30",
        "12:15",
        "Main Stage",
        "Voice & AI",
        ["sp-04", "sp-09"],
        "Evaluating agents before your users do",
        "Building test sets from real transcripts and running them on every prompt change.",
    ),
    (
        "s-205",
        2,
        "13:30",
        "14:15",
        "Room A",
        "Web Platform",
        ["sp-02", "sp-07"],
        "Echo, noise and the open-plan office",
        "Audio processing in the browser, from echo cancellation to noise suppression.",
    ),
    (
        "s-206",
        2,
        "13:30",
        "14:15",
        "Room B",
        "Voice & AI",
        ["sp-05"],
        "From FAQ bot to agent that acts",
        "Letting a voice agent place orders safely: confirmations, idempotency and undo.",
    ),
    (
        "s-207",
        2,
        "14:30",
        "15:15",
        "Room B",
        "Product & Design",
        ["sp-06", "sp-03"],
        "Workshop: prototyping a voice flow in an hour",
        "Bring a laptop; we sketch, script and test a voice flow with real people.",
    ),
    (
        "s-208",
        2,
        "15:30",
        "16:00",
        "Main Stage",
        "Voice & AI",
        ["sp-10"],
        "Closing: what we learned",
        "A short wrap-up of the two days and what to try on Monday.",
    ),
]


def talks() -> list[dict[str, Any]]:
    return [
        {
            "_id": sid,
            "title": title,
            "abstract": abstract,
            "speaker_ids": list(speaker_ids),
            "day": day,
            "date": DAYS[day],
            "start": start,
            "end": end,
            "room": room,
            "track": track,
        }
        for sid, day, start, end, room, track, speaker_ids, title, abstract in _SESSIONS
    ]
