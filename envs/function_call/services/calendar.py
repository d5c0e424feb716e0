"""`calendar` suite: one person's week of events, with conflicts refused.

State: `{"events": [{"id", "title", "day", "start", "end"}], "next_id": n}`; hours are whole
numbers 0-24 and days `mon`..`fri`. Two events conflict when their hours overlap on a day.
Compared keys: one per event, `title@day` -> `start-end` (ids do not matter); partial credit
is the share of events, in the union of expected and actual, that match.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from agent_rl.envs.function_call.services.base import Service, ServiceError

DAYS = ("mon", "tue", "wed", "thu", "fri")
Day = Literal["mon", "tue", "wed", "thu", "fri"]
WORK_START, WORK_END = 9, 18


class Calendar(Service):
    """A calendar with bookings, cancellations, moves and free-slot search."""

    suite: ClassVar[str] = "calendar"
    tool_names: ClassVar[tuple[str, ...]] = (
        "list_events",
        "create_event",
        "cancel_event",
        "move_event",
        "find_free_slot",
    )
    mutating: ClassVar[frozenset[str]] = frozenset({"create_event", "cancel_event", "move_event"})

    def _load(self, state: dict[str, Any]) -> None:
        self.events_: list[dict[str, Any]] = [dict(e) for e in state.get("events", [])]
        self.next_id = int(
            state.get("next_id", max([e["id"] for e in self.events_], default=0) + 1)
        )

    def state(self) -> dict[str, Any]:
        return {"events": sorted(self.events_, key=lambda e: e["id"]), "next_id": self.next_id}

    def comparable_state(self) -> dict[str, Any]:
        return {f"event:{e['title']}@{e['day']}": f"{e['start']}-{e['end']}" for e in self.events_}

    def _conflict(self, day: str, start: int, end: int, ignore: int | None = None) -> dict | None:
        for e in self.events_:
            if e["day"] == day and e["id"] != ignore and start < e["end"] and e["start"] < end:
                return e
        return None

    def _find(self, event_id: int) -> dict[str, Any]:
        for e in self.events_:
            if e["id"] == event_id:
                return e
        raise ServiceError(f"no event with id {event_id}")

    def list_events(self, day: Day) -> list[dict[str, Any]]:
        """List a day's events, earliest first.

        Args:
            day: one of mon, tue, wed, thu, fri.
        """
        return sorted((e for e in self.events_ if e["day"] == day), key=lambda e: e["start"])

    def create_event(self, title: str, day: Day, start: int, end: int) -> dict[str, Any]:
        """Book an event; refused when it overlaps another event that day.

        Args:
            title: the event's title.
            day: one of mon, tue, wed, thu, fri.
            start: start hour (0-23).
            end: end hour (1-24), after start.
        """
        if not 0 <= start < end <= 24:
            raise ServiceError(f"invalid hours {start}-{end}: need 0 <= start < end <= 24")
        clash = self._conflict(day, start, end)
        if clash is not None:
            raise ServiceError(
                f"conflicts with {clash['title']!r} ({clash['start']}-{clash['end']}) on {day}"
            )
        event = {"id": self.next_id, "title": title, "day": day, "start": start, "end": end}
        self.next_id += 1
        self.events_.append(event)
        self.log("create_event", title=title, day=day, start=start, end=end)
        return event

    def cancel_event(self, event_id: int) -> str:
        """Cancel an event.

        Args:
            event_id: the event's id (from list_events).
        """
        event = self._find(event_id)
        self.events_.remove(event)
        self.log("cancel_event", event_id=event_id, title=event["title"], day=event["day"])
        return f"cancelled {event['title']!r} on {event['day']}"

    def move_event(self, event_id: int, day: Day, start: int) -> dict[str, Any]:
        """Move an event to another day and/or start hour, keeping its length.

        Args:
            event_id: the event's id (from list_events).
            day: the new day.
            start: the new start hour.
        """
        event = self._find(event_id)
        end = start + event["end"] - event["start"]
        if not 0 <= start < end <= 24:
            raise ServiceError(f"invalid hours {start}-{end}")
        clash = self._conflict(day, start, end, ignore=event_id)
        if clash is not None:
            raise ServiceError(f"conflicts with {clash['title']!r} on {day}")
        event.update(day=day, start=start, end=end)
        self.log("move_event", event_id=event_id, title=event["title"], day=day, start=start)
        return dict(event)

    def find_free_slot(self, day: Day, hours: int) -> dict[str, int]:
        """The earliest free slot of `hours` hours between 9 and 18 on a day.

        Args:
            day: one of mon, tue, wed, thu, fri.
            hours: length of the slot in hours.
        """
        for start in range(WORK_START, WORK_END - hours + 1):
            if self._conflict(day, start, start + hours) is None:
                return {"start": start, "end": start + hours}
        raise ServiceError(f"no free {hours}-hour slot on {day} between 9 and 18")
