"""Quality: structural and semantic checks of each record, a score, and drops by issue.

Issues (each a reject reason when listed in `drop`, otherwise a score penalty):
- `unparseable_arguments`: call arguments are not a JSON object;
- `undeclared_tool`: a call names a tool missing from `tools`;
- `schema_violation` / `bad_tool_schema`: arguments fail the tool's JSON schema (jsonschema),
  or that schema is itself invalid;
- `missing_tool_result`: a call turn followed by other messages but fewer tool results than
  calls (a call turn at the very end is a call target, e.g. xlam, and is fine);
- `mismatched_tool_result`: a result whose id or name matches no pending call, or a result
  with no call before it;
- `empty_answer`: an assistant turn with no content, reasoning or calls;
- `truncated_answer`: the last answer has an odd number of ``` fences or an unclosed
  `<think>`; `ends_without_answer`: the conversation ends on a user or tool message;
- `too_long` / `too_short`: token count (through the chat format's `encode`) outside limits;
- `roundtrip_mismatch` (when `roundtrip`): a call turn rendered by the chat format and read
  back by its parser (`ChatFormat.parse`, the project's one tool-call parser) gives other calls.

`meta.quality = {"score", "issues"}`: score = max(0, 1 - 0.25 * number of kept issues).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from agent_rl.sft_data.curate.base import Pass, RejectSink

from agent_rl.errors import ConfigError

ISSUES = (
    "unparseable_arguments", "undeclared_tool", "schema_violation", "bad_tool_schema",
    "missing_tool_result", "mismatched_tool_result", "empty_answer", "truncated_answer",
    "ends_without_answer", "too_long", "too_short", "roundtrip_mismatch",
)  # fmt: skip


@dataclass
class QualityConfig:
    drop: list[str] = field(default_factory=lambda: [i for i in ISSUES if i != "too_short"])
    """Issues that reject a record; the others only lower its score."""
    max_tokens: int | None = None
    min_tokens: int | None = None
    roundtrip: bool = False
    """Render each call turn and parse it back with the chat format's parser."""
    chat_format: str = "deepseek_v31"
    tokenizer: str = "tiny"


