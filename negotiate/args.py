"""Argument types and the parser class every command shares: one-line usage errors, and the
valid ranges of seeds and counts, checked before anything runs."""

from __future__ import annotations

import argparse
from typing import NoReturn

SEED_MAX = 2**63 - 1  # seeds go to numpy's SeedSequence and into int64 columns of the tables


def seed_arg(text: str) -> int:
    """``--seed``: an integer from 0 to 2**63 - 1 (``argparse`` type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(
            f"{value} is outside 0 to 2**63 - 1 ({SEED_MAX})")
    return value


def count_arg(text: str) -> int:
    """A number of rounds or turns: an integer from 0 to 100,000 (``argparse`` type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"must be from 0 to 100000, got {value}")
    return value


class Parser(argparse.ArgumentParser):
    """An ``argparse`` parser whose usage errors are one line (and exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")
