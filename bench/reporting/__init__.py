"""Turning run summaries into what people read.

- ``tables``: the paper's table layouts as Markdown, LaTeX or CSV;
- ``report``: finding runs and rendering their tables (``bench run``, ``bench table``);
- ``plots``: seaborn figures (distributions, out-of-domain heatmap, throughput);
- ``paired_plot``: per-clip paired differences of two models;
- ``comparison``: ``bench compare``, paired comparisons of two runs or models.
"""
