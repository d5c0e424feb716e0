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
]
