"""Writing the logs paperkit reads: validated records, appended under a lock."""
