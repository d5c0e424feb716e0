"""A seeded fictional world: people, companies, cities, events, their documents and sessions.

Everything is invented from syllables and a seed, so a closed-book model cannot know any
answer, and the world model knows the gold answer and the gold evidence (document id and the
sentence that states the fact) of every question it writes. Sessions follow chains of
relations (an event -> its organiser -> the founder -> the founder's birthplace ...), so later
questions refer back to earlier answers ("where was she born?"); some turns ask what no
document states (the right answer is to abstain) and some are ambiguous between two people who
share a surname (the right move is a clarifying question, after which the user says whom they
mean). Each session is asked in Chinese with probability 0.25 (46 of the 240 shipped); the
answers are the same names, years and numbers, and occupations and ages carry Chinese aliases.

`python -m agent_rl.envs.search.world --out DIR` writes `corpus.jsonl` and `sessions.jsonl`;
the files shipped in `envs/search/data/` are exactly its output for the default seed (a test
regenerates and compares them).
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SYLLABLES = [
    "va",
    "ren",
    "tho",
    "mir",
    "sel",
    "kor",
    "an",
    "dru",
    "el",
    "ix",
    "or",
    "bel",
    "quin",
    "ast",
    "lin",
    "fen",
    "gar",
    "os",
    "ul",
    "tes",
    "mar",
    "vel",
    "dor",
    "zan",
    "ki",
    "lo",
    "bra",
    "cen",
    "hal",
    "per",
    "rin",
    "sto",
    "wyn",
    "ja",
    "ce",
    "ta",
    "ru",
    "no",
    "fi",
]
INDUSTRIES = (
    "shipping",
    "textile",
    "robotics",
    "publishing",
    "food",
    "optics",
    "mining",
    "software",
)
SUFFIXES = ("Works", "Dynamics", "Labs", "Holdings", "Foundry", "Press", "Systems", "Trading")
EVENT_KINDS = ("Flood", "Fair", "Marathon", "Summit", "Regatta", "Exhibition", "Festival", "Strike")
OCCUPATIONS = {
    "chemist": "化学家",
    "architect": "建筑师",
    "engineer": "工程师",
    "painter": "画家",
    "surgeon": "外科医生",
    "novelist": "小说家",
    "astronomer": "天文学家",
    "economist": "经济学家",
    "botanist": "植物学家",
    "composer": "作曲家",
}
UNANSWERABLE = {
    "company": [
        ("How many employees does {name} have?", "{name}有多少名员工？"),
        ("What was {name}'s revenue last year?", "{name}去年的营收是多少？"),
        ("Who is the current chief executive of {name}?", "{name}现任首席执行官是谁？"),
    ],
    "person": [
        ("What is {name}'s favourite food?", "{name}最喜欢的食物是什么？"),
        ("How tall is {name}?", "{name}有多高？"),
        ("Which school did {name} attend?", "{name}上的是哪所学校？"),
    ],
    "city": [
        ("Who is the mayor of {name}?", "{name}的市长是谁？"),
        ("What is the average rainfall in {name}?", "{name}的年平均降雨量是多少？"),
    ],
}


def _name(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


@dataclass
class Person:
    id: str
    first: str
    last: str
    gender: str
    born: int
    birth_city: str
    occupation: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class City:
    id: str
    name: str
    country: str
    founded: int
    population: int


@dataclass
class Company:
    id: str
    name: str
    industry: str
    founded: int
    founder: str
    hq: str


@dataclass
class Event:
    id: str
    name: str
    year: int
    city: str
    organiser: str


@dataclass
class World:
    people: dict[str, Person] = field(default_factory=dict)
    cities: dict[str, City] = field(default_factory=dict)
    companies: dict[str, Company] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    """doc id -> {"id", "title", "text", "facts": {fact name: sentence}}."""


def build_world(
    seed: int = 0,
    n_people: int = 120,
    n_companies: int = 60,
    n_cities: int = 40,
    n_events: int = 40,
) -> World:
    """The entities and their documents, the same for the same arguments."""
    rng = random.Random(seed)
    used: set[str] = set()

    def fresh(syllables: int) -> str:
        while True:
            name = _name(rng, syllables)
            if name not in used and len(name) >= 4:
                used.add(name)
                return name

    world = World()
    countries = [fresh(3) for _ in range(6)]
    for i in range(n_cities):
        cid = f"city-{i:04d}"
        world.cities[cid] = City(
            cid,
            fresh(3),
            rng.choice(countries),
            rng.randint(1200, 1880),
            rng.randrange(20_000, 2_000_000, 1000),
        )
    city_ids = list(world.cities)
    surnames: list[str] = []
    for i in range(n_people):
        pid = f"person-{i:04d}"
        gender = rng.choice(("f", "m"))
        if i % 8 == 1 and i > 1:  # share a surname (and gender) with the previous person
            prev = world.people[f"person-{i - 1:04d}"]
            last, gender = prev.last, prev.gender
        else:
            last = fresh(2)
        surnames.append(last)
        world.people[pid] = Person(
            pid,
            fresh(2),
            last,
            gender,
            rng.randint(1820, 1990),
            rng.choice(city_ids),
            rng.choice(list(OCCUPATIONS)),
        )
    people_ids = list(world.people)
    founders = rng.sample(people_ids, n_companies)
    for i in range(n_companies):
        coid = f"company-{i:04d}"
        founder = world.people[founders[i]]
        founded = min(founder.born + rng.randint(22, 60), 2020)
        world.companies[coid] = Company(
            coid,
            f"{fresh(2)} {rng.choice(SUFFIXES)}",
            rng.choice(INDUSTRIES),
            founded,
            founder.id,
            rng.choice(city_ids),
        )
    company_ids = list(world.companies)
    for i in range(n_events):
        eid = f"event-{i:04d}"
        org = world.companies[rng.choice(company_ids)]
        city = world.cities[rng.choice(city_ids)]
        year = rng.randint(org.founded + 1, org.founded + 40)
        name = f"{year} {city.name} {rng.choice(EVENT_KINDS)}"
        world.events[eid] = Event(eid, name, year, city.id, org.id)
    _write_documents(world)
    return world


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _pron(p: Person) -> tuple[str, str, str]:
    return ("She", "she", "她") if p.gender == "f" else ("He", "he", "他")


def _write_documents(world: World) -> None:
    founded_by: dict[str, list[Company]] = {}
    for co in world.companies.values():
        founded_by.setdefault(co.founder, []).append(co)
    for p in world.people.values():
        city = world.cities[p.birth_city]
        cap, _, _ = _pron(p)
        facts = {
            "occupation": f"{p.name} is {_article(p.occupation)} {p.occupation}.",
            "born": f"{cap} was born in {p.born} in {city.name}.",
        }
        for co in founded_by.get(p.id, []):
            facts[f"founded:{co.id}"] = f"{cap} founded {co.name} in {co.founded}."
        _add_doc(world, p.id, p.name, facts)
    for c in world.cities.values():
        facts = {
            "country": f"{c.name} is a city in {c.country}.",
            "founded": f"It was founded in {c.founded}.",
            "population": f"About {c.population:,} people live there.",
        }
        _add_doc(world, c.id, c.name, facts)
    for co in world.companies.values():
        founder = world.people[co.founder]
        facts = {
            "industry": f"{co.name} is {_article(co.industry)} {co.industry} company.",
            "hq": f"Its headquarters are in {world.cities[co.hq].name}.",
            "founded": f"It was founded in {co.founded} by {founder.name}.",
        }
        _add_doc(world, co.id, co.name, facts)
    for e in world.events.values():
        facts = {
            "where": f"The {e.name} took place in {world.cities[e.city].name} in {e.year}.",
            "organiser": f"It was organised by {world.companies[e.organiser].name}.",
        }
        _add_doc(world, e.id, f"The {e.name}", facts)


def _add_doc(world: World, doc_id: str, title: str, facts: dict[str, str]) -> None:
    world.documents[doc_id] = {
        "id": doc_id,
        "title": title,
        "text": " ".join(facts.values()),
        "facts": facts,
    }


# --------------------------------------------------------------------------- sessions


def _ev(world: World, doc_id: str, fact: str) -> dict[str, str]:
    return {"doc_id": doc_id, "text": world.documents[doc_id]["facts"][fact]}


def _turn(
    tag: str, en: str, zh: str, answers: list[str], evidence: list[dict[str, str]], **extra: Any
) -> dict[str, Any]:
    return {"tag": tag, "en": en, "zh": zh, "answers": answers, "evidence": evidence, **extra}


def _age_answers(age: int) -> list[str]:
    return [str(age), f"{age} years old", f"{age}岁"]


def _occupation_answers(occupation: str) -> list[str]:
    return [occupation, OCCUPATIONS[occupation]]


def _person_chain(
    world: World, p: Person, rng: random.Random, first_tag: str
) -> list[dict[str, Any]]:
    _cap, low, zh = _pron(p)
    city = world.cities[p.birth_city]
    occ = _occupation_answers(p.occupation)
    if first_tag == "underspecified":
        title = "Ms." if p.gender == "f" else "Mr."
        first = _turn(
            "underspecified",
            f"What does {title} {p.last} do for a living?",
            f"{p.last}{'女士' if p.gender == 'f' else '先生'}是做什么工作的？",
            occ,
            [_ev(world, p.id, "occupation")],
            clarification={
                "en": f"I mean {p.name}, who was born in {p.born}.",
                "zh": f"我指的是{p.born}年出生的{p.name}。",
            },
        )
    else:
        first = _turn(
            "standalone",
            f"What does {p.name} do for a living?",
            f"{p.name}是做什么工作的？",
            occ,
            [_ev(world, p.id, "occupation")],
        )
    return [
        first,
        _turn(
            "coreferent",
            f"In which year was {low} born?",
            f"{zh}是哪一年出生的？",
            [str(p.born)],
            [_ev(world, p.id, "born")],
        ),
        _turn(
            "coreferent",
            f"In which city was {low} born?",
            f"{zh}出生在哪个城市？",
            [city.name],
            [_ev(world, p.id, "born")],
        ),
        _turn(
            "coreferent",
            "In which country is that city?",
            "那个城市位于哪个国家？",
            [city.country],
            [_ev(world, city.id, "country")],
        ),
        _turn(
            "coreferent",
            "When was the city founded?",
            "这个城市是哪一年建立的？",
            [str(city.founded)],
            [_ev(world, city.id, "founded")],
        ),
    ]


def _company_chain(world: World, co: Company) -> list[dict[str, Any]]:
    founder = world.people[co.founder]
    _cap, low, zh = _pron(founder)
    city = world.cities[founder.birth_city]
    return [
        _turn(
            "standalone",
            f"Who founded {co.name}?",
            f"{co.name}是谁创立的？",
            [founder.name],
            [_ev(world, co.id, "founded")],
        ),
        _turn(
            "coreferent",
            f"Where was {low} born?",
            f"{zh}出生在哪里？",
            [city.name],
            [_ev(world, founder.id, "born")],
        ),
        _turn(
            "coreferent",
            f"How old was {low} when {low} founded the company?",
            f"{zh}创立这家公司时多少岁？",
            _age_answers(co.founded - founder.born),
            [_ev(world, co.id, "founded"), _ev(world, founder.id, "born")],
        ),
        _turn(
            "coreferent",
            f"What is {founder.last}'s profession?",
            f"{founder.last}的职业是什么？",
            _occupation_answers(founder.occupation),
            [_ev(world, founder.id, "occupation")],
        ),
        _turn(
            "coreferent",
            "In which country is that birthplace?",
            "那个出生地位于哪个国家？",
            [city.country],
            [_ev(world, city.id, "country")],
        ),
    ]


def _event_chain(world: World, e: Event) -> list[dict[str, Any]]:
    co = world.companies[e.organiser]
    founder = world.people[co.founder]
    hq = world.cities[co.hq]
    return [
        _turn(
            "standalone",
            f"Which company organised the {e.name}?",
            f"{e.name}是由哪家公司组织的？",
            [co.name],
            [_ev(world, e.id, "organiser")],
        ),
        _turn(
            "coreferent",
            "Where are its headquarters?",
            "这家公司的总部在哪里？",
            [hq.name],
            [_ev(world, co.id, "hq")],
        ),
        _turn(
            "coreferent",
            "Who founded it?",
            "它是谁创立的？",
            [founder.name],
            [_ev(world, co.id, "founded")],
        ),
        _turn(
            "coreferent",
            "In what year was the founder born?",
            "创始人是哪一年出生的？",
            [str(founder.born)],
            [_ev(world, founder.id, "born")],
        ),
        _turn(
            "coreferent",
            f"How many years after the company's founding did the {e.name.split()[-1].lower()} take place?",
            "这次活动是在公司成立多少年后举办的？",
            [str(e.year - co.founded), f"{e.year - co.founded} years", f"{e.year - co.founded}年"],
            [_ev(world, e.id, "where"), _ev(world, co.id, "founded")],
        ),
    ]


def _unanswerable(world: World, kind: str, entity_id: str, rng: random.Random) -> dict[str, Any]:
    name = {"company": world.companies, "person": world.people, "city": world.cities}[kind][
        entity_id
    ].name
    en, zh = rng.choice(UNANSWERABLE[kind])
    return _turn("unanswerable", en.format(name=name), zh.format(name=name), [], [])


def build_sessions(
    world: World, n: int = 240, seed: int = 0, zh_fraction: float = 0.25
) -> list[dict[str, Any]]:
    """`n` sessions of 2-6 turns with gold answers, evidence and the searches each needs."""
    rng = random.Random(seed + 1)
    shared = [
        p for p in world.people.values() if sum(q.last == p.last for q in world.people.values()) > 1
    ]
    sessions = []
    for i in range(n):
        kind = ("person", "company", "event")[i % 3]
        if kind == "person":
            ambiguous = i % 6 == 0
            person = rng.choice(shared) if ambiguous else rng.choice(list(world.people.values()))
            turns = _person_chain(
                world, person, rng, "underspecified" if ambiguous else "standalone"
            )
            subject = ("person", person.id)
        elif kind == "company":
            co = rng.choice(list(world.companies.values()))
            turns = _company_chain(world, co)
            subject = ("company", co.id)
        else:
            e = rng.choice(list(world.events.values()))
            turns = _event_chain(world, e)
            subject = ("company", e.organiser)
        length = rng.randint(2, 5)
        turns = turns[:length]
        if rng.random() < 0.35:
            turns.insert(rng.randint(1, len(turns)), _unanswerable(world, *subject, rng))
        lang = "zh" if rng.random() < zh_fraction else "en"
        sessions.append(_session(f"s{i:04d}", turns, lang))
    return sessions


def _session(sid: str, turns: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    seen: set[str] = set()
    out = []
    for t in turns:
        docs = list(dict.fromkeys(e["doc_id"] for e in t["evidence"]))
        new = [d for d in docs if d not in seen]
        seen.update(docs)
        turn = {
            "tag": t["tag"],
            "user": t[lang],
            "answers": t["answers"],
            "evidence": t["evidence"],
            # an unanswerable turn needs one search to know that nothing says
            "min_searches": 1 if t["tag"] == "unanswerable" else len(new),
        }
        if "clarification" in t:
            turn["clarification"] = t["clarification"][lang]
        out.append(turn)
    goal = "Find out, one question at a time: " + " / ".join(t["user"] for t in out)
    return {"id": sid, "lang": lang, "goal": goal, "turns": out}


def write_data(out: str | Path, seed: int = 0) -> tuple[Path, Path]:
    """Write corpus.jsonl and sessions.jsonl for `seed` into `out`."""
    world = build_world(seed)
    sessions = build_sessions(world, seed=seed)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": d["id"], "title": d["title"], "text": d["text"]}, ensure_ascii=False)
            + "\n"
            for d in world.documents.values()
        ),
        encoding="utf-8",
    )
    path = folder / "sessions.jsonl"
    path.write_text(
        "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sessions), encoding="utf-8"
    )
    return corpus, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).with_name("data")))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for path in write_data(args.out, args.seed):
        print(path)


if __name__ == "__main__":
    main()
