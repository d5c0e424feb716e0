"""`agent_rl/SWE-v0`: fix a repository so its hidden tests pass, graded like SWE-bench.

An episode: a fresh repository at the instance's base commit (one commit, no later history);
the agent reads the problem statement and works with four tools: `bash` (a shell in a sandbox
that sees the repository at /testbed; bounded output and time), `str_replace_editor` (view
with line ranges, create, str_replace, insert, undo_edit), `search` (a regex over the files)
and `submit`. Submitting (or answering without a tool call) ends the episode: the diff of the
workspace against the base commit is graded in a fresh copy by `SWEScorer` (the test patch
applied, the tests run, swebench's log parser and `get_eval_report`): reward 1.0 when the
instance is resolved, else 0.0, with components applied / fail_to_pass / pass_to_pass.
Infrastructure failures are flagged (`info["infra_error"]`), never scored 0.

Backends (`backend=`): `bwrap` (the host toolchain, no daemon) or `docker` (the SWE
environment image; a warm pool of per-episode containers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from agent_rl.envs.core.env import AgentEnv, Message, StepOutcome
from agent_rl.envs.core.scoring import Score, Scorer
from agent_rl.envs.core.source import shared_tasks, split_tasks
from agent_rl.envs.core.task import Target, Task
from agent_rl.envs.swe.grading import Verdict, grade, sandbox_for
from agent_rl.envs.swe.instance import SWEInstance, load_instances
from agent_rl.envs.swe.workspace import Workspace
from agent_rl.tools import Tool, ToolResult, ToolSet

from agent_rl.errors import ConfigError, DataError, InfraError
from agent_rl.messages import tool_call

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED = (DATA_DIR / "swe_train.jsonl", DATA_DIR / "swe_test.jsonl")
SYSTEM_PROMPT = (
    "You are a software engineer fixing an issue in a Python repository checked out at "
    "/testbed (the working directory of your bash tool). Explore the code, reproduce the "
    "problem, edit the library code (not the tests), and run the tests with "
    "`python3 -m unittest discover -s tests -t .`. When the issue is fixed, call `submit`."
)


@dataclass(frozen=True)
class SWETarget(Target):
    """What grading needs: the tests that must pass and the rest of the SWE-bench record."""

    kind = "swe_instance"
    instance_id: str = ""
    FAIL_TO_PASS: tuple[str, ...] = ()
    PASS_TO_PASS: tuple[str, ...] = ()
    test_patch: str = ""
    gold_patch: str = ""
    instance: dict[str, Any] = field(default_factory=dict)
    """The full instance record (base commit, environment, eval script, parser, ...)."""

    def to_instance(self) -> SWEInstance:
        return SWEInstance.from_dict(self.instance)


def instance_task(instance: SWEInstance) -> Task:
    """The env's Task for an instance (prompt = the problem statement)."""
    record = instance.to_dict()
    target = SWETarget(instance_id=instance.instance_id,
                       FAIL_TO_PASS=tuple(instance.FAIL_TO_PASS),
                       PASS_TO_PASS=tuple(instance.PASS_TO_PASS),
                       test_patch=instance.test_patch, gold_patch=instance.patch,
                       instance=record)
    prompt = (f"<issue repo=\"{instance.repo}\">\n{instance.problem_statement.strip()}\n"
              "</issue>\n\nThe repository is checked out at /testbed. Fix the issue, then "
              "call `submit`.")
    return Task(id=instance.instance_id, prompt=prompt, target=target,
                metadata={"repo": instance.repo, "split": instance.split})


def load_swe_tasks(dataset: str | Path | None = None) -> list[Task]:
    """Tasks of a SWE-bench instance file (JSON, JSONL, parquet), or the shipped ones.

    A record that fails its checks is an error here (an env must not train on a silently
    smaller set); `agent-rl eval swe-bench` reports such records per instance instead.
    """
    paths = list(SHIPPED) if dataset in (None, "", "shipped") else [Path(str(dataset))]
    tasks: list[Task] = []
    for path in paths:
        instances, rejected = load_instances(path)
        if rejected:
            first = rejected[0]
            raise DataError(f"{len(rejected)} bad instance record(s); first: {first['reason']}",
                            path=str(path))
        tasks += [instance_task(i) for i in instances]
    return tasks


