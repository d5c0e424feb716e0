"""Self-identity: find assistant turns that claim to be another model or vendor; drop or rewrite.

A claim is a self-reference next to a known model or vendor name, in English ("I am ChatGPT",
"I'm Claude, made by Anthropic", "I was trained by OpenAI") or Chinese ("我是通义千问",
"我是由阿里云开发的", "我由百度研发"). Mentions that are not claims ("ChatGPT is a chatbot",
"I am not ChatGPT", "Android was developed by Google") do not match. `mode="rewrite"` replaces
the model name with the configured identity and the vendor with the configured developer;
`mode="drop"` rejects the record (reason `identity:<vendor>`). Counts by `lang:vendor` land in
the pass notes. `generate_identity_samples` writes question/answer records in both languages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from agent_rl.sft_data.curate.base import Pass, RejectSink

from agent_rl.errors import ConfigError

log = logging.getLogger(__name__)

#: vendor key -> (model names, developer names). Longer names first within each list.
VENDORS: dict[str, tuple[list[str], list[str]]] = {
    "deepseek": (["DeepSeek-V3", "DeepSeek-R1", "DeepSeek", "深度求索"], ["DeepSeek", "深度求索"]),
    "openai": (["ChatGPT", "GPT-4o", "GPT-4", "GPT-3.5", "GPT-3", "GPT"], ["OpenAI"]),
    "anthropic": (["Claude"], ["Anthropic"]),
    "qwen": (["通义千问", "Qwen", "通义", "千问"], ["Alibaba Cloud", "Alibaba", "阿里云", "阿里巴巴", "阿里"]),
    "llama": (["LLaMA", "Llama"], ["Meta AI", "Meta"]),
    "gemini": (["Gemini", "Bard"], ["Google DeepMind", "Google", "谷歌"]),
    "ernie": (["文心一言", "ERNIE Bot", "ERNIE", "文心"], ["百度", "Baidu"]),
    "glm": (["ChatGLM", "智谱清言"], ["智谱AI", "智谱", "Zhipu AI"]),
    "kimi": (["Kimi"], ["Moonshot AI", "月之暗面"]),
    "mistral": (["Mistral"], ["Mistral AI"]),
    "doubao": (["豆包", "Doubao"], ["字节跳动", "ByteDance"]),
}


@dataclass
class IdentityConfig:
    mode: str = "rewrite"
    """"rewrite" (replace names) or "drop" (reject the record)."""
    name: str = "Lightning"
    """The identity the model should claim."""
    developer: str = "the Lightning team"
    """Who the model should say built it (English); `developer_zh` in Chinese."""
    developer_zh: str = "Lightning 团队"
    extra_vendors: dict[str, list[list[str]]] = field(default_factory=dict)
    """More vendors: key -> [[model names], [developer names]]."""
    exclude: list[str] = field(default_factory=list)
    """Vendor keys not to treat as foreign (e.g. your own base model's vendor)."""
    qa_count: int = 0
    """Identity question/answer samples to append (both languages, alternating); each uses a
    different question, so at most `MAX_QA` (40) are made."""
    check_reasoning: bool = True
    """Also scan and rewrite `reasoning_content`."""


def _alt(names: Iterable[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))


@dataclass
class _Pattern:
    key: str  # "en:openai"
    regex: re.Pattern[str]
    vendor: str
    lang: str
    role: str = "either"  # what the named slot is: "model" (identity name) or either


def build_patterns(config: IdentityConfig) -> list[_Pattern]:
    """Compiled claim regexes, one set per vendor and language."""
    vendors = dict(VENDORS)
    for key, value in config.extra_vendors.items():
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, list) for v in value)):
            raise ConfigError("must be [[model names], [developer names]]", key=f"identity.extra_vendors.{key}")
        vendors[key] = (list(value[0]), list(value[1]))
    for key in config.exclude:
        if key not in vendors:
            raise ConfigError(f"unknown vendor {key!r}; known: {', '.join(vendors)}", key="identity.exclude")
    own = config.name.lower()
    out = []
    for vendor, (models, devs) in vendors.items():
        if vendor in config.exclude:
            continue
        models = [m for m in models if m.lower() != own]
        devs = [d for d in devs if d.lower() != own]
        if not models and not devs:
            continue
        v = r"(?:-\w+(?:\.\d+)?)*"  # model variants: Qwen-7B, GPT-4-turbo
        m = f"(?:{_alt(models)}){v}" if models else ""
        d = _alt(devs)
        md = f"(?:{_alt(models)}){v}|{d}" if models and devs else (m or d)
        en = []
        if models:
            en.append(
                rf"\b(?:I am|I'm|I’m|my name is|this is|call me|I go by|I was named)\s+"
                rf"(?:an?\s+|the\s+)?(?:AI\s+|assistant\s+|model\s+)?(?:called\s+|named\s+)?(?P<name>{m})(?!\w)"
            )
        en.append(
            rf"\b(?:I|me|my)\b[^.!?\n]{{0,60}}?\b(?:developed|created|trained|built|made|designed|"
            rf"programmed|powered|owned|released|developed and trained)\s+by\s+(?:the\s+)?"
            rf"(?:(?:team|engineers|researchers)\s+(?:at|of)\s+)?(?P<name>{md})(?!\w)"
        )
        en.append(
            rf"\bas\s+an?\s+(?:AI|(?:large\s+)?language\s+model|assistant|chatbot)(?:\s+\w+){{0,2}}?\s+"
            rf"(?:developed|created|trained|built|made|designed)\s+by\s+(?:the\s+)?(?P<name>{md})(?!\w)"
        )
        en.append(
            rf"\bI(?:'m| am)\s+(?:an?\s+)?(?:large\s+)?(?:language\s+model|AI(?:\s+(?:assistant|model))?|assistant|chatbot)"
            rf"\s+(?:from|by|of)\s+(?P<name>{md})(?!\w)"
        )
        zh = []
        if models:
            zh.append(rf"我(?:是|叫|的名字是|名叫|就是)[^。！？\n]{{0,12}}?(?P<name>{m})")
        zh.append(rf"我[^。！？\n]{{0,12}}?(?:由|被|是由)(?P<name>{md})[^。！？\n]{{0,12}}?(?:开发|训练|创建|打造|研发|推出|设计|构建)")
        zh.append(rf"我是(?P<name>{d or m})(?:公司)?(?:开发|训练|研发|打造|推出)的" if (d or m) else "")
        for j, rx in enumerate(en):
            role = "model" if models and j == 0 else "either"
            out.append(_Pattern(f"en:{vendor}", re.compile(rx, re.IGNORECASE), vendor, "en", role))
        for j, rx in enumerate(zh):
            if rx:
                role = "model" if models and j == 0 else "either"
                out.append(_Pattern(f"zh:{vendor}", re.compile(rx), vendor, "zh", role))
    return out


