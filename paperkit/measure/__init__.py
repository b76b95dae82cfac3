"""Stage 2, computing: metrics, intervals, evidence, verdicts, costs and their reconciliation."""
