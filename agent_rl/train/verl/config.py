"""Hydra overrides for verl 0.9.1: one algorithm (GRPO, PPO, DAPO, GSPO, PPO with a reward model)
times one mode (synchronous, one-step off-policy, fully async with partial rollouts).

Every name below was checked against the installed verl 0.9.1 (`verl/trainer/config/
_generated_ppo_trainer.yaml`, the one-step and fully-async configs); the tests compose each
combination with verl's own Hydra config and run its `validate_config`. Nothing here imports
verl.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agent_rl.errors import ConfigError

#: Algorithm -> what it means in verl.
ALGOS: dict[str, str] = {
    "grpo": "GRPO: group-relative advantages over rollout.n samples, KL as a loss",
    "ppo": "PPO with a critic (GAE advantages)",
    "dapo": "DAPO: clip-higher, dynamic sampling (filter_groups), overlong penalty, token-mean loss",
    "gspo": "GSPO: sequence-level importance ratios",
    "rm_ppo": "PPO with a critic, rewards from a reward model (e.g. Skywork-Reward) on chat prompts",
}

#: Mode -> verl entry point (`python -m ...`).
ENTRY_POINTS: dict[str, str] = {
    "sync": "verl.trainer.main_ppo",
    "one_step_off": "verl.experimental.one_step_off_policy.main_ppo",
    "fully_async": "verl.experimental.fully_async_policy.fully_async_main",
}

#: Hydra config each entry point composes: (package holding its `config/` folder, config name).
CONFIG_NAMES: dict[str, tuple[str, str]] = {
    "sync": ("verl.trainer", "ppo_trainer"),
    "one_step_off": ("verl.experimental.one_step_off_policy", "one_step_off_ppo_trainer"),
    "fully_async": ("verl.experimental.fully_async_policy", "fully_async_ppo_trainer"),
}

#: One-step off-policy's YAML searches `file://verl/trainer/config` (relative to verl's source
#: tree); outside it Hydra cannot find `ppo_trainer` without this override.
SEARCHPATH_OVERRIDE = "hydra.searchpath=[pkg://verl.trainer.config]"

REWARD_FILE = str(Path(__file__).with_name("reward.py"))


@dataclass
class VerlRunConfig:
    """What `agent-rl train --backend verl` decides; `overrides()` turns it into verl's keys.

    Batch arithmetic verl checks: `train_batch_size * n` divisible by the GPU count, and
    `ppo_mini_batch_size` (prompts) at most `train_batch_size`.
    """

    model_path: str
    data_dir: str
    agent_loop_config: str
    algo: str = "grpo"
    mode: str = "sync"
    nodes: int = 1
    gpus_per_node: int = 8
    rollout_gpus_per_node: int | None = None
    """GPUs per node given to the rollout in the off-policy modes (default: half)."""
    n: int | None = None
    """Samples per prompt (GRPO group size); default 8 for group methods, 1 for PPO."""
    train_batch_size: int = 64
    ppo_mini_batch_size: int = 16
    micro_batch_size_per_gpu: int = 2
    max_prompt_length: int = 1024
    max_response_length: int = 2048
    lr: float = 1e-6
    critic_lr: float = 1e-5
    tensor_parallel: int = 1
    rollout_name: str = "vllm"
    gpu_memory_utilization: float = 0.6
    offload: bool = False
    total_epochs: int = 1
    total_training_steps: int | None = None
    reward_model_path: str | None = None
    project: str = "agent-rl"
    experiment: str = "run"
    checkpoint_dir: str | None = None
    extra: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.algo not in ALGOS:
            raise ConfigError(
                f"unknown algorithm {self.algo!r}; choose one of {', '.join(ALGOS)}", key="algo"
            )
        if self.mode not in ENTRY_POINTS:
            raise ConfigError(
                f"unknown mode {self.mode!r}; choose one of {', '.join(ENTRY_POINTS)}", key="mode"
            )
        if self.algo == "rm_ppo" and not self.reward_model_path:
            raise ConfigError(
                "rm_ppo needs a reward model path (--reward-model DIR)", key="reward_model"
            )
        for key in ("nodes", "gpus_per_node", "train_batch_size", "ppo_mini_batch_size"):
            if getattr(self, key) < 1:
                raise ConfigError(f"must be >= 1, got {getattr(self, key)}", key=key)
        if self.n is not None and self.n < 1:
            raise ConfigError(f"must be >= 1, got {self.n}", key="n")
        if self.algo in ("grpo", "dapo", "gspo") and self.n is not None and self.n < 2:
            raise ConfigError(
                f"{self.algo} compares samples of one prompt: n must be >= 2", key="n"
            )

    def fit_batch(self, n_rows: int) -> None:
        """Shrink the batch to a dataset smaller than it (verl drops incomplete batches).

        Keeps `train_batch_size * n` divisible by the trainer's GPU count, as verl checks.
        """
        if n_rows >= self.train_batch_size:
            return
        gpus = self.nodes * self.gpus_per_node
        if self.mode != "sync":
            gpus = self.nodes * (
                self.gpus_per_node - (self.rollout_gpus_per_node or max(1, self.gpus_per_node // 2))
            )
        fits = [
            b for b in range(max(n_rows, 1), 0, -1) if (b * self.group_size) % max(gpus, 1) == 0
        ]
        if fits:
            self.train_batch_size = fits[0]
            self.ppo_mini_batch_size = min(self.ppo_mini_batch_size, self.train_batch_size)

    @property
    def entry_point(self) -> str:
        return ENTRY_POINTS[self.mode]

    @property
    def group_size(self) -> int:
        if self.n is not None:
            return self.n
        return 1 if self.algo in ("ppo", "rm_ppo") else 8

    @property
    def estimator(self) -> str:
        return "gae" if self.algo in ("ppo", "rm_ppo") else "grpo"

    def overrides(self) -> list[str]:
        """Hydra overrides, in a stable order (the launch script writes them one per line)."""
        data = Path(self.data_dir)
        ar = "actor_rollout_ref"
        out = [SEARCHPATH_OVERRIDE] if self.mode == "one_step_off" else []
        out += [
            f"algorithm.adv_estimator={self.estimator}",
            f"data.train_files={data / 'train.parquet'}",
            f"data.val_files={data / 'test.parquet'}",
            f"data.train_batch_size={0 if self.mode == 'fully_async' else self.train_batch_size}",
            f"data.max_prompt_length={self.max_prompt_length}",
            f"data.max_response_length={self.max_response_length}",
            "data.filter_overlong_prompts=false",
            f"{ar}.model.path={self.model_path}",
            f"{ar}.actor.optim.lr={self.lr}",
            f"{ar}.actor.ppo_mini_batch_size={self.ppo_mini_batch_size}",
            f"{ar}.actor.ppo_micro_batch_size_per_gpu={self.micro_batch_size_per_gpu}",
            f"{ar}.actor.fsdp_config.param_offload={str(self.offload).lower()}",
            f"{ar}.actor.fsdp_config.optimizer_offload={str(self.offload).lower()}",
            f"{ar}.ref.log_prob_micro_batch_size_per_gpu={self.micro_batch_size_per_gpu}",
            f"{ar}.ref.fsdp_config.param_offload={str(self.offload).lower()}",
            f"{ar}.rollout.name={self.rollout_name}",
            f"{ar}.rollout.n={self.group_size}",
            f"{ar}.rollout.prompt_length={self.max_prompt_length}",
            f"{ar}.rollout.response_length={self.max_response_length}",
            f"{ar}.rollout.tensor_model_parallel_size={self.tensor_parallel}",
            f"{ar}.rollout.gpu_memory_utilization={self.gpu_memory_utilization}",
            f"{ar}.rollout.log_prob_micro_batch_size_per_gpu={self.micro_batch_size_per_gpu}",
            f"{ar}.rollout.calculate_log_probs=true",
            f"{ar}.rollout.agent.agent_loop_config_path={self.agent_loop_config}",
            f"{ar}.rollout.agent.default_agent_loop=agent_rl",
            f"{ar}.rollout.multi_turn.format=deepseek_v31",
            f"trainer.nnodes={self.nodes}",
            f"trainer.project_name={self.project}",
            f"trainer.experiment_name={self.experiment}",
            "trainer.logger=[console]",
            f"trainer.total_epochs={self.total_epochs}",
        ]
        if self.algo != "rm_ppo":
            # verl's reward loop scores with a discriminative reward model only when no custom
            # reward function is set (RewardLoopWorker.compute_score), so rm_ppo sets none.
            out += [
                f"reward.custom_reward_function.path={REWARD_FILE}",
                "reward.custom_reward_function.name=compute_score",
            ]
        if self.total_training_steps is not None:
            out.append(f"trainer.total_training_steps={self.total_training_steps}")
        if self.checkpoint_dir:
            out.append(f"trainer.default_local_dir={self.checkpoint_dir}")
        out += self._algo_overrides() + self._mode_overrides()
        return out + list(self.extra)

    def _algo_overrides(self) -> list[str]:
        a = "actor_rollout_ref.actor"
        if self.algo == "grpo":
            return [
                f"{a}.use_kl_loss=true",
                f"{a}.kl_loss_coef=0.001",
                f"{a}.kl_loss_type=low_var_kl",
                "algorithm.use_kl_in_reward=false",
            ]
        if self.algo == "gspo":
            # The GSPO paper's clip range is on sequence-level ratios: about 1e-4 wide.
            return [
                f"{a}.policy_loss.loss_mode=gspo",
                f"{a}.clip_ratio_low=0.0003",
                f"{a}.clip_ratio_high=0.0004",
                f"{a}.loss_agg_mode=seq-mean-token-mean",
                f"{a}.use_kl_loss=false",
                "algorithm.use_kl_in_reward=false",
            ]
        if self.algo == "dapo":
            buffer = max(1, self.max_response_length // 4)
            return [
                f"{a}.clip_ratio_low=0.2",
                f"{a}.clip_ratio_high=0.28",
                f"{a}.loss_agg_mode=token-mean",
                f"{a}.use_kl_loss=false",
                "algorithm.use_kl_in_reward=false",
                "algorithm.filter_groups.enable=true",
                "algorithm.filter_groups.metric=reward",
                "algorithm.filter_groups.max_num_gen_batches=10",
                "reward.reward_manager.name=dapo",
                "+reward.reward_kwargs.overlong_buffer_cfg.enable=true",
                f"+reward.reward_kwargs.overlong_buffer_cfg.len={buffer}",
                "+reward.reward_kwargs.overlong_buffer_cfg.penalty_factor=1.0",
                "+reward.reward_kwargs.overlong_buffer_cfg.log=false",
                f"+reward.reward_kwargs.max_resp_len={self.max_response_length}",
            ]
        # ppo and rm_ppo: a critic from the same base model, GAE
        out = [
            "critic.enable=true",
            f"critic.model.path={self.model_path}",
            f"critic.optim.lr={self.critic_lr}",
            f"critic.ppo_micro_batch_size_per_gpu={self.micro_batch_size_per_gpu}",
            f"critic.fsdp.param_offload={str(self.offload).lower()}",
            f"critic.fsdp.optimizer_offload={str(self.offload).lower()}",
            f"{a}.use_kl_loss=false",
            "algorithm.use_kl_in_reward=true",
            "algorithm.kl_ctrl.kl_coef=0.001",
        ]
        if self.algo == "rm_ppo":
            out += [
                "reward.reward_model.enable=true",
                f"reward.reward_model.model_path={self.reward_model_path}",
                f"reward.reward_model.rollout.name={self.rollout_name}",
                f"reward.reward_model.rollout.tensor_model_parallel_size={self.tensor_parallel}",
                f"reward.reward_model.rollout.prompt_length={self.max_prompt_length}",
                f"reward.reward_model.rollout.response_length={self.max_response_length}",
            ]
        return out

    def _mode_overrides(self) -> list[str]:
        if self.mode == "sync":
            return [f"trainer.n_gpus_per_node={self.gpus_per_node}"]
        rollout = self.rollout_gpus_per_node or max(1, self.gpus_per_node // 2)
        trainer = self.gpus_per_node - rollout
        if trainer < 1:
            raise ConfigError(
                f"{self.mode} trains and rolls out on separate GPUs: {self.gpus_per_node} per node "
                f"leaves none for the trainer after {rollout} for the rollout",
                key="rollout_gpus_per_node",
            )
        out = [
            f"trainer.n_gpus_per_node={trainer}",
            f"rollout.nnodes={self.nodes}",
            f"rollout.n_gpus_per_node={rollout}",
            "actor_rollout_ref.hybrid_engine=false",
        ]
        if self.mode == "fully_async":
            steps = self.total_training_steps or 100
            out += [
                "data.gen_batch_size=1",
                f"rollout.total_rollout_steps={steps * self.train_batch_size}",
                "async_training.partial_rollout=true",
                "async_training.staleness_threshold=0.1",
                "async_training.trigger_parameter_sync_step=4",
                f"async_training.require_batches={max(1, self.train_batch_size // self.ppo_mini_batch_size)}",
            ]
            if self.algo == "rm_ppo":  # async rollout never pauses: the RM needs its own GPUs
                out += [
                    "reward.reward_model.enable_resource_pool=true",
                    f"reward.reward_model.nnodes={self.nodes}",
                    f"reward.reward_model.n_gpus_per_node={max(1, rollout // 2)}",
                ]
        return out
