"""The modules of bench/run, the benchmark harness (see the comment at the top
of bench/run for what a run does)."""
