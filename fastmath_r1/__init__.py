"""Fast-Math-R1 reproduction package: the two-stage SFT + GRPO recipe, from a CPU miniature to 14B."""

__version__ = "0.1.0"
