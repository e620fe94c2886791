"""Baselines of the paper: DAC (the one-branch codec of the SD-Codec family) and TDANet."""
