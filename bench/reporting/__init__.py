"""Turning run summaries into what people read.

- ``tables``: the paper's table layouts as Markdown, LaTeX or CSV;
- ``report``: finding runs and rendering their tables (``bench run``, ``bench table``);
- ``plots``: seaborn figures (distributions, out-of-domain heatmap, throughput).
"""