class _ValidatorCache:
    """jsonschema validators keyed by schema text, bounded (tool schemas repeat a lot)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._cache: OrderedDict[str, Any] = OrderedDict()

    def get(self, schema: dict[str, Any]) -> Any:
        import jsonschema

        key = json.dumps(schema, sort_keys=True)
        v = self._cache.get(key)
        if v is None:
            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
            cls.check_schema(schema)
            v = cls(schema)
            self._cache[key] = v
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return v


def _calls_equal(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    def norm(calls: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        out = []
        for c in calls:
            fn = c.get("function", c)
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except (TypeError, ValueError):
                args = fn.get("arguments")
            out.append((fn.get("name"), args))
        return out

    return norm(a) == norm(b)


class Quality(Pass):
    name = "quality"

    def __init__(self, config: QualityConfig | None = None, on_reject: RejectSink | None = None,
                 chat_format: Any = None):
        super().__init__(on_reject)
        c = self.config = config or QualityConfig()
        bad = [d for d in c.drop if d not in ISSUES]
        if bad:
            raise ConfigError(f"unknown issue {bad[0]!r}; allowed: {', '.join(ISSUES)}", key="quality.drop")
        self._validators = _ValidatorCache()
        self._cf = chat_format
        if self._cf is None and (c.roundtrip or c.max_tokens or c.min_tokens):
            from agent_rl.chat_format import get_chat_format

            self._cf = get_chat_format(c.chat_format, tokenizer=c.tokenizer)

    def check(self, record: dict[str, Any]) -> list[tuple[str, str]]:
        """All (issue, detail) pairs of a record."""
        issues: list[tuple[str, str]] = []
        specs = {t["function"]["name"]: t["function"] for t in record.get("tools") or []}
        messages = record["messages"]
        pending: dict[str, str] = {}  # id -> name of calls awaiting a result
        for i, m in enumerate(messages):
            role = m.get("role")
            if role == "assistant":
                calls = m.get("tool_calls") or []
                if pending and i > 0 and messages[i - 1].get("role") in ("tool", "assistant"):
                    issues.append(("missing_tool_result", f"messages[{i}]: {len(pending)} call(s) without a result"))
                pending = {}
                if not calls and not m.get("content", "").strip() and not m.get("reasoning_content", "").strip():
                    issues.append(("empty_answer", f"messages[{i}]"))
                for j, call in enumerate(calls):
                    self._check_call(call, specs, f"messages[{i}].tool_calls[{j}]", issues)
                    pending[call["id"]] = call["function"]["name"]
                if calls and self.config.roundtrip and self._cf is not None:
                    parsed = self._cf.parse(self._cf.render_completion(m), tools=record.get("tools"))
                    if parsed.get("parse_errors") or not _calls_equal(calls, parsed.get("tool_calls") or []):
                        issues.append(("roundtrip_mismatch", f"messages[{i}]: {parsed.get('parse_errors')}"))
            elif role == "tool":
                cid, name = m.get("tool_call_id"), m.get("name")
                if not pending:
                    issues.append(("mismatched_tool_result", f"messages[{i}]: result without a call"))
                elif cid is not None and cid not in pending:
                    issues.append(("mismatched_tool_result", f"messages[{i}]: tool_call_id {cid!r} matches no call"))
                else:
                    key = cid if cid is not None else next(iter(pending))
                    if name is not None and pending[key] != name:
                        issues.append(("mismatched_tool_result", f"messages[{i}]: name {name!r} != call {pending[key]!r}"))
                    pending.pop(key, None)
            elif role == "user":
                if pending:
                    issues.append(("missing_tool_result", f"messages[{i}]: {len(pending)} call(s) without a result"))
                pending = {}
        last = messages[-1]
        if last.get("role") != "assistant":
            issues.append(("ends_without_answer", f"last message is {last.get('role')}"))
        else:
            text = last.get("content", "")
            if text.count("```") % 2 or ("<think>" in text and "</think>" not in text):
                issues.append(("truncated_answer", "unbalanced ``` or <think>"))
        if self._cf is not None and (self.config.max_tokens or self.config.min_tokens):
            thinking = bool(record.get("meta", {}).get("thinking", False))
            n = len(self._cf.encode(messages, tools=record.get("tools") or None, thinking=thinking).input_ids)
            if self.config.max_tokens and n > self.config.max_tokens:
                issues.append(("too_long", f"{n} tokens > {self.config.max_tokens}"))
            if self.config.min_tokens and n < self.config.min_tokens:
                issues.append(("too_short", f"{n} tokens < {self.config.min_tokens}"))
        return issues

    def _check_call(self, call: dict[str, Any], specs: dict[str, Any], where: str,
                    issues: list[tuple[str, str]]) -> None:
        import jsonschema

        fn = call["function"]
        try:
            args = json.loads(fn["arguments"])
        except ValueError:
            args = None
        if not isinstance(args, dict):
            issues.append(("unparseable_arguments", where))
            return
        spec = specs.get(fn["name"])
        if spec is None:
            issues.append(("undeclared_tool", f"{where}: {fn['name']!r} not in tools"))
            return
        try:
            validator = self._validators.get(spec.get("parameters") or {"type": "object"})
        except jsonschema.SchemaError as exc:
            issues.append(("bad_tool_schema", f"{fn['name']}: {exc.message[:120]}"))
            return
        error = next(iter(validator.iter_errors(args)), None)
        if error is not None:
            path = ".".join(str(p) for p in error.absolute_path) or "(root)"
            issues.append(("schema_violation", f"{where} {fn['name']}.{path}: {error.message[:120]}"))

    def process(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        drop = set(self.config.drop)
        notes = self.counts.notes
        for rec in records:
            issues = self.check(rec)
            for issue, _ in issues:
                notes[issue] += 1
            fatal = next(((i, d) for i, d in issues if i in drop), None)
            if fatal is not None:
                self.reject(rec, fatal[0], fatal[1])
                continue
            kept = sorted({i for i, _ in issues})
            score = max(0.0, 1.0 - 0.25 * len(kept))
            yield {**rec, "meta": {**rec.get("meta", {}), "quality": {"score": score, "issues": kept}}}
