"""Run folders (per-clip rows, manifest), summaries and the run environment record."""
