"""verl's own `tool_agent` loop runs a V3.1 model through the registered parser (V31ToolAgentLoop).

The server here replays V3.1 completions the project's renderer encodes (a tool call, then an
answer): what is under test is verl's loop reading the call with our parser, running verl's
function tool and feeding its result back, not the model.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

TOOLS = '''
from verl.tools.function_tool import function_tool


@function_tool
def add(a: int, b: int) -> str:
    """Add two integers.

    Args:
        a: first
        b: second
    """
    return str(a + b)
'''


class ReplayServer:
    def __init__(self, completions):
        self.completions = list(completions)
        self.prompts = []

    async def generate(self, request_id, *, prompt_ids, sampling_params, **kwargs):
        from verl.workers.rollout.replica import TokenOutput

        self.prompts.append(list(prompt_ids))
        ids = self.completions.pop(0)
        return TokenOutput(token_ids=ids, log_probs=[0.0] * len(ids), stop_reason="completed")


@pytest.fixture(scope="module")
def tools_file(tmp_path_factory):
    """One file for the module: verl's function-tool registry is process-wide."""
    path = tmp_path_factory.mktemp("tools") / "tools.py"
    path.write_text(TOOLS)
    return path


def _setup(tmp_path, tools_file, target: str | None = None):
    import yaml

    from agent_rl.chat_format import get_chat_format, load_tokenizer
    from agent_rl.train.verl.data import verl_rows, write_parquet
    from agent_rl.train.verl.launch import agent_loop_entries
    from tests.train.verl.helpers import verl_config

    rows = verl_rows("agent_rl/Math-v0", "all", 1, agent_name="tool_agent_v31")
    data = write_parquet(rows, tmp_path / "rows.parquet")
    entries = agent_loop_entries()
    if target is not None:
        entries[-1]["_target_"] = target
    loops = tmp_path / "loops.yaml"
    loops.write_text(yaml.safe_dump(entries))
    config = verl_config(
        data,
        loops,
        "actor_rollout_ref.rollout.multi_turn.format=deepseek_v31",
        f"actor_rollout_ref.rollout.multi_turn.function_tool_path={tools_file}",
        "actor_rollout_ref.rollout.multi_turn.max_assistant_turns=3",
    )
    cf = get_chat_format("deepseek_v31", tokenizer=load_tokenizer("tiny"))
    call = {
        "id": "c",
        "type": "function",
        "function": {"name": "add", "arguments": '{"a": 20, "b": 22}'},
    }
    server = ReplayServer(
        [
            cf.encode_completion({"role": "assistant", "content": "", "tool_calls": [call]}),
            cf.encode_completion({"role": "assistant", "content": "\\boxed{42}"}),
        ]
    )
    return config, data, server, cf


def test_plain_verl_tool_agent_cannot_render_v31_tool_results(tmp_path, tools_file):
    """Why V31ToolAgentLoop exists: verl's synthetic `arguments: {}` breaks the V3.1 template."""
    import agent_rl.train.verl.tool_parser  # noqa: F401  (registers the parser only)
    from agent_rl.train.verl.parity import run_worker

    config, data, server, _ = _setup(
        tmp_path, tools_file, "verl.experimental.agent_loop.tool_agent_loop.ToolAgentLoop"
    )
    with pytest.raises(TypeError, match="concatenate str"):
        run_worker(config, server, data)


def test_tool_agent_with_the_v31_parser(tmp_path, tools_file):

    from agent_rl.train.verl.parity import run_worker

    config, data, server, cf = _setup(tmp_path, tools_file)
    out = run_worker(config, server, data)
    assert len(server.prompts) == 2  # the parser found the call, so verl asked again
    second_prompt = cf.tokenizer.decode(server.prompts[1], skip_special_tokens=False)
    assert "<｜tool▁output▁begin｜>42<｜tool▁output▁end｜>" in second_prompt
    mask = out.batch["response_mask"][0].tolist()
    assert 0 in mask and mask.count(1) > 0
