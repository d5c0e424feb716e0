"""`agent-rl eval swe-bench` on the bubblewrap backend: oracle, empty, predictions, bad input."""

from __future__ import annotations

import json

import pytest
from agent_rl.envs.swe.evaluate import DEFAULT_DATASET, evaluate
from typer.testing import CliRunner


def test_oracle_resolves_and_empty_resolves_none(bwrap, tmp_path):
    oracle = evaluate(policy="oracle", limit=4, backend="bwrap", out_dir=tmp_path / "o")
    assert oracle.resolved == 4 and oracle.infra_errors == 0
    empty = evaluate(policy="empty", limit=4, backend="bwrap", out_dir=tmp_path / "e")
    assert empty.resolved == 0 and {v.status for v in empty.verdicts.values()} == {
        "empty_patch"}
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["resolved_rate"] == 1.0 and len(report["verdicts"]) == 4
    summary = (tmp_path / "o" / "summary.md").read_text()
    assert "resolved: 4/4" in summary and "| resolved |" in summary


def test_bad_input_is_reported_per_instance_and_the_run_goes_on(held_out, bwrap, tmp_path):
    a, b, c, d = held_out[:4]
    rows = [a.to_dict(), {k: v for k, v in b.to_dict().items() if k != "patch"},
            c.to_dict(), d.to_dict()]
    dataset = tmp_path / "d.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    preds = tmp_path / "p.jsonl"
    preds.write_text("\n".join(json.dumps(p) for p in [
        {"instance_id": a.instance_id, "model_name_or_path": "m", "model_patch": a.patch},
        {"instance_id": "nobody__nothing-1", "model_name_or_path": "m", "model_patch": "x"},
        {"instance_id": c.instance_id, "model_name_or_path": "m",
         "model_patch": "I think the bug is in line 3."},
        {"instance_id": d.instance_id, "model_name_or_path": "m"},
    ]) + "\n")
    result = evaluate(dataset, predictions_file=preds, backend="bwrap", out_dir=tmp_path / "r")
    reasons = {r.get("instance_id"): r["reason"] for r in result.rejected}
    assert "patch" in reasons[b.instance_id]  # the dataset line missing a field
    assert reasons["nobody__nothing-1"].startswith("unknown instance")
    assert reasons[c.instance_id] == "model_patch is not a diff"
    assert "model_patch" in reasons[d.instance_id]
    assert result.verdicts[a.instance_id].resolved
    assert result.verdicts[c.instance_id].status == "invalid_patch"
    assert set(result.verdicts) == {a.instance_id, c.instance_id}


def test_cli_predictions_file(bwrap, tmp_path, held_out):
    from agent_rl.cli.main import app

    preds = tmp_path / "preds.jsonl"
    chosen = held_out[:2]
    preds.write_text("".join(json.dumps({"instance_id": i.instance_id,
                                         "model_name_or_path": "me",
                                         "model_patch": i.patch if k == 0 else ""}) + "\n"
                             for k, i in enumerate(chosen)))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["eval", "swe-bench", "--predictions", str(preds),
                                      "--backend", "bwrap", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "resolved 1/2" in result.output
    report = json.loads((out / "report.json").read_text())
    assert report["dataset"] == str(DEFAULT_DATASET)
    assert report["verdicts"][chosen[1].instance_id]["status"] == "empty_patch"


@pytest.mark.slow
def test_policy_run_on_the_env_gives_its_submitted_patches(bwrap, tmp_path):
    """`--policy P` runs P on SWE-v0 first; the rollout layer's oracle (the env's reference
    actions: git apply of the gold patch, then submit) must be graded resolved."""
    from agent_rl.cli.swe import agent_predictions

    preds = agent_predictions(DEFAULT_DATASET, "oracle", 2, "bwrap", tmp_path, max_turns=4)
    assert len(preds) == 2 and all(p["model_patch"].startswith("diff --git") for p in preds)
    result = evaluate(predictions=preds, limit=2, backend="bwrap", out_dir=tmp_path / "g")
    assert result.resolved == 2


class _DownBackend:
    """A policy whose server is down: every generate raises."""

    async def generate(self, prompt_ids, params, context):
        raise ConnectionError("policy server down")


def test_an_agent_run_that_fails_for_infrastructure_is_reported_not_scored_0(bwrap, tmp_path):
    """A policy backend that fails gives no patch to grade: the report counts an
    infrastructure error for the instance and the resolved rate leaves it out (before, an
    empty patch was graded and counted unresolved)."""
    from agent_rl.cli.swe import agent_predictions

    preds = agent_predictions(DEFAULT_DATASET, _DownBackend(), 2, "bwrap", tmp_path,
                              max_turns=2)
    assert [p["infra_error"].split(":")[0] for p in preds] == ["backend_error"] * 2
    result = evaluate(predictions=preds, limit=2, backend="bwrap", out_dir=tmp_path / "g")
    d = result.to_dict()
    assert d["infra_errors"] == 2 and d["resolved_rate"] is None
    assert {v.status for v in result.verdicts.values()} == {"infra_error"}
    assert "policy server down" in next(iter(result.verdicts.values())).infra_error
