"""isabench: finite versus infinite instruction sets, measured."""

__version__ = "0.1.0"
