"""The `agent-rl` command line. Each sub-command group lives in its own module."""
