"""isabench's fuzz campaigns: hostile input, in volume, through the assembler, every executor, the
command line and the run records. `scripts/fuzz.py` runs them; `base.run_campaign` is the loop."""
