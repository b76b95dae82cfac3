"""Stage 1, reading: an experiment's log files → typed DataFrames, skips, warnings, window."""
