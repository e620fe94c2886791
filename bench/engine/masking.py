"""Separation by masking: each decoded source's magnitude share applied to the mixture STFT.

As in the authors' evaluation (their ``WavSepMagNorm``): with STFT ``X`` of the mixture and
``S_k`` of the K decoded sources (1024-point Hann window, hop 256, centred, reflect padding),

    Y_k = |X| * |S_k| / sum_j |S_j| * exp(i arg X),

then the inverse STFT. Two deliberate differences, both fixes: bins where every decoded source
is silent get equal shares (the authors' division gives NaN there), and the inverse STFT is asked
for the input length (theirs returns a signal up to one hop shorter and trims the reference).
The K estimates sum to the mixture (up to STFT round-off).
"""

from __future__ import annotations

import torch

N_FFT = 1024
HOP = 256


def mask_separate(mix: torch.Tensor, sources: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``mix`` ``[batch, 1, time]``, ``sources`` name -> ``[batch, 1, time]``; same-shape outputs."""
    names = list(sources)
    batch, _, length = mix.shape
    window = torch.hann_window(N_FFT, device=mix.device, dtype=mix.dtype)

    def stft(x: torch.Tensor) -> torch.Tensor:
        return torch.stft(x.reshape(-1, x.shape[-1]), n_fft=N_FFT, hop_length=HOP, win_length=N_FFT,
                          window=window, center=True, pad_mode="reflect", return_complex=True)

    mix_spec = stft(mix).reshape(batch, 1, N_FFT // 2 + 1, -1)
    src = torch.stack([sources[n][..., :length] for n in names], dim=1)  # [B, K, 1, T]
    src_mag = stft(src).abs().reshape(batch, len(names), N_FFT // 2 + 1, -1)
    total = src_mag.sum(dim=1, keepdim=True)
    share = torch.where(total > 0, src_mag / total.clamp_min(torch.finfo(total.dtype).tiny),
                        torch.full_like(src_mag, 1.0 / len(names)))
    est_spec = torch.polar(mix_spec.abs() * share, mix_spec.angle().expand_as(share))
    est = torch.istft(est_spec.reshape(batch * len(names), N_FFT // 2 + 1, -1), n_fft=N_FFT,
                      hop_length=HOP, win_length=N_FFT, window=window, center=True, length=length)
    est = est.reshape(batch, len(names), 1, length)
    return {name: est[:, k] for k, name in enumerate(names)}
