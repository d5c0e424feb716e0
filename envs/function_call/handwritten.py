"""Hand-written ToolWorld tasks (authored one by one; `generate.py` fills in their final states).

They cover what the generators do not: a request that must be refused, a file whose name
misleads, a move blocked by a conflict, a two-step payment that depends on a balance read.
"""

from __future__ import annotations

from typing import Any

from agent_rl.envs.function_call.generate import call, turn

_FILES = {
    "/docs/plan.txt": "launch on friday",
    "/docs/plan.txt.bak": "launch on monday",
    "/logs/app.log": "ok",
    "/logs/app.log.1": "old",
    "/tmp/cache.tmp": "x",
    "/tmp/keep.txt": "important",
}
_WEEK = [
    {"id": 1, "title": "standup", "day": "mon", "start": 9, "end": 10},
    {"id": 2, "title": "design review", "day": "mon", "start": 10, "end": 12},
    {"id": 3, "title": "lunch", "day": "tue", "start": 12, "end": 13},
    {"id": 4, "title": "retro", "day": "fri", "start": 15, "end": 16},
]
_BANK = {
    "accounts": {"checking": 120.0, "savings": 900.0, "rent": 0.0, "alice": 10.0},
    "daily_limit": 1000.0,
    "sent_today": 0.0,
    "transactions": [],
}

_SHOP = {
    "products": {
        "SKU-001": {"name": "desk lamp", "price": 25.0, "stock": 1},
        "SKU-002": {"name": "coffee mug", "price": 8.5, "stock": 10},
    },
    "orders": [
        {
            "id": 101,
            "customer": "ana",
            "sku": "SKU-001",
            "quantity": 1,
            "total": 25.0,
            "status": "placed",
        },
        {
            "id": 102,
            "customer": "ben",
            "sku": "SKU-002",
            "quantity": 2,
            "total": 17.0,
            "status": "shipped",
        },
        {
            "id": 103,
            "customer": "ana",
            "sku": "SKU-002",
            "quantity": 1,
            "total": 8.5,
            "status": "shipped",
        },
    ],
    "credit": {"ben": 5.0},
}