class SWEScorer(Scorer[str]):
    """Grades a diff for a task's instance (see `grading.grade`): a Score with components."""

    def __init__(self, sandbox: Any, *, timeout: float = 120) -> None:
        self.sandbox = sandbox
        self.timeout = timeout

    def verdict(self, patch: str, task: Task) -> Verdict:
        target = task.target
        if not isinstance(target, SWETarget):
            raise DataError("an SWE task needs a swe_instance target", key="target")
        return grade(target.to_instance(), patch, self.sandbox, timeout=self.timeout)

    def score(self, answer: str, task: Task) -> Score:
        verdict = self.verdict(answer, task)
        details = {"instance_id": verdict.instance_id, "status": verdict.status,
                   "model_patch": answer or ""}
        if verdict.infra_error:
            return Score.infra(verdict.infra_error, **details)
        return Score(verdict.reward, verdict.components(), details=details)


class SWEEnv(AgentEnv):
    """SWE-bench-style repository repair with a shell, an editor, a search and submit.

    Args:
        dataset: an instance file (JSON, JSONL, parquet); default: the shipped instances.
        split: "train", "test" (held out) or "all".
        backend: "bwrap" or "docker" (shell and grading).
        max_turns: steps before truncation (an unsubmitted episode scores its diff then).
        shell_timeout: seconds per shell command.
        grade_timeout: seconds for the test run when grading.
        n_tasks: keep the first `n_tasks` of the split.
    """

    description = "Repository repair (SWE-bench format): shell, editor, search, submit"
    train_settings: ClassVar[dict[str, Any]] = {"max_tokens": 1024, "max_turns": 16,
                                                "step_timeout": 180}

    def __init__(self, dataset: str | Path | None = None, *, split: str = "train",
                 backend: str = "bwrap", max_turns: int = 16, shell_timeout: float = 30,
                 grade_timeout: float = 120, n_tasks: int | None = None,
                 source: str | Path | None = None) -> None:
        if backend not in ("bwrap", "docker"):
            raise ConfigError(f"unknown backend {backend!r}; choose bwrap or docker",
                              key="backend")
        dataset = dataset if dataset is not None else source
        key = ("swe", str(dataset or "shipped"))
        tasks = split_tasks(shared_tasks(key, lambda: load_swe_tasks(dataset)), split)
        if n_tasks is not None:
            tasks = tasks[: max(n_tasks, 1)]
        self.backend = backend
        self.shell_timeout = shell_timeout
        self._grader: Any = None
        self.grade_timeout = grade_timeout
        self._shell: Any = None
        self.workspace: Workspace | None = None
        self.submitted: str | None = None
        toolset = ToolSet([
            Tool("bash", "Run a bash command in /testbed (no network; output and time are "
                 "limited). Returns the exit code, stdout and stderr.",
                 {"type": "object", "properties": {
                     "command": {"type": "string", "description": "The command to run."},
                     "timeout": {"type": "number", "description": "Seconds (max 120)."}},
                  "required": ["command"]}, self._bash, timeout=150),
            Tool("str_replace_editor",
                 "View, create and edit files. Commands: view (a file with line numbers, "
                 "optionally view_range [first, last]; or a directory), create (file_text), "
                 "str_replace (old_str must occur exactly once; new_str replaces it), insert "
                 "(new_str after line insert_line; 0 = at the top), undo_edit (the last edit "
                 "of path).",
                 {"type": "object", "properties": {
                     "command": {"type": "string",
                                 "enum": ["view", "create", "str_replace", "insert",
                                          "undo_edit"]},
                     "path": {"type": "string", "description": "Relative to /testbed."},
                     "view_range": {"type": "array", "items": {"type": "integer"},
                                    "minItems": 2, "maxItems": 2},
                     "file_text": {"type": "string"},
                     "old_str": {"type": "string"},
                     "new_str": {"type": "string"},
                     "insert_line": {"type": "integer", "minimum": 0}},
                  "required": ["command", "path"]}, self._editor, timeout=30),
            Tool("search", "Search the repository's files for a regular expression; returns "
                 "path:line: text for each match.",
                 {"type": "object", "properties": {
                     "pattern": {"type": "string"},
                     "path": {"type": "string", "description": "File or directory (default .)"},
                     "glob": {"type": "string", "description": "File pattern (default *.py)"}},
                  "required": ["pattern"]}, self._search, timeout=30),
            Tool("submit", "Submit the current changes to the repository as the fix; ends "
                 "the episode.", {"type": "object", "properties": {}}, self._submit,
                 timeout=30),
        ])
        super().__init__(tasks, toolset=toolset, max_turns=max_turns,
                         system_prompt=SYSTEM_PROMPT)

    # ----------------------------------------------------------------- backends
    def grader(self) -> SWEScorer:
        if self._grader is None:
            self._grader = SWEScorer(sandbox_for(self.backend), timeout=self.grade_timeout)
        return self._grader

    def shell(self) -> Any:
        if self._shell is None:
            from agent_rl.envs.swe.shell import BwrapShell, DockerShell

            self._shell = BwrapShell() if self.backend == "bwrap" else DockerShell()
        return self._shell

    # ----------------------------------------------------------------- episode
    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[list[Message], dict[str, Any]]:
        self._end_workspace()
        messages, info = super().reset(seed=seed, options=options)
        assert self.task is not None
        target = self.task.target
        if not isinstance(target, SWETarget):
            raise DataError("an SWE task needs a swe_instance target", key="target")
        self.submitted = None
        try:
            files = target.to_instance().base_tree()
            shell = self.shell()
            if self.backend == "docker":
                self.workspace = Workspace(files, root=shell.take())
            else:
                self.workspace = Workspace(files)
                shell.attach(self.workspace.root)
        except (InfraError, OSError, RuntimeError) as exc:
            info["infra_error"] = f"workspace: {exc}"
            self.workspace = None
        return messages, info

    def _end_workspace(self) -> None:
        if self._shell is not None:
            self._shell.detach()
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None

    def _ws(self) -> Workspace:
        if self.workspace is None:
            raise InfraError("no workspace (the episode did not start)")
        return self.workspace

    def _bash(self, command: str, timeout: float | None = None) -> ToolResult:
        limit = min(float(timeout or self.shell_timeout), 120.0)
        if self.workspace is None:
            return ToolResult(content="Error: no workspace", infra_error="no workspace")
        result = self.shell().run(command, timeout=limit)
        if result.infra_error:
            return ToolResult(content=f"Error: the shell failed: {result.infra_error}",
                              error="exception", infra_error=result.infra_error)
        return ToolResult(content=result.summary())

    def _editor(self, command: str, path: str, view_range: list[int] | None = None,
                file_text: str | None = None, old_str: str | None = None,
                new_str: str | None = None, insert_line: int | None = None) -> str:
        ws = self._ws()
        if command == "view":
            return ws.view(path, view_range)
        if command == "create":
            if file_text is None:
                raise ValueError("create needs file_text")
            return ws.create(path, file_text)
        if command == "str_replace":
            if old_str is None:
                raise ValueError("str_replace needs old_str")
            return ws.str_replace(path, old_str, new_str or "")
        if command == "insert":
            if insert_line is None or new_str is None:
                raise ValueError("insert needs insert_line and new_str")
            return ws.insert(path, insert_line, new_str)
        return ws.undo(path)

    def _search(self, pattern: str, path: str = ".", glob: str = "*.py") -> str:
        return self._ws().search(pattern, path, glob)

    def _submit(self) -> str:
        self.submitted = self._ws().diff()
        return "Submitted." if self.submitted.strip() else "Submitted an empty patch."

    def on_tool_results(self, action: Message, results: list[Any],
                        messages: list[Message]) -> StepOutcome:
        outcome = super().on_tool_results(action, results, messages)
        if outcome.info.get("infra_error"):
            return outcome
        if self.submitted is None and self.turn >= self.max_turns and self.workspace:
            self.submitted = self._ws().diff()  # out of turns: the work so far is the answer
        if self.submitted is None:
            return outcome
        outcome.score = self._score(self.submitted)
        outcome.terminated = True
        return outcome

    def finish(self, action: Message) -> StepOutcome:
        """An answer without a tool call submits the workspace as it is."""
        if self.workspace is None:
            return StepOutcome(score=Score.infra("no workspace"), terminated=True)
        return StepOutcome(score=self._score(self._ws().diff()), terminated=True)

    def _score(self, patch: str) -> Score:
        assert self.task is not None
        return self.grader().score(patch, self.task)

    def close(self) -> None:
        self._end_workspace()
        if self._shell is not None:
            self._shell.close()
        super().close()

    # ----------------------------------------------------------------- reference agents
    def reference_action(self) -> Message | None:
        """Apply the gold patch with git in the shell, then submit."""
        if self.task is None or not isinstance(self.task.target, SWETarget):
            return None
        if self.workspace is not None and not self._ws().diff().strip():
            patch = self.task.target.gold_patch
            command = f"git apply - <<'AGENT_RL_EOF'\n{patch}AGENT_RL_EOF"
            return {"role": "assistant", "content": "Applying the fix.",
                    "tool_calls": [tool_call("bash", {"command": command}, f"call_{self.turn}")]}
        return {"role": "assistant", "content": "Done.",
                "tool_calls": [tool_call("submit", {}, f"call_{self.turn}")]}

    def wrong_action(self) -> Message:
        return {"role": "assistant", "content": "Submitting without changes.",
                "tool_calls": [tool_call("submit", {}, "call_wrong")]}
