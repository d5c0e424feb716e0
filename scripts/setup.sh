#!/usr/bin/env bash
# Set up agent-rl in ./.venv on a fresh machine.
#   bash scripts/setup.sh          # runtime
#   bash scripts/setup.sh --dev    # + test tools
#   bash scripts/setup.sh --verl   # + verl (local trainer's algorithms, cluster backend)
# Where no torch is installed it takes the CPU wheel torch==2.13.0 first, so that no open
# `torch` requirement pulls a multi-GB CUDA build. Idempotent: a second run is fast.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
extras=()
for arg in "$@"; do
  case "$arg" in
    --dev) extras+=(dev) ;;
    --verl) extras+=(verl) ;;
    --swe) extras+=(swe) ;;
    *) echo "setup.sh: unknown option $arg (use --dev, --verl, --swe)" >&2; exit 2 ;;
  esac
done
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  echo "setup: installing the CPU wheel torch==2.13.0"
  "${PIP[@]}" install "torch==2.13.0"
fi
# Pin the torch that is there so that nothing below can replace it.
tv=$(.venv/bin/python -c "import torch; print(torch.__version__.split('+')[0])")
constraints=$(mktemp); trap 'rm -f "$constraints"' EXIT
echo "torch==$tv" >"$constraints"
spec="."
if [ ${#extras[@]} -gt 0 ]; then spec=".[$(IFS=,; echo "${extras[*]}")]"; fi
stamp=".venv/.agent-rl-installed"
want="$spec $(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing agent-rl $spec"
  "${PIP[@]}" install -c "$constraints" -e "$spec"
  # BFCL data, simulated APIs and reference checkers (`agent-rl eval bfcl`, the converter
  # tests); --no-deps because its full install pulls CUDA torch. The modules the project imports
  # need only filelock, mpmath, rank_bm25 and overrides (pyproject's `bfcl` extra lists them).
  "${PIP[@]}" install --no-deps "bfcl-eval==2026.3.23"
  "${PIP[@]}" install -c "$constraints" "filelock>=3" "mpmath>=1.3" "rank_bm25>=0.2" "overrides>=7"
  echo "$want" >"$stamp"
fi
