"""Where a run starts and executes.

- ``runconfig``: ``RunConfig``, everything that determines a run's results;
- ``runner``: ``run_suite``, a suite end to end (data, models, run folder, evaluation, summary);
- ``evaluate``: the evaluation loop (batched inference overlapped with scoring, atomic parts);
- ``tasks``: what a suite asks of a model for a batch of clips, as items to score;
- ``masking``: separation by masking (the authors' ``WavSepMagNorm``);
- ``scoring``: tensor metrics at once, CPU-bound metrics in the process pool;
- ``distributed``: sharding under ``torchrun`` (rank, world size, device, barriers).
"""