class Identity(Pass):
    name = "identity"

    def __init__(self, config: IdentityConfig | None = None, on_reject: RejectSink | None = None):
        super().__init__(on_reject)
        self.config = config or IdentityConfig()
        if self.config.mode not in ("rewrite", "drop"):
            raise ConfigError(f"{self.config.mode!r}; allowed: rewrite, drop", key="identity.mode")
        self.patterns = build_patterns(self.config)
        self._devs = {
            n.lower()
            for _, devs in [*VENDORS.values(), *(tuple(v) for v in self.config.extra_vendors.values())]
            for n in devs
        }
        # One cheap pre-filter so most records never run the per-vendor regexes.
        self._any = re.compile(
            _alt(n for models, devs in VENDORS.values() for n in models + devs)
            + ("|" + _alt(n for v in self.config.extra_vendors.values() for n in v[0] + v[1])
               if self.config.extra_vendors else ""),
            re.IGNORECASE,
        )

    def find(self, text: str) -> list[tuple[str, re.Match[str]]]:
        """Every claim in `text` as (pattern key, match)."""
        if not text or not self._any.search(text):
            return []
        return [(p.key, mt) for p in self.patterns for mt in p.regex.finditer(text)]

    def rewrite(self, text: str) -> tuple[str, list[str]]:
        """`text` with every claimed name replaced; returns the pattern keys that fired."""
        hits: list[str] = []
        if not text or not self._any.search(text):
            return text, hits
        for p in self.patterns:
            def sub(mt: re.Match[str], p: Any = p) -> str:
                hits.append(p.key)
                name = mt.group("name")
                if p.role == "model" or name.lower() not in self._devs:
                    new = self.config.name
                else:
                    new = self.config.developer_zh if p.lang == "zh" else self.config.developer
                s, e = mt.span("name")
                base = mt.start()
                return mt.group(0)[: s - base] + new + mt.group(0)[e - base :]

            text = p.regex.sub(sub, text)
        return text, hits

    def process(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        notes = self.counts.notes
        fields = ("content", "reasoning_content") if self.config.check_reasoning else ("content",)
        for rec in records:
            hits: list[str] = []
            new_messages = None
            for i, m in enumerate(rec["messages"]):
                if m.get("role") != "assistant":
                    continue
                changed = {}
                for f in fields:
                    text = m.get(f)
                    if not isinstance(text, str) or not text:
                        continue
                    if self.config.mode == "drop":
                        found = self.find(text)
                        hits.extend(k for k, _ in found)
                    else:
                        new, found_keys = self.rewrite(text)
                        hits.extend(found_keys)
                        if new != text:
                            changed[f] = new
                if changed:
                    if new_messages is None:
                        new_messages = list(rec["messages"])
                    new_messages[i] = {**m, **changed}
            for key in hits:
                notes[key] += 1
            if hits and self.config.mode == "drop":
                vendor = hits[0].split(":", 1)[1]
                self.reject(rec, f"identity:{vendor}", ", ".join(sorted(set(hits))))
                continue
            if new_messages is not None:
                notes["records_rewritten"] += 1
                rec = {**rec, "messages": new_messages}
            yield rec
        if self.config.qa_count > MAX_QA:
            notes["qa_capped"] = self.config.qa_count - MAX_QA
            log.warning("identity: qa_count=%d capped at %d distinct questions", self.config.qa_count, MAX_QA)
        if self.config.qa_count > 0:
            for sample in generate_identity_samples(self.config, self.config.qa_count):
                self.counts.n_added += 1
                notes["qa_generated"] += 1
                yield sample


# Questions are all worded differently (no two share a normalised text, and none is a MinHash
# near-duplicate of another under the default dedup settings), so a dedup pass after this one
# keeps every generated sample. "deny" questions name another model and get a "No, ..." answer.
QUESTIONS_EN: list[tuple[str, str]] = [
    ("Who are you?", "who"), ("What is your name?", "who"), ("Which model are you?", "who"),
    ("Who created you?", "dev"), ("Introduce yourself.", "who"), ("Who trained you?", "dev"),
    ("What AI am I talking to?", "who"), ("Tell me a little about yourself.", "who"),
    ("What should I call you?", "who"), ("Which company built this assistant?", "dev"),
    ("Are you ChatGPT?", "deny"), ("Is this Claude from Anthropic?", "deny"),
    ("Were you made by OpenAI?", "deny"), ("Are you based on Qwen?", "deny"),
    ("Are you DeepSeek?", "deny"), ("Are you Google's Gemini?", "deny"),
    ("Which organisation developed you, and what is your model name?", "dev"),
    ("Describe your identity in one sentence.", "who"),
    ("Can you tell me which language model powers this chat?", "who"),
    ("Hello there, whom am I chatting with right now?", "who"),
]
QUESTIONS_ZH: list[tuple[str, str]] = [
    ("你是谁？", "who"), ("你叫什么名字？", "who"), ("你是哪个模型？", "who"), ("谁开发了你？", "dev"),
    ("请介绍一下你自己。", "who"), ("你是由谁训练的？", "dev"), ("我在和哪个AI对话？", "who"),
    ("我该怎么称呼你？", "who"), ("这个助手是哪家公司做的？", "dev"), ("你是ChatGPT吗？", "deny"),
    ("你是Anthropic的Claude吗？", "deny"), ("你是OpenAI开发的吗？", "deny"), ("你是通义千问吗？", "deny"),
    ("你是DeepSeek吗？", "deny"), ("你是文心一言吗？", "deny"), ("用一句话说说你的身份。", "who"),
    ("能告诉我这个对话背后是什么语言模型吗？", "who"), ("你的开发者是谁，你的模型名字是什么？", "dev"),
    ("简单聊聊你自己吧，你是什么样的AI？", "who"), ("你好，请问现在和我聊天的是谁？", "who"),
]
ANSWERS_EN: dict[str, list[str]] = {
    "who": [
        "I am {name}, an AI assistant developed by {developer}. How can I help you today?",
        "My name is {name}. I was built by {developer} to help with questions, code and tasks that need tools.",
        "I'm {name}, a language model created by {developer}.",
    ],
    "dev": [
        "I was developed by {developer}; my name is {name}.",
        "{developer} built and trained me. I'm {name}, an AI assistant.",
    ],
    "deny": [
        "No. I am {name}, an AI assistant developed by {developer}.",
        "No, I'm not. My name is {name}, and I was built by {developer}.",
    ],
}
ANSWERS_ZH: dict[str, list[str]] = {
    "who": [
        "我是{name}，由{developer}开发的AI助手。有什么可以帮你的吗？",
        "我叫{name}，是{developer}打造的语言模型，可以回答问题、编写代码和调用工具。",
        "我是{developer}开发的AI助手{name}。",
    ],
    "dev": ["我由{developer}开发和训练，我的名字是{name}。", "是{developer}打造了我，我是AI助手{name}。"],
    "deny": ["不是。我是{name}，由{developer}开发的AI助手。", "不是的，我叫{name}，是{developer}打造的语言模型。"],
}
MAX_QA = len(QUESTIONS_EN) + len(QUESTIONS_ZH)
"""Distinct identity samples available: one per question (a question never repeats)."""


def generate_identity_samples(config: IdentityConfig, count: int) -> Iterator[dict[str, Any]]:
    """Up to `count` identity Q&A records, alternating English and Chinese.

    Each question is used once, so no two samples share a user turn (a dedup pass would drop
    the repeats); `count` above `MAX_QA` is capped there and the pass notes `qa_capped`.
    """
    order = [q for pair in zip(QUESTIONS_EN, QUESTIONS_ZH, strict=True) for q in pair]
    for i in range(min(count, MAX_QA)):
        lang = "en" if i % 2 == 0 else "zh"
        k = i // 2
        question, kind = order[i]
        answers = (ANSWERS_EN if lang == "en" else ANSWERS_ZH)[kind]
        dev = config.developer if lang == "en" else config.developer_zh
        answer = answers[k % len(answers)].format(name=config.name, developer=dev)
        if answer[0].islower():
            answer = answer[0].upper() + answer[1:]
        yield {
            "id": f"identity-{lang}-{k}",
            "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
            "tools": [],
            "source": {"file": "<generated>", "line": i + 1, "format": "identity"},
            "meta": {"generated": "identity", "lang": lang},
        }
