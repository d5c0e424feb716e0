"""Docker images for SWE instances, built locally (no registry can be reached).

- The environment image `agent-rl-swe-env:py3`: the project's base image
  `agent-rl-sandbox:latest` (Debian bookworm + python3) plus git and patch from Debian, with
  `STOPSIGNAL SIGKILL` so no stop waits for a grace period. Every shipped repository runs its
  tests with the stdlib, so they share this one environment; this project's own grader runs
  its containers from it.
- One instance image per instance, `sweb.eval.x86_64.<instance_id>:latest` (swebench's local
  name): the environment image plus `/testbed`, a git repository whose only commit is the
  instance's base tree; the build checks that its commit is `base_commit`. swebench's
  `run_evaluation` runs in these.
Builds go through the docker SDK with an in-memory context; a build that fails is reported for
its instance (`ensure_images` returns the reason), and the rest go on.
"""

from __future__ import annotations

import concurrent.futures
import io
import os
import tarfile
from collections.abc import Iterable
from typing import Any

from agent_rl.envs.swe.gitops import _IDENTITY
from agent_rl.envs.swe.instance import SWEInstance

BASE_IMAGE = os.environ.get("AGENT_RL_SANDBOX_IMAGE", "agent-rl-sandbox:latest")
ENV_IMAGE = os.environ.get("AGENT_RL_SWE_ENV_IMAGE", "agent-rl-swe-env:py3")
LABEL = "agent-rl.swe"

ENV_DOCKERFILE = f"""FROM {BASE_IMAGE}
RUN apt-get update -q \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends git patch \\
 && rm -rf /var/lib/apt/lists/*
LABEL {LABEL}=env
STOPSIGNAL SIGKILL
CMD ["sleep", "infinity"]
"""


def instance_dockerfile(instance: SWEInstance) -> str:
    env = " ".join(f"{k}='{v}'" for k, v in _IDENTITY.items())
    return f"""FROM {ENV_IMAGE}
COPY testbed /testbed
WORKDIR /testbed
RUN git init -q -b main && git add -A \\
 && {env} git -c user.useConfigOnly=false commit -q --no-gpg-sign -m base \\
 && test "$(git rev-parse HEAD)" = "{instance.base_commit}" \\
 && git config --global --add safe.directory /testbed
LABEL {LABEL}=instance {LABEL}.instance_id={instance.instance_id}
STOPSIGNAL SIGKILL
"""


def _context(dockerfile: str, files: dict[str, str] | None = None) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        entries = {"Dockerfile": dockerfile}
        entries.update({f"testbed/{k}": v for k, v in (files or {}).items()})
        for name, text in entries.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def docker_client() -> Any:
    import docker

    return docker.from_env(timeout=600)


def image_exists(client: Any, name: str) -> bool:
    import docker

    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def build(client: Any, tag: str, dockerfile: str, files: dict[str, str] | None = None) -> None:
    """Build `tag`; raises RuntimeError with the build's last log lines when it fails."""
    import docker

    try:
        client.images.build(fileobj=_context(dockerfile, files), custom_context=True, tag=tag,
                            rm=True, forcerm=True, network_mode="default")
    except docker.errors.BuildError as exc:
        lines = [str(c.get("stream") or c.get("error") or "").strip() for c in exc.build_log]
        tail = " | ".join(x for x in lines if x)[-600:]
        raise RuntimeError(f"docker build of {tag} failed: {exc.msg}: {tail}") from exc
    except docker.errors.APIError as exc:
        raise RuntimeError(f"docker build of {tag} failed: {exc}") from exc


def ensure_env_image(client: Any | None = None, *, force: bool = False) -> str:
    """Build the environment image unless it exists; returns its name."""
    client = client or docker_client()
    if force or not image_exists(client, ENV_IMAGE):
        if not image_exists(client, BASE_IMAGE):
            raise RuntimeError(f"base image {BASE_IMAGE} not found: run "
                               "`bash scripts/ci_docker.sh` first")
        build(client, ENV_IMAGE, ENV_DOCKERFILE)
    return ENV_IMAGE


def build_instance_image(client: Any, instance: SWEInstance, *, force: bool = False) -> str:
    """Build (or find) the instance image; returns its name, raises RuntimeError on failure."""
    if not force and image_exists(client, instance.image):
        return instance.image
    try:
        files = instance.base_tree()
    except Exception as exc:
        raise RuntimeError(f"cannot make the base tree: {exc}") from exc
    build(client, instance.image, instance_dockerfile(instance), files)
    return instance.image


def ensure_images(instances: Iterable[SWEInstance], *, workers: int = 2,
                  force: bool = False) -> dict[str, str | None]:
    """Instance images for `instances`: instance_id -> None (ready) or why it cannot build."""
    instances = list(instances)
    try:
        client = docker_client()
        ensure_env_image(client)
    except Exception as exc:
        return {i.instance_id: f"environment image: {exc}" for i in instances}

    def one(instance: SWEInstance) -> str | None:
        try:
            build_instance_image(client, instance, force=force)
        except Exception as exc:
            return str(exc)
        return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return dict(zip((i.instance_id for i in instances), pool.map(one, instances),
                        strict=True))
