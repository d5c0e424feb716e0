"""The seams every env family plugs into: Score, typed targets, shared and split task sources,
tool lifecycles, and the registry's duplicate warning."""

from __future__ import annotations

import dataclasses
import threading
import warnings

import pytest
from agent_rl.envs import AgentEnv, Score, StepOutcome, Target, Task
from agent_rl.tools import Tool, ToolResult, ToolSet

from agent_rl import envs
from agent_rl.errors import ConfigError, DataError


# ----------------------------------------------------------------- Score
def test_score_checks_range_and_keeps_components() -> None:
    s = Score.combine({"correct": 1.0, "grounded": 0.5})
    assert s.reward == 0.5 and s.components == {"correct": 1.0, "grounded": 0.5}
    assert Score.combine({"a": 1.0, "b": 0.0}, how="mean").reward == 0.5
    assert Score.combine({"a": 1.0, "b": 0.0}, weights={"a": 0.9, "b": 0.1}).reward == 0.9
    assert Score.from_dict(s.to_dict()) == s
    for bad in (1.5, -0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            Score(bad)
    with pytest.raises(ValueError):
        Score(0.0, {"x": 2.0})
    with pytest.raises(ValueError):  # an infra failure cannot carry a reward
        Score(1.0, infra_error="verifier crashed")
    infra = Score.infra("sandbox down", task="t1")
    assert not infra.ok and infra.reward == 0.0 and infra.to_dict()["infra_error"] == "sandbox down"


class _Scored(AgentEnv):
    def __init__(self, score: Score) -> None:
        super().__init__([Task(id="t", prompt="?", answer="a")])
        self._score = score

    def finish(self, action):
        return StepOutcome(score=self._score, terminated=True)


def test_env_copies_the_score_into_info_and_flags_infra() -> None:
    env = _Scored(Score.combine({"correct": 1.0, "style": 0.5}, how="mean"))
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step("a")
    assert reward == 0.75 and terminated
    assert info["score"]["components"] == {"correct": 1.0, "style": 0.5}
    env = _Scored(Score.infra("judge unreachable"))
    env.reset(seed=0)
    _, reward, _, _, info = env.step("a")
    assert reward == 0.0 and info["infra_error"] == "judge unreachable"


# ----------------------------------------------------------------- typed targets
@dataclasses.dataclass(frozen=True)
class Evidence(Target):
    kind = "test_evidence"
    doc_ids: tuple[str, ...] = ()
    answer: str = ""


def test_target_round_trips_through_task_dicts() -> None:
    task = Task(id="s1", prompt="who?", target=Evidence(doc_ids=("d1", "d2"), answer="Ada"))
    data = task.to_dict()
    assert data["target"] == {"kind": "test_evidence", "doc_ids": ["d1", "d2"], "answer": "Ada"}
    back = Task.from_dict(data)
    assert back == task and isinstance(back.target, Evidence)
    raw = Task.from_dict({"id": "x", "prompt": "?", "target": {"kind": "nobody_knows", "n": [1]}})
    assert raw.to_dict()["target"] == {"kind": "nobody_knows", "n": [1]}


def test_bad_targets_name_the_place() -> None:
    with pytest.raises(DataError) as err:
        Task.from_dict(
            {"id": "x", "prompt": "?", "target": {"kind": "test_evidence", "doc": 1}},
            path="tasks.jsonl",
            line=7,
        )
    assert "tasks.jsonl" in str(err.value) and "7" in str(err.value) and "doc" in str(err.value)
    with pytest.raises(DataError):
        Task.from_dict({"id": "x", "prompt": "?", "target": {"doc_ids": []}})


def test_code_tasks_carry_their_tests_as_a_typed_target() -> None:
    from agent_rl.envs.code import CodeTask, CodeTests

    env = envs.make("agent_rl/Code-v0").unwrapped
    task = env.tasks[0]
    assert isinstance(task.target, CodeTests) and task.answer == ""
    assert CodeTask.from_task(Task.from_dict(task.to_dict())) == CodeTask.from_task(task)


# ----------------------------------------------------------------- sources and splits
def test_shared_tasks_load_once_per_key_even_when_raced() -> None:
    calls: list[int] = []

    def loader() -> list[Task]:
        calls.append(1)
        return [Task(id="a", prompt="p", answer="1")]

    envs.clear_shared_tasks()
    results: list[list[Task]] = []
    threads = [
        threading.Thread(target=lambda: results.append(envs.shared_tasks(("k", 1), loader)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and all(r[0] is results[0][0] for r in results)
    envs.shared_tasks(("k", 2), loader)
    assert len(calls) == 2


def test_split_is_a_stable_partition() -> None:
    tasks = [Task(id=f"t{i}", prompt=f"p{i}", answer="1") for i in range(200)]
    train, test = envs.split_tasks(tasks, "train"), envs.split_tasks(tasks, "test")
    assert {t.id for t in train}.isdisjoint({t.id for t in test})
    assert len(train) + len(test) == 200 and 20 <= len(test) <= 60
    # independent of order and of the other tasks in the file
    assert envs.split_tasks(list(reversed(tasks))[:50], "test") == [
        t for t in reversed(tasks[150:]) if t in test
    ]
    assert envs.split_tasks(tasks[:2], "test")  # never empty where a task can be held out
    with pytest.raises(ConfigError):
        envs.split_tasks(tasks, "validation")


@pytest.mark.parametrize(
    ("env_id", "kwargs"),
    [
        ("agent_rl/Math-v0", {}),
        ("agent_rl/Math-v0", {"source": "reasoning_gym:basic_arithmetic", "n_tasks": 200}),
        ("agent_rl/Calculator-v0", {"n_tasks": 300}),
        ("agent_rl/Code-v0", {}),
        ("agent_rl/Code-v0", {"dataset": "humaneval"}),
    ],
)
def test_held_out_split_is_disjoint_from_training(env_id: str, kwargs: dict) -> None:
    cls = envs.registered_envs()[env_id].load()
    train = envs.make(env_id, **{**kwargs, "split": "train"}).unwrapped.tasks
    test = envs.make(env_id, **cls.held_out_kwargs(kwargs)).unwrapped.tasks
    assert test, "the held-out split is empty"
    assert {t.id for t in train}.isdisjoint({t.id for t in test})
    # Generators and math files: no problem text is in both (HumanEval's prompt line repeats
    # across tasks that share a function name, so code tasks are compared by id).
    if env_id != "agent_rl/Code-v0":
        assert {t.prompt for t in train}.isdisjoint({t.prompt for t in test})


# ----------------------------------------------------------------- scoring per family
def test_reasoning_gym_tasks_are_judged_by_their_own_scorer() -> None:
    """math-verify reads a sorted word list as a set; word_sorting's own scorer does not."""
    env = envs.make(
        "agent_rl/Math-v0", source="reasoning_gym:word_sorting", n_tasks=10
    ).unwrapped
    env.reset(options={"task": env.tasks[0]})
    words = env.task.answer.split(", ")
    reversed_reply = "\\boxed{" + ", ".join(reversed(words)) + "}"
    assert env.scorer.score(reversed_reply, env.task).reward == 1.0  # math-verify: a set
    _, reward, _, _, info = env.step(reversed_reply)
    assert reward < 1.0 and info["score"]["components"]["correct"] == reward
    env.reset(options={"task": env.tasks[0]})
    assert env.step("\\boxed{" + env.task.answer + "}")[1] == 1.0


def test_extraction_modes() -> None:
    strict = envs.make("agent_rl/Math-v0", tasks=[{"id": "a", "prompt": "?", "answer": "42"}])
    flexible = envs.make(
        "agent_rl/Math-v0",
        tasks=[{"id": "a", "prompt": "?", "answer": "42"}],
        extraction="flexible",
    )
    for env, expected in ((strict, 0.0), (flexible, 1.0)):
        env.reset(seed=0)
        assert env.step("6 times 7 gives 42.")[1] == expected
    with pytest.raises(ConfigError):
        envs.make("agent_rl/Math-v0", extraction="loose")


def test_bad_gold_is_an_infra_error_by_status_not_by_message() -> None:
    env = envs.make("agent_rl/Math-v0", tasks=[{"id": "bad", "prompt": "?", "answer": "}{"}])
    env.reset(seed=0)
    *_, info = env.step("\\boxed{5}")
    assert info["verdict"]["status"] == "bad_gold" and info["infra_error"]


def test_calculator_reward_components() -> None:
    env = envs.make("agent_rl/Calculator-v0", n_tasks=5).unwrapped
    env.reset(seed=0)
    *_, info = env.step("\\boxed{" + env.task.answer + "}")  # right, without the tool
    assert info["score"]["components"] == {"correct": 1.0, "used_tool": 0.0}
    assert info["score"]["reward"] == pytest.approx(0.9)


# ----------------------------------------------------------------- tool lifecycles
class _ToolEnv(AgentEnv):
    def __init__(self, toolset: ToolSet) -> None:
        super().__init__([Task(id="t", prompt="?", answer="a")], toolset=toolset, max_turns=3)

    def finish(self, action):
        return StepOutcome(score=Score.binary(action["content"] == "a"), terminated=True)


def _call(name: str) -> dict:
    return {"id": "c1", "type": "function", "function": {"name": name, "arguments": "{}"}}


def test_env_resets_and_closes_its_tools() -> None:
    events: list[str] = []
    state = {"n": 0}

    def count() -> int:
        """Count calls in this episode."""
        state["n"] += 1
        return state["n"]

    counter = Tool(
        "count", "", None, count,
        on_reset=lambda: (events.append("reset"), state.update(n=0)),
        on_close=lambda: events.append("close"),
    )  # fmt: skip
    env = _ToolEnv(ToolSet([counter], on_close=lambda: events.append("set-close")))
    env.reset(seed=0)
    env.step({"role": "assistant", "content": "", "tool_calls": [_call("count")]})
    env.step({"role": "assistant", "content": "", "tool_calls": [_call("count")]})
    assert state["n"] == 2
    env.reset(seed=0)
    assert state["n"] == 0 and events == ["reset", "reset"]
    env.close()
    assert events[-2:] == ["close", "set-close"]


def test_a_tool_infra_error_marks_the_step() -> None:
    def flaky() -> ToolResult:
        """A service that is down."""
        return ToolResult(content="service unavailable", error="exception", infra_error="503")

    env = _ToolEnv(ToolSet([Tool("flaky", "", None, flaky)]))
    env.reset(seed=0)
    *_, info = env.step({"role": "assistant", "content": "", "tool_calls": [_call("flaky")]})
    assert info["infra_error"] == "flaky: 503"


def test_sandbox_sessions_are_a_declared_capability() -> None:
    from agent_rl.tools.sandbox import BwrapSandbox, DockerSandbox, Sandbox

    assert BwrapSandbox.supports_spawn and DockerSandbox.supports_spawn
    assert Sandbox.supports_spawn is False


# ----------------------------------------------------------------- registry
def test_registering_an_id_twice_differently_warns() -> None:
    envs.register("tests/Dup-v0", "agent_rl.envs.examples.reverse:ReverseEnv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        envs.register("tests/Dup-v0", "agent_rl.envs.examples.reverse:ReverseEnv")  # same: quiet
    with pytest.warns(UserWarning, match="overriding env 'tests/Dup-v0'"):
        envs.register("tests/Dup-v0", "agent_rl.envs.math.env:MathEnv")
    envs.unregister("tests/Dup-v0")


@pytest.mark.docker
def test_docker_says_why_an_image_lookup_failed() -> None:
    """A missing image and an engine error are different failures, reported as such."""
    from agent_rl.tools.sandbox import DockerSandbox

    probe = DockerSandbox(image="no-such-image-agent-rl:latest", warm=0)
    try:
        probe.client.ping()
    except Exception as exc:
        pytest.skip(f"no Docker engine: {exc}")
    assert "not found" in (probe.available() or "")
    bad = DockerSandbox(image="Bad Name!!", warm=0)
    reason = bad.available() or ""
    assert "not found" not in reason and "invalid reference format" in reason


def test_the_architecture_doc_example_is_a_working_family() -> None:
    """docs/ARCHITECTURE.md embeds envs/examples/capitals.py byte for byte, and it works."""
    import re
    from pathlib import Path

    from gymnasium.utils.env_checker import check_env

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- example: (\S+) -->\n```python\n(.*?)```", doc, re.S)
    assert match is not None and (root / match.group(1)).read_text() == match.group(2)
    from agent_rl.envs.examples import capitals  # registers examples/Capitals-v0

    env = envs.make("examples/Capitals-v0").unwrapped
    assert env.validate().ok
    check_env(envs.make("examples/Capitals-v0").unwrapped, skip_render_check=True)
    train = {t.id for t in capitals.CapitalsEnv(split="train").tasks}
    test = {t.id for t in capitals.CapitalsEnv(split="test").tasks}
    assert test and train.isdisjoint(test) and len(train | test) == len(capitals.CAPITALS)
    env.reset(options={"task": env.tasks[0]})
    gold = env.task.target
    *_, info = env.step(gold.name)  # right city, country missing: half the components
    assert info["score"]["components"] == {"correct": 1.0, "names_country": 0.0}