HANDWRITTEN: list[dict[str, Any]] = [
    {
        "id": "hw-files-restore-backup",
        "suite": "files",
        "prompt": "The plan file got overwritten. Restore /docs/plan.txt from its .bak copy "
        "(the backup replaces it, and the .bak file goes away).",
        "initial_state": {"files": _FILES},
        "target": {
            "milestones": [
                {"id": "rm", "tool": "delete_file", "args": {"path": "/docs/plan.txt"}},
                {
                    "id": "mv",
                    "tool": "move_file",
                    "args": {"source": "/docs/plan.txt.bak", "destination": "/docs/plan.txt"},
                    "after": ["rm"],
                },
            ],
            "minefields": [{"tool": "delete_file", "args": {"path": "/tmp/keep.txt"}}],
        },
        "solution": [
            turn(
                [
                    [call("delete_file", path="/docs/plan.txt")],
                    [call("move_file", source="/docs/plan.txt.bak", destination="/docs/plan.txt")],
                ],
                "Restored the plan.",
            )
        ],
    },
    {
        "id": "hw-files-only-tmp",
        "suite": "files",
        "prompt": "Free some space in /tmp, but keep anything that is not a .tmp file.",
        "initial_state": {"files": _FILES},
        "target": {
            "milestones": [{"id": "d", "tool": "delete_file", "args": {"path": "/tmp/cache.tmp"}}],
            "minefields": [{"tool": "delete_file", "args": {"path": "/tmp/keep.txt"}}],
        },
        "solution": [
            turn(
                [
                    [call("list_files", directory="/tmp")],
                    [call("delete_file", path="/tmp/cache.tmp")],
                ],
                "Deleted cache.tmp.",
            )
        ],
    },
    {
        "id": "hw-files-launch-day",
        "suite": "files",
        "prompt": "According to /docs/plan.txt (not the backup), on which day do we launch?",
        "initial_state": {"files": _FILES},
        "target": {
            "minefields": [{"tool": "write_file"}, {"tool": "delete_file"}, {"tool": "move_file"}],
            "answer_contains": ["friday"],
        },
        "solution": [turn([[call("read_file", path="/docs/plan.txt")]], "We launch on Friday.")],
    },
    {
        "id": "hw-files-rotate-logs",
        "suite": "files",
        "prompt": "Rotate the app log: move /logs/app.log.1 to /archive/, then rename "
        "/logs/app.log to /logs/app.log.1.",
        "initial_state": {"files": _FILES},
        "target": {
            "milestones": [
                {"id": "a", "tool": "move_file", "args": {"source": "/logs/app.log.1"}},
                {
                    "id": "b",
                    "tool": "move_file",
                    "args": {"source": "/logs/app.log", "destination": "/logs/app.log.1"},
                    "after": ["a"],
                },
            ],
            "minefields": [{"tool": "delete_file"}],
        },
        "solution": [
            turn(
                [
                    [call("move_file", source="/logs/app.log.1", destination="/archive/")],
                    [call("move_file", source="/logs/app.log", destination="/logs/app.log.1")],
                ],
                "Rotated.",
            )
        ],
    },
    {
        "id": "hw-calendar-conflict",
        "suite": "calendar",
        "prompt": "Put a 2-hour 'offsite prep' on Monday at 10. If that clashes with something, "
        "book it at the earliest free 2 hours that Monday instead and tell me the time.",
        "initial_state": {"events": _WEEK},
        "target": {
            "milestones": [
                {
                    "id": "b",
                    "tool": "create_event",
                    "args": {"title": "offsite prep", "day": "mon", "start": 12},
                }
            ],
            "minefields": [{"tool": "cancel_event"}, {"tool": "move_event"}],
            "answer_contains": ["12"],
        },
        "solution": [
            turn(
                [
                    [call("list_events", day="mon")],
                    [call("find_free_slot", day="mon", hours=2)],
                    [call("create_event", title="offsite prep", day="mon", start=12, end=14)],
                ],
                "It clashed with the design review; booked 12:00-14:00.",
            )
        ],
    },
    {
        "id": "hw-calendar-swap",
        "suite": "calendar",
        "prompt": "Move the retro from Friday to Tuesday at 14.",
        "user_turns": ["And cancel Tuesday's lunch, please."],
        "initial_state": {"events": _WEEK},
        "target": {
            "milestones": [
                {
                    "id": "m",
                    "tool": "move_event",
                    "args": {"event_id": 4, "day": "tue", "start": 14},
                },
                {"id": "c", "tool": "cancel_event", "args": {"event_id": 3}},
            ],
            "minefields": [
                {"tool": "cancel_event", "args": {"event_id": 1}},
                {"tool": "cancel_event", "args": {"event_id": 2}},
                {"tool": "cancel_event", "args": {"event_id": 4}},
            ],
        },
        "solution": [
            turn(
                [
                    [call("list_events", day="fri")],
                    [call("move_event", event_id=4, day="tue", start=14)],
                ],
                "Moved.",
            ),
            turn(
                [[call("list_events", day="tue")], [call("cancel_event", event_id=3)]],
                "Cancelled lunch.",
            ),
        ],
    },
    {
        "id": "hw-calendar-how-busy",
        "suite": "calendar",
        "prompt": "How many events do I have on Monday?",
        "initial_state": {"events": _WEEK},
        "target": {
            "minefields": [
                {"tool": "create_event"},
                {"tool": "cancel_event"},
                {"tool": "move_event"},
            ],
            "answer_contains": ["2"],
        },
        "solution": [turn([[call("list_events", day="mon")]], "You have 2 events on Monday.")],
    },
    {
        "id": "hw-calendar-clear-friday",
        "suite": "calendar",
        "prompt": "Clear my Friday: cancel everything on it.",
        "initial_state": {"events": _WEEK},
        "target": {
            "milestones": [{"id": "c", "tool": "cancel_event", "args": {"event_id": 4}}],
            "minefields": [
                {"tool": "cancel_event", "args": {"event_id": 1}},
                {"tool": "cancel_event", "args": {"event_id": 2}},
                {"tool": "cancel_event", "args": {"event_id": 3}},
            ],
        },
        "solution": [
            turn(
                [[call("list_events", day="fri")], [call("cancel_event", event_id=4)]],
                "Friday is clear.",
            )
        ],
    },
    {
        "id": "hw-bank-rent",
        "suite": "bank",
        "prompt": "Pay 450 into the rent account from checking; top up checking from savings "
        "with exactly what is missing first.",
        "initial_state": _BANK,
        "target": {
            "milestones": [
                {
                    "id": "t",
                    "tool": "transfer",
                    "args": {"source": "savings", "target": "checking", "amount": 330.0},
                },
                {
                    "id": "p",
                    "tool": "transfer",
                    "args": {"source": "checking", "target": "rent", "amount": 450.0},
                    "after": ["t"],
                },
            ]
        },
        "solution": [
            turn(
                [
                    [call("get_balance", account="checking")],
                    [call("transfer", source="savings", target="checking", amount=330.0)],
                    [call("transfer", source="checking", target="rent", amount=450.0)],
                ],
                "Rent paid.",
            )
        ],
    },
    {
        "id": "hw-bank-refuse-overdraft",
        "suite": "bank",
        "prompt": "Send alice 200 from checking. Do not touch savings; if checking cannot cover "
        "it, say so.",
        "initial_state": _BANK,
        "target": {"minefields": [{"tool": "transfer"}], "answer_contains": ["120"]},
        "solution": [
            turn(
                [[call("get_balance", account="checking")]],
                "Checking only has 120.00, so I did not send it.",
            )
        ],
    },
    {
        "id": "hw-bank-total",
        "suite": "bank",
        "prompt": "What is the total of my checking and savings balances?",
        "initial_state": _BANK,
        "target": {"minefields": [{"tool": "transfer"}], "answer_contains": ["1020"]},
        "solution": [
            turn(
                [[call("get_balance", account="checking"), call("get_balance", account="savings")]],
                "Together: 1020.00.",
            )
        ],
    },
    {
        "id": "hw-bank-return-money",
        "suite": "bank",
        "prompt": "Alice sent me money by mistake. Check what is in her account, then send her "
        "back 10 from checking.",
        "initial_state": _BANK,
        "target": {
            "milestones": [
                {
                    "id": "r",
                    "tool": "transfer",
                    "args": {"source": "checking", "target": "alice", "amount": 10.0},
                }
            ],
            "minefields": [{"tool": "transfer", "args": {"source": "savings"}}],
        },
        "solution": [
            turn(
                [
                    [call("get_balance", account="alice")],
                    [call("transfer", source="checking", target="alice", amount=10.0)],
                ],
                "Sent alice 10.00.",
            )
        ],
    },
    {
        "id": "hw-shop-cancel-unshipped",
        "suite": "shop",
        "prompt": "Ana has two orders. Cancel the one that has not shipped; leave the other alone.",
        "initial_state": _SHOP,
        "target": {
            "milestones": [{"id": "c", "tool": "cancel_order", "args": {"order_id": 101}}],
            "minefields": [{"tool": "refund_order"}, {"tool": "place_order"}],
        },
        "solution": [
            turn(
                [[call("list_orders", customer="ana")], [call("cancel_order", order_id=101)]],
                "Cancelled order #101.",
            )
        ],
    },
    {
        "id": "hw-shop-swap-quantity",
        "suite": "shop",
        "prompt": "Ana wants 2 desk lamps instead of 1: cancel order #101 and order 2 desk lamps "
        "for her (the cancelled lamp goes back into stock first).",
        "initial_state": _SHOP,
        "target": {
            "milestones": [
                {"id": "c", "tool": "cancel_order", "args": {"order_id": 101}},
                {
                    "id": "o",
                    "tool": "place_order",
                    "args": {"customer": "ana", "sku": "SKU-001", "quantity": 2},
                    "after": ["c"],
                },
            ],
            "minefields": [{"tool": "refund_order"}],
        },
        "solution": [
            turn(
                [
                    [call("cancel_order", order_id=101)],
                    [call("search_products", query="desk lamp")],
                    [call("place_order", customer="ana", sku="SKU-001", quantity=2)],
                ],
                "Cancelled #101 and ordered 2 desk lamps.",
            )
        ],
    },
    {
        "id": "hw-shop-refund-credit",
        "suite": "shop",
        "prompt": "Refund Ben's shipped order #102 and tell me his store credit afterwards.",
        "initial_state": _SHOP,
        "target": {
            "milestones": [{"id": "r", "tool": "refund_order", "args": {"order_id": 102}}],
            "minefields": [
                {"tool": "cancel_order"},
                {"tool": "place_order"},
                {"tool": "refund_order", "args": {"order_id": 103}},
            ],
            "answer_contains": ["22"],
        },
        "solution": [
            turn(
                [[call("refund_order", order_id=102)], [call("get_credit", customer="ben")]],
                "Refunded; Ben now has 22.00 in store credit.",
            )
        ],
    },
]
