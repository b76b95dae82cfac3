"""Stage 3, wording and rendering: the context, the paper's text, results.json, PAPER.md blocks."""
