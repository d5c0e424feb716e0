#!/usr/bin/env bash
# Make the sandboxes usable: install bubblewrap; install docker.io (and debootstrap), start dockerd if no engine
# answers, and build the local base image `agent-rl-sandbox:latest` (Debian bookworm minbase with
# python3) without any registry. Idempotent and fast when everything exists already.
#
# Never fatal: when the engine cannot start, it says why and exits 0 so the test suite runs and
# the Docker tests skip with a reason.
#
# Environment: AGENT_RL_SANDBOX_IMAGE (image name), AGENT_RL_DEBIAN_MIRROR (debootstrap mirror;
# default: the main Debian archive this machine's apt already uses, read from its sources under
# AGENT_RL_APT_DIR, default /etc/apt), AGENT_RL_DOCKER_REQUIRED=1 to make failures fatal (exit 1).
#
# `bash scripts/ci_docker.sh --print-mirror` only prints the mirror it would use.
set -u

IMAGE="${AGENT_RL_SANDBOX_IMAGE:-agent-rl-sandbox:latest}"
LOG="${TMPDIR:-/tmp}/agent-rl-dockerd.log"

say() { echo "[ci_docker] $*"; }
give_up() {
    say "Docker unavailable: $* (Docker tests will be skipped)"
    if [ "${AGENT_RL_DOCKER_REQUIRED:-0}" = "1" ]; then exit 1; fi
    exit 0
}
as_root() { if [ "$(id -u)" = "0" ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

engine_up() { docker info >/dev/null 2>&1; }

# The main Debian archive of this machine's apt sources (deb822 `*.sources` stanzas, then
# one-line `deb` entries): the first enabled `deb` source with a plain suite (no `-security`,
# `-updates`, ...). Prints nothing when there is none.
debian_mirror() {
    local f
    local apt="${AGENT_RL_APT_DIR:-/etc/apt}"
    for f in "$apt"/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
        {
            types = ""; uris = ""; suites = ""; enabled = "yes"
            for (i = 1; i <= NF; i++) {
                line = $i
                if (line ~ /^[ \t]*#/) continue
                key = tolower(line); sub(/:.*/, "", key)
                sub(/^[^:]*:[ \t]*/, "", line)
                if (key == "types") types = line
                else if (key == "uris") uris = line
                else if (key == "suites") suites = line
                else if (key == "enabled") enabled = tolower(line)
            }
            if (enabled == "no" || (" " types " ") !~ / deb /) next
            n = split(suites, s, /[ \t]+/)
            for (j = 1; j <= n; j++)
                if (s[j] != "" && s[j] !~ /-/) { split(uris, u, /[ \t]+/); print u[1]; exit }
        }' "$f"
    done
    for f in "$apt"/sources.list "$apt"/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        awk '$1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            if ($(i + 1) != "" && $(i + 1) !~ /-/) { print $i; exit }
        }' "$f"
    done
}

if [ "${1:-}" = "--print-mirror" ]; then
    mirror="${AGENT_RL_DEBIAN_MIRROR:-$(debian_mirror | head -n 1)}"
    [ -n "$mirror" ] && echo "$mirror"
    exit $([ -n "$mirror" ] && echo 0 || echo 1)
fi

# 0. bubblewrap (the default sandbox backend) is cheap to install and needs no daemon.
if ! command -v bwrap >/dev/null 2>&1; then
    say "installing bubblewrap"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get install -y -q bubblewrap >/dev/null 2>&1 \
        || { as_root apt-get update -q >/dev/null 2>&1 && as_root apt-get install -y -q bubblewrap >/dev/null 2>&1; } \
        || say "bubblewrap could not be installed (bwrap tests will skip)"
fi

# 1. Install what is missing (apt only when needed).
need=()
command -v docker >/dev/null 2>&1 || need+=(docker.io)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
fi
if [ "${#need[@]}" -gt 0 ] && ! engine_up; then
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get install -y -q "${need[@]}" >/dev/null 2>&1 \
        || { as_root apt-get update -q >/dev/null 2>&1 && as_root apt-get install -y -q "${need[@]}" >/dev/null 2>&1; } \
        || give_up "apt-get install ${need[*]} failed"
fi
command -v docker >/dev/null 2>&1 || give_up "no docker client"

# 2. Start the engine if none answers.
if ! engine_up; then
    command -v dockerd >/dev/null 2>&1 || give_up "no dockerd binary"
    say "starting dockerd (log: $LOG)"
    as_root nohup dockerd >"$LOG" 2>&1 &
    for _ in $(seq 1 60); do
        engine_up && break
        sleep 0.5
    done
    engine_up || give_up "dockerd did not start; last lines of $LOG: $(tail -n 3 "$LOG" 2>/dev/null | tr '\n' ' ')"
fi
say "engine up: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"

# 3. Build the base image once.
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "image $IMAGE present"
    exit 0
fi
command -v debootstrap >/dev/null 2>&1 || give_up "no debootstrap to build $IMAGE"
MIRROR="${AGENT_RL_DEBIAN_MIRROR:-$(debian_mirror | head -n 1)}"
[ -n "$MIRROR" ] || give_up "no Debian archive found in ${AGENT_RL_APT_DIR:-/etc/apt}/sources.list{,.d/*} to build $IMAGE from; set AGENT_RL_DEBIAN_MIRROR to a Debian mirror URL"
ROOTFS="$(mktemp -d "${TMPDIR:-/tmp}/agent-rl-rootfs.XXXXXX")"
trap 'as_root rm -rf "$ROOTFS"' EXIT
say "building $IMAGE with debootstrap from $MIRROR (about a minute)"
if ! as_root debootstrap --variant=minbase --include=python3 bookworm "$ROOTFS" "$MIRROR" \
        >"$ROOTFS.log" 2>&1; then
    give_up "debootstrap failed: $(tail -n 3 "$ROOTFS.log" | tr '\n' ' ')"
fi
# `docker import` cannot set STOPSIGNAL: the sandbox starts containers with init=True and
# kills them with SIGKILL, so no stop ever waits for a grace period.
# Smaller and quieter image: no apt caches, no docs.
as_root rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
    "$ROOTFS"/usr/share/doc "$ROOTFS"/usr/share/man "$ROOTFS"/usr/share/locale
as_root mkdir -p "$ROOTFS/work"
as_root chmod 1777 "$ROOTFS/work"
if ! as_root tar -C "$ROOTFS" -c . | docker import \
        --change 'WORKDIR /work' \
        --change 'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LANG=C.UTF-8' \
        --change 'CMD ["sleep", "infinity"]' \
        - "$IMAGE" >/dev/null; then
    give_up "docker import of $IMAGE failed"
fi
rm -f "$ROOTFS.log"
say "built $IMAGE ($(docker image inspect "$IMAGE" --format '{{.Size}}') bytes)"
