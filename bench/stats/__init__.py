"""Statistics a reviewer can check: confidence intervals of table means and paired comparisons.

- ``bootstrap``: 95% bootstrap intervals of a mean that resample whole clusters of clips (the
  tracks a DnR clip was cut from), through ``scipy.stats.bootstrap``;
- ``paired``: the mean paired difference of two models on the same clips, its cluster bootstrap
  interval, the Wilcoxon signed-rank test and the matched-pairs rank-biserial correlation;
- ``multiple``: Holm's step-down adjustment of the p-values of one table or command;
- ``comparisons``: per-clip rows of two models -> one paired comparison per (task, input,
  output, metric), clips scored for one model only left out and counted;
- ``marks``: which cells of a table are significantly better than a reference row.

The method is described in docs/harness.md ("Statistics").
"""
