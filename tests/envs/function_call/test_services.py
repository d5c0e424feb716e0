"""The simulated services: their rules, their events, and state that reloads per episode."""

from __future__ import annotations

import pytest
from agent_rl.envs.function_call.services import Bank, Calendar, FileSystem, ServiceError


def test_files_move_keeps_name_and_logs_events() -> None:
    fs = FileSystem({"files": {"/logs/a.log": "x"}})
    fs.move_file("/logs/a.log", "/archive/")
    assert fs.state() == {"files": {"/archive/a.log": "x"}}
    assert [(e.tool, e.args) for e in fs.events] == [
        ("move_file", {"source": "/logs/a.log", "destination": "/archive/a.log"})
    ]
    with pytest.raises(ServiceError, match="no such file"):
        fs.read_file("/logs/a.log")
    fs.load({"files": {"/b.txt": "y"}})
    assert fs.events == [] and fs.state() == {"files": {"/b.txt": "y"}}


def test_calendar_refuses_conflicts() -> None:
    cal = Calendar({"events": [{"id": 1, "title": "standup", "day": "mon", "start": 9, "end": 10}]})
    with pytest.raises(ServiceError, match="conflicts with 'standup'"):
        cal.create_event("x", "mon", 9, 11)
    assert cal.find_free_slot("mon", 2) == {"start": 10, "end": 12}
    cal.create_event("x", "mon", 10, 12)
    assert cal.comparable_state() == {"event:standup@mon": "9-10", "event:x@mon": "10-12"}


def test_bank_refuses_overdraft_and_limit() -> None:
    bank = Bank({"accounts": {"a": 100.0, "b": 0.0}, "daily_limit": 150.0})
    with pytest.raises(ServiceError, match="insufficient funds"):
        bank.transfer("a", "b", 100.01)
    bank.transfer("a", "b", 100)
    bank.transfer("b", "a", 40)
    with pytest.raises(ServiceError, match="daily limit"):
        bank.transfer("b", "a", 20)
    assert bank.comparable_state() == {"balance:a": 40.0, "balance:b": 60.0, "sent_today": 140.0}


def test_tools_validate_schemas_from_type_hints() -> None:
    from agent_rl.tools import ToolSet

    tools = ToolSet(Calendar().tools())
    bad = tools.call(
        {
            "id": "1",
            "function": {"name": "create_event", "arguments": '{"title": "x", "day": "sun"}'},
        }
    )
    assert bad.error == "invalid_arguments" and "'sun' is not one of" in bad.content


def test_shop_cancels_placed_and_refunds_shipped() -> None:
    from agent_rl.envs.function_call.services import Shop

    shop = Shop(
        {
            "products": {"S1": {"name": "Desk Lamp", "price": 10.0, "stock": 2}},
            "orders": [
                {
                    "id": 101,
                    "customer": "ana",
                    "sku": "S1",
                    "quantity": 1,
                    "total": 10.0,
                    "status": "shipped",
                }
            ],
        }
    )
    assert [p["sku"] for p in shop.search_products("lamp")] == ["S1"]
    with pytest.raises(ServiceError, match="only 2 of 'Desk Lamp' in stock"):
        shop.place_order("ben", "S1", 3)
    order = shop.place_order("ben", "S1", 2)
    with pytest.raises(ServiceError, match="only shipped orders can be refunded"):
        shop.refund_order(order["id"])
    shop.cancel_order(order["id"])
    shop.refund_order(101)
    assert shop.comparable_state() == {
        "stock:S1": 2,
        "order:101": "refunded",
        "order:102": "cancelled",
        "credit:ana": 10.0,
    }
