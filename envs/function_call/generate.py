"""Seeded generators of ToolWorld tasks, and the script that writes `data/toolworld.jsonl`.

Each generator builds one task from `random.Random(f"{kind}:{seed}")`: a random initial
state, the user's request, the reference solution, milestones, minefields and the answer
the user must get. The expected final state is not written by hand: the reference solution
is executed on the suite's service and its state is taken, and the generator checks that
every milestone is reached and no minefield is hit by it (so every shipped task is solvable
by construction). Regenerate with `python -m agent_rl.envs.function_call.generate`.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent_rl.envs.function_call.judge import matches, milestone_share
from agent_rl.envs.function_call.services import SUITES, ServiceError
from agent_rl.envs.function_call.services.calendar import DAYS

WORDS = (
    "alpha",
    "budget",
    "cedar",
    "delta",
    "ember",
    "falcon",
    "garnet",
    "harbor",
    "indigo",
    "juniper",
    "kepler",
    "lumen",
    "maple",
    "nova",
    "orbit",
    "pixel",
    "quartz",
    "raven",
)
PEOPLE = ("alice", "bob", "carol", "dave", "erin", "frank")
TITLES = (
    "standup",
    "design review",
    "1:1 with Sam",
    "lunch",
    "budget sync",
    "demo prep",
    "hiring panel",
    "retro",
    "planning",
    "customer call",
)
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
}


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def turn(steps: list[list[dict[str, Any]]], reply: str) -> dict[str, Any]:
    return {"steps": steps, "reply": reply}


def finish(raw: dict[str, Any], *, allow_errors: bool = False) -> dict[str, Any]:
    """Execute the solution, set `target.final_state`, check milestones and minefields."""
    service = SUITES[raw["suite"]](raw["initial_state"])
    for t in raw["solution"]:
        for step in t["steps"]:
            for c in step:
                try:
                    getattr(service, c["name"])(**c["arguments"])
                except ServiceError:
                    if not allow_errors:
                        raise
    target = raw["target"]
    target["final_state"] = service.state()
    if milestone_share(target.get("milestones", []), service.events) != 1.0:
        raise AssertionError(f"{raw['id']}: the solution misses a milestone")
    if any(matches(m, e) for m in target.get("minefields", []) for e in service.events):
        raise AssertionError(f"{raw['id']}: the solution hits a minefield")
    return raw


# ------------------------------------------------------------------------------ files
def _files(rng: random.Random) -> dict[str, str]:
    files = {}
    for folder, ext in (("/docs", ".txt"), ("/logs", ".log"), ("/tmp", ".tmp"), ("/tmp", ".txt")):
        for _ in range(rng.randint(1, 3)):
            name = f"{folder}/{rng.choice(WORDS)}-{rng.randint(1, 99)}{ext}"
            files[name] = f"{rng.choice(WORDS)} {rng.choice(WORDS)} code {rng.randint(1000, 9999)}"
    return files


def files_archive(rng: random.Random, tid: str) -> dict[str, Any]:
    files = _files(rng)
    logs = sorted(p for p in files if p.endswith(".log"))
    moves = [call("move_file", source=p, destination="/archive/") for p in logs]
    return {
        "id": tid,
        "suite": "files",
        "prompt": "Move every .log file in /logs into /archive/, keeping their names.",
        "persona": "a tidy sysadmin",
        "goal": "all log files moved from /logs to /archive",
        "initial_state": {"files": files},
        "target": {
            "milestones": [
                {"id": f"m{i}", "tool": "move_file", "args": {"source": p}}
                for i, p in enumerate(logs)
            ],
            "minefields": [{"tool": "delete_file"}, {"tool": "write_file"}],
        },
        "solution": [
            turn(
                [[call("list_files", directory="/logs")], moves],
                f"Moved {len(logs)} log file(s) to /archive.",
            )
        ],
    }


def files_cleanup(rng: random.Random, tid: str) -> dict[str, Any]:
    files = _files(rng)
    tmp = sorted(p for p in files if p.endswith(".tmp"))
    keep = sorted(p for p in files if not p.endswith(".tmp"))
    return {
        "id": tid,
        "suite": "files",
        "prompt": "Delete all .tmp files under /tmp, and nothing else.",
        "persona": "a careful user short on disk space",
        "goal": "only the .tmp files deleted",
        "initial_state": {"files": files},
        "target": {
            "milestones": [
                {"id": f"d{i}", "tool": "delete_file", "args": {"path": p}}
                for i, p in enumerate(tmp)
            ],
            "minefields": [{"tool": "delete_file", "args": {"path": p}} for p in keep]
            + [{"tool": "move_file"}, {"tool": "write_file"}],
        },
        "solution": [
            turn(
                [[call("find_files", pattern="*.tmp")], [call("delete_file", path=p) for p in tmp]],
                f"Deleted {len(tmp)} .tmp file(s).",
            )
        ],
    }


def files_lookup(rng: random.Random, tid: str) -> dict[str, Any]:
    files = _files(rng)
    path = rng.choice(sorted(p for p in files if p.startswith("/docs")))
    code = files[path].rsplit(" ", 1)[1]
    return {
        "id": tid,
        "suite": "files",
        "prompt": f"What is the code number written in {path}? Reply with the number.",
        "persona": "a colleague who needs a code",
        "goal": f"learn the code number in {path}",
        "initial_state": {"files": files},
        "target": {
            "minefields": [{"tool": "delete_file"}, {"tool": "move_file"}, {"tool": "write_file"}],
            "answer_contains": [code],
        },
        "solution": [turn([[call("read_file", path=path)]], f"The code is {code}.")],
    }


def files_rename_then_index(rng: random.Random, tid: str) -> dict[str, Any]:
    files = _files(rng)
    path = rng.choice(sorted(p for p in files if p.startswith("/docs")))
    new = f"/docs/{rng.choice(WORDS)}-final.txt"
    while new in files:
        new = f"/docs/{rng.choice(WORDS)}-final-{rng.randint(100, 999)}.txt"
    after = {**files, new: files[path]}
    del after[path]
    listing = "\n".join(sorted(p for p in after if p.startswith("/docs/")))
    return {
        "id": tid,
        "suite": "files",
        "prompt": f"Rename {path} to {new}.",
        "user_turns": [
            "Thanks. Now write /docs/index.txt listing every file path under /docs "
            "(before adding the index itself), one per line, sorted."
        ],
        "persona": "a writer organising drafts",
        "goal": "a renamed draft and an index file",
        "initial_state": {"files": files},
        "target": {
            "milestones": [
                {"id": "rename", "tool": "move_file", "args": {"source": path, "destination": new}},
                {
                    "id": "index",
                    "tool": "write_file",
                    "args": {"path": "/docs/index.txt"},
                    "after": ["rename"],
                },
            ],
            "minefields": [{"tool": "delete_file"}],
        },
        "solution": [
            turn([[call("move_file", source=path, destination=new)]], "Renamed."),
            turn(
                [
                    [call("list_files", directory="/docs")],
                    [call("write_file", path="/docs/index.txt", content=listing)],
                ],
                "Wrote /docs/index.txt.",
            ),
        ],
    }


# ---------------------------------------------------------------------------- calendar
def _week(rng: random.Random) -> list[dict[str, Any]]:
    events, next_id = [], 1
    for day in DAYS:
        hour = 9
        for title in rng.sample(TITLES, rng.randint(1, 3)):
            hour += rng.randint(0, 2)
            length = rng.randint(1, 2)
            if hour + length > 17:
                break
            events.append(
                {"id": next_id, "title": title, "day": day, "start": hour, "end": hour + length}
            )
            next_id += 1
            hour += length
    return events


def _free(events: list[dict[str, Any]], day: str, hours: int) -> int | None:
    for start in range(9, 18 - hours + 1):
        if all(
            not (e["day"] == day and start < e["end"] and e["start"] < start + hours)
            for e in events
        ):
            return start
    return None


def calendar_book_free(rng: random.Random, tid: str) -> dict[str, Any]:
    events = _week(rng)
    day, hours = rng.choice(DAYS), rng.randint(1, 2)
    start = _free(events, day, hours)
    if start is None:
        return calendar_book_free(rng, tid)
    title = f"{rng.choice(WORDS)} workshop"
    return {
        "id": tid,
        "suite": "calendar",
        "prompt": f"Book a {hours}-hour '{title}' on {DAY_NAMES[day]} in the earliest free slot "
        "between 9 and 18, and tell me when it starts.",
        "persona": "a busy manager",
        "goal": f"a {hours}-hour {title} booked early on {day}",
        "initial_state": {"events": events},
        "target": {
            "milestones": [
                {
                    "id": "book",
                    "tool": "create_event",
                    "args": {"title": title, "day": day, "start": start},
                }
            ],
            "minefields": [{"tool": "cancel_event"}, {"tool": "move_event"}],
            "answer_contains": [str(start)],
        },
        "solution": [
            turn(
                [
                    [call("find_free_slot", day=day, hours=hours)],
                    [call("create_event", title=title, day=day, start=start, end=start + hours)],
                ],
                f"Booked '{title}' on {DAY_NAMES[day]} from {start}:00.",
            )
        ],
    }


def calendar_cancel(rng: random.Random, tid: str) -> dict[str, Any]:
    events = _week(rng)
    victim = rng.choice(events)
    day = victim["day"]
    others = [e for e in events if e["id"] != victim["id"]]
    return {
        "id": tid,
        "suite": "calendar",
        "prompt": f"Cancel my '{victim['title']}' on {DAY_NAMES[day]}.",
        "persona": "someone clearing their week",
        "goal": f"the {victim['title']} on {day} gone",
        "initial_state": {"events": events},
        "target": {
            "milestones": [
                {"id": "cancel", "tool": "cancel_event", "args": {"event_id": victim["id"]}}
            ],
            "minefields": [{"tool": "cancel_event", "args": {"event_id": e["id"]}} for e in others]
            + [{"tool": "create_event"}],
        },
        "solution": [
            turn(
                [[call("list_events", day=day)], [call("cancel_event", event_id=victim["id"])]],
                f"Cancelled '{victim['title']}' on {DAY_NAMES[day]}.",
            )
        ],
    }


def calendar_move(rng: random.Random, tid: str) -> dict[str, Any]:
    events = _week(rng)
    for _ in range(20):
        event = rng.choice(events)
        day = rng.choice([d for d in DAYS if d != event["day"]])
        length = event["end"] - event["start"]
        start = _free([e for e in events if e["id"] != event["id"]], day, length)
        if start is not None:
            break
    else:
        return calendar_book_free(rng, tid)
    return {
        "id": tid,
        "suite": "calendar",
        "prompt": f"Move my '{event['title']}' from {DAY_NAMES[event['day']]} to the earliest "
        f"free time on {DAY_NAMES[day]} (same length).",
        "persona": "a rescheduling engineer",
        "goal": f"{event['title']} moved to {day}",
        "initial_state": {"events": events},
        "target": {
            "milestones": [
                {
                    "id": "move",
                    "tool": "move_event",
                    "args": {"event_id": event["id"], "day": day, "start": start},
                }
            ],
            "minefields": [{"tool": "cancel_event"}],
        },
        "solution": [
            turn(
                [
                    [
                        call("list_events", day=event["day"]),
                        call("find_free_slot", day=day, hours=length),
                    ],
                    [call("move_event", event_id=event["id"], day=day, start=start)],
                ],
                f"Moved it to {DAY_NAMES[day]} at {start}:00.",
            )
        ],
    }


def calendar_query_then_book(rng: random.Random, tid: str) -> dict[str, Any]:
    events = _week(rng)
    event = rng.choice(events)
    day = event["day"]
    start = _free(events, day, 1)
    if start is None:
        return calendar_cancel(rng, tid)
    return {
        "id": tid,
        "suite": "calendar",
        "prompt": f"When does my '{event['title']}' on {DAY_NAMES[day]} start?",
        "user_turns": [
            f"OK. Please also book a 1-hour 'focus time' that {DAY_NAMES[day]} in "
            "the earliest free hour."
        ],
        "persona": "a planner",
        "goal": f"know when {event['title']} starts, then add focus time",
        "initial_state": {"events": events},
        "target": {
            "milestones": [
                {
                    "id": "focus",
                    "tool": "create_event",
                    "args": {"title": "focus time", "day": day, "start": start},
                }
            ],
            "minefields": [{"tool": "cancel_event"}, {"tool": "move_event"}],
            "answer_contains": [str(start)],
        },
        "solution": [
            turn([[call("list_events", day=day)]], f"It starts at {event['start']}:00."),
            turn(
                [
                    [call("find_free_slot", day=day, hours=1)],
                    [call("create_event", title="focus time", day=day, start=start, end=start + 1)],
                ],
                f"Booked focus time at {start}:00.",
            ),
        ],
    }


# -------------------------------------------------------------------------------- bank
def _accounts(rng: random.Random) -> dict[str, Any]:
    accounts = {
        "checking": float(rng.randint(2, 60) * 25),
        "savings": float(rng.randint(20, 120) * 25),
    }
    for person in rng.sample(PEOPLE, 2):
        accounts[person] = float(rng.randint(0, 20) * 10)
    return {"accounts": accounts, "daily_limit": 5000.0, "sent_today": 0.0, "transactions": []}


def bank_transfer(rng: random.Random, tid: str) -> dict[str, Any]:
    state = _accounts(rng)
    amount = float(rng.randint(1, int(state["accounts"]["savings"] // 25)) * 25)
    return {
        "id": tid,
        "suite": "bank",
        "prompt": f"Move {amount:.2f} from savings to checking.",
        "persona": "a saver",
        "goal": f"{amount:.2f} moved into checking",
        "initial_state": state,
        "target": {
            "milestones": [
                {
                    "id": "t",
                    "tool": "transfer",
                    "args": {"source": "savings", "target": "checking", "amount": amount},
                }
            ]
        },
        "solution": [
            turn([[call("transfer", source="savings", target="checking", amount=amount)]], "Done.")
        ],
    }


def bank_pay_with_topup(rng: random.Random, tid: str) -> dict[str, Any]:
    state = _accounts(rng)
    person = next(a for a in state["accounts"] if a in PEOPLE)
    checking = state["accounts"]["checking"]
    amount = checking + float(rng.randint(1, 8) * 25)
    missing = amount - checking
    return {
        "id": tid,
        "suite": "bank",
        "prompt": f"Pay {person} {amount:.2f} from checking. If checking is short, first move "
        "exactly the missing amount from savings.",
        "persona": "a tenant paying a friend back",
        "goal": f"{person} paid {amount:.2f}",
        "initial_state": state,
        "target": {
            "milestones": [
                {
                    "id": "topup",
                    "tool": "transfer",
                    "args": {"source": "savings", "target": "checking", "amount": missing},
                },
                {
                    "id": "pay",
                    "tool": "transfer",
                    "args": {"source": "checking", "target": person, "amount": amount},
                    "after": ["topup"],
                },
            ]
        },
        "solution": [
            turn(
                [
                    [call("get_balance", account="checking")],
                    [call("transfer", source="savings", target="checking", amount=missing)],
                    [call("transfer", source="checking", target=person, amount=amount)],
                ],
                f"Topped up {missing:.2f} and paid {person} {amount:.2f}.",
            )
        ],
    }


def bank_balance_then_split(rng: random.Random, tid: str) -> dict[str, Any]:
    state = _accounts(rng)
    a, b = [x for x in state["accounts"] if x in PEOPLE]
    total = float(rng.randint(1, int(state["accounts"]["savings"] // 50)) * 20)
    half = total / 2
    balance = state["accounts"]["savings"]
    return {
        "id": tid,
        "suite": "bank",
        "prompt": "How much is in my savings account?",
        "user_turns": [f"Send {total:.2f} from savings split equally between {a} and {b}."],
        "persona": "a parent sending allowance",
        "goal": f"{a} and {b} get half each",
        "initial_state": state,
        "target": {
            "milestones": [
                {
                    "id": "a",
                    "tool": "transfer",
                    "args": {"source": "savings", "target": a, "amount": half},
                },
                {
                    "id": "b",
                    "tool": "transfer",
                    "args": {"source": "savings", "target": b, "amount": half},
                },
            ],
            "minefields": [{"tool": "transfer", "args": {"target": "checking"}}],
            "answer_contains": [f"{balance:.2f}"],
        },
        "solution": [
            turn([[call("get_balance", account="savings")]], f"Savings holds {balance:.2f}."),
            turn(
                [
                    [
                        call("transfer", source="savings", target=a, amount=half),
                        call("transfer", source="savings", target=b, amount=half),
                    ]
                ],
                f"Sent {half:.2f} to each.",
            ),
        ],
    }


def bank_over_limit(rng: random.Random, tid: str) -> dict[str, Any]:
    state = _accounts(rng)
    state["daily_limit"] = 500.0
    state["accounts"]["savings"] = 3000.0
    amount = float(rng.randint(21, 40) * 25)
    return {
        "id": tid,
        "suite": "bank",
        "prompt": f"Transfer {amount:.2f} from savings to checking. If that is not allowed, "
        "tell me why and change nothing.",
        "persona": "an impatient customer",
        "goal": "a large transfer, or the reason it fails",
        "initial_state": state,
        "target": {"minefields": [{"tool": "transfer"}], "answer_contains": ["limit"]},
        "solution": [
            turn(
                [[call("transfer", source="savings", target="checking", amount=amount)]],
                "The transfer was refused: it is over the daily limit of 500.00.",
            )
        ],
    }


# -------------------------------------------------------------------------------- shop
PRODUCTS = (
    "desk lamp",
    "coffee mug",
    "usb cable",
    "notebook",
    "backpack",
    "water bottle",
    "phone stand",
    "headphones",
    "mouse pad",
    "plant pot",
)
CUSTOMERS = ("ana", "ben", "chloe", "dmitri", "eve", "femi")


def _shop(rng: random.Random) -> dict[str, Any]:
    names = rng.sample(PRODUCTS, 5)
    products = {
        f"SKU-{i + 1:03d}": {
            "name": n,
            "price": float(rng.randint(3, 80)),
            "stock": rng.randint(0, 12),
        }
        for i, n in enumerate(names)
    }
    orders = []
    for i in range(rng.randint(2, 5)):
        sku = rng.choice(sorted(products))
        qty = rng.randint(1, 3)
        orders.append(
            {
                "id": 101 + i,
                "customer": rng.choice(CUSTOMERS),
                "sku": sku,
                "quantity": qty,
                "total": round(products[sku]["price"] * qty, 2),
                "status": rng.choice(("placed", "shipped")),
            }
        )
    return {"products": products, "orders": orders, "credit": {}}


def shop_order(rng: random.Random, tid: str) -> dict[str, Any]:
    state = _shop(rng)
    in_stock = [k for k, v in sorted(state["products"].items()) if v["stock"] >= 2]
    if not in_stock:
        state["products"]["SKU-001"]["stock"] = 5
        in_stock = ["SKU-001"]
    sku = rng.choice(in_stock)
    name = state["products"][sku]["name"]
    qty = rng.randint(1, min(3, state["products"][sku]["stock"]))
    who = rng.choice(CUSTOMERS)
    return {
        "id": tid,
        "suite": "shop",
        "prompt": f"Please order {qty} x {name} for {who}.",
        "persona": f"{who}, a regular customer",
        "goal": f"{qty} {name} ordered",
        "initial_state": state,
        "target": {
            "milestones": [
                {
                    "id": "o",
                    "tool": "place_order",
                    "args": {"customer": who, "sku": sku, "quantity": qty},
                }
            ],
            "minefields": [{"tool": "cancel_order"}, {"tool": "refund_order"}],
        },
        "solution": [
            turn(
                [
                    [call("search_products", query=name)],
                    [call("place_order", customer=who, sku=sku, quantity=qty)],
                ],
                f"Ordered {qty} x {name}.",
            )
        ],
    }


def shop_cancel_or_refund(rng: random.Random, tid: str) -> dict[str, Any]:
    state = _shop(rng)
    order = rng.choice(state["orders"])
    oid, placed = order["id"], order["status"] == "placed"
    action, other = ("cancel_order", "refund_order") if placed else ("refund_order", "cancel_order")
    return {
        "id": tid,
        "suite": "shop",
        "prompt": f"Order #{oid} was a mistake. Cancel it if it has not shipped yet; if it "
        "has shipped, refund it to store credit.",
        "persona": f"{order['customer']}, who ordered by mistake",
        "goal": f"order #{oid} undone the right way",
        "initial_state": state,
        "target": {
            "milestones": [{"id": "a", "tool": action, "args": {"order_id": oid}}],
            "minefields": [{"tool": other}, {"tool": "place_order"}]
            + [
                {"tool": action, "args": {"order_id": o["id"]}}
                for o in state["orders"]
                if o["id"] != oid
            ],
        },
        "solution": [
            turn(
                [[call("get_order", order_id=oid)], [call(action, order_id=oid)]],
                "Cancelled it." if placed else "Refunded it to store credit.",
            )
        ],
    }


def shop_out_of_stock(rng: random.Random, tid: str) -> dict[str, Any]:
    state = _shop(rng)
    sku = rng.choice(sorted(state["products"]))
    product = state["products"][sku]
    want = product["stock"] + rng.randint(1, 4)
    who = rng.choice(CUSTOMERS)
    return {
        "id": tid,
        "suite": "shop",
        "prompt": f"Order {want} x {product['name']} for {who}. If there are not enough in "
        "stock, order nothing and tell me how many there are.",
        "persona": f"{who}, buying for a team",
        "goal": f"{want} {product['name']}, or the stock",
        "initial_state": state,
        "target": {
            "minefields": [
                {"tool": "place_order"},
                {"tool": "cancel_order"},
                {"tool": "refund_order"},
            ],
            "answer_contains": [str(product["stock"])],
        },
        "solution": [
            turn(
                [[call("search_products", query=product["name"])]],
                f"Only {product['stock']} in stock, so I ordered nothing.",
            )
        ],
    }


def shop_status_then_cancel(rng: random.Random, tid: str) -> dict[str, Any]:
    state = _shop(rng)
    state["orders"][0]["status"] = "placed"
    order = state["orders"][0]
    oid = order["id"]
    return {
        "id": tid,
        "suite": "shop",
        "prompt": f"What is the status of order #{oid}?",
        "user_turns": ["Please cancel it then."],
        "persona": f"{order['customer']}, checking an order",
        "goal": f"order #{oid} cancelled",
        "initial_state": state,
        "target": {
            "milestones": [{"id": "c", "tool": "cancel_order", "args": {"order_id": oid}}],
            "minefields": [{"tool": "refund_order"}, {"tool": "place_order"}],
            "answer_contains": ["placed"],
        },
        "solution": [
            turn([[call("get_order", order_id=oid)]], "It is placed, not shipped."),
            turn([[call("cancel_order", order_id=oid)]], "Cancelled."),
        ],
    }


GENERATORS: dict[str, Callable[[random.Random, str], dict[str, Any]]] = {
    "files-archive": files_archive,
    "files-cleanup": files_cleanup,
    "files-lookup": files_lookup,
    "files-rename-index": files_rename_then_index,
    "calendar-book": calendar_book_free,
    "calendar-cancel": calendar_cancel,
    "calendar-move": calendar_move,
    "calendar-query-book": calendar_query_then_book,
    "bank-transfer": bank_transfer,
    "bank-topup": bank_pay_with_topup,
    "bank-balance-split": bank_balance_then_split,
    "bank-over-limit": bank_over_limit,
    "shop-order": shop_order,
    "shop-cancel-or-refund": shop_cancel_or_refund,
    "shop-out-of-stock": shop_out_of_stock,
    "shop-status-cancel": shop_status_then_cancel,
}


ALLOW_ERRORS = ("bank-over-limit",)
"""Generators whose reference solution makes a call the service refuses, on purpose."""


def generate(per_kind: int = 28, base_seed: int = 0) -> list[dict[str, Any]]:
    """`per_kind` tasks of every generator, each from its own seeded random stream."""
    out = []
    for kind, fn in GENERATORS.items():
        for i in range(per_kind):
            seed = base_seed + i
            raw = fn(random.Random(f"{kind}:{seed}"), f"{kind}-{seed:04d}")
            raw["source"] = f"generated:{kind}:{seed}"
            out.append(finish(raw, allow_errors=kind in ALLOW_ERRORS))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=28)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "data" / "toolworld.jsonl"
    )
    args = parser.parse_args()
    from agent_rl.envs.function_call.handwritten import HANDWRITTEN

    handwritten = [finish({**copy.deepcopy(r), "source": "handwritten"}) for r in HANDWRITTEN]
    for rows, out in (
        (generate(args.per_kind, args.seed), args.out),
        (handwritten, args.out.with_name("toolworld_handwritten.jsonl")),
    ):
        tmp = out.with_suffix(".tmp")
        tmp.write_text(
            "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8"
        )
        tmp.replace(out)
        print(f"wrote {len(rows)} tasks to {out}")


if __name__ == "__main__":
    main()
