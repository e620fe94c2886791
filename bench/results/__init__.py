"""Where results are written and read back.

- ``paths``: the results folders (``results/runs``, ``results/paper``, ``results/reference``);
- ``store``: run folders (per-clip rows in atomic parts, the run manifest);
- ``summary``: per-clip rows to means, stds and standard errors;
- ``environment``: the machine and library versions recorded with every run;
- ``drift``: comparing a summary with a reference results file (``bench check``);
- ``paper``: the paper's published numbers in the results' layout.
"""
