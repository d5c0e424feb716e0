"""Worked examples of writing and registering an env (see reverse.py; the README shows it)."""
