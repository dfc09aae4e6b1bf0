"""The infinite side: isabench's own instruction-tuned transformer (lm-builtin) and its runtime."""
