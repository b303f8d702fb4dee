"""``negotiate sweep ...`` and ``negotiate sensitivity`` (placeholder until built)."""

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    pass
