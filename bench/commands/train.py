"""``bench train``: train SD-Codec, DAC or TDANet (one process, or many under ``torchrun``).

Examples::

    bench train --model sdcodec --config paper --out runs/sdcodec-paper
    bench train --model dac --config tiny total_steps=200 optimizer.lr=3e-4
    bench train --resume runs/sdcodec-paper
    torchrun --nproc_per_node 8 -m bench.cli train --model sdcodec --config paper --out runs/x
    bench train --defaults        # retrain the embedded tiny models (sdcodec/pretrained/)
"""

from __future__ import annotations

import argparse

from bench.commands import COMMANDS, add_trust_checkpoint_option
from bench.commands.options import checked, integer
from bench.util.writable import check_out_file, check_out_folder


@COMMANDS.register("train")
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train", help="train SD-Codec, DAC or TDANet (torchrun for several GPUs)",
        description="Train a model with a named configuration and key=value overrides. "
                    "Multi-GPU/multi-node: run the same command under torchrun.",
    )
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                        help="configuration overrides, e.g. total_steps=1000 optimizer.lr=3e-4 "
                             "model.n_codebooks=8 data.segment_seconds=1")
    parser.add_argument("--model", choices=["sdcodec", "dac", "tdanet"], default=None,
                        help="model family (default: sdcodec, or tdanet for --config tdanet)")
    parser.add_argument("--config", default=None,
                        help="named configuration: paper, separation-enhance, shared4, shared8, "
                             "init-dac, tdanet, tiny (default: paper, or tdanet for --model tdanet)")
    parser.add_argument("--out", type=checked(check_out_folder), default=None, metavar="RUN_DIR",
                        help="new run folder (default: results/train/<model>-<config>-<time>)")
    parser.add_argument("--resume", default=None, metavar="RUN_DIR",
                        help="continue this run from its newest checkpoint (its saved configuration)")
    parser.add_argument("--stop-at", type=integer(1), default=None, metavar="STEP",
                        help="stop with a checkpoint once STEP steps are done (resume later)")
    parser.add_argument("--export", type=checked(check_out_file), default=None, metavar="PATH",
                        help="also write the finished model to PATH (loads with load_model)")
    parser.add_argument("--device", type=checked(_train_device), default="auto", help="auto (cuda if visible), cpu, cuda")
    parser.add_argument("--threads", type=integer(1), default=None,
                        help="CPU threads per process (torch.set_num_threads)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--show", action="store_true",
                        help="print the resolved configuration as JSON and exit")
    parser.add_argument("--list", action="store_true", help="list the named configurations and exit")
    parser.add_argument("--defaults", action="store_true",
                        help="retrain the embedded tiny checkpoints: SD-Codec, DAC, TDANet and the tiny "
                             "SD-Codec ablation variants (sdcodec/pretrained/; CPU, minutes each)")
    parser.add_argument("--only", "--families", dest="only", default=None, metavar="NAMES",
                        help="with --defaults: which of them, comma-separated embedded names "
                             "(sdcodec-tiny-shared1) or families (sdcodec = sdcodec-tiny); default all")
    add_trust_checkpoint_option(parser)
    parser.set_defaults(handler=run_train)


def _train_device(name: str) -> str:
    """``auto`` or a device of this machine (``bench.engine.devices.check_device``)."""
    from bench.engine.devices import check_device

    return name if name == "auto" else check_device(name)


def _resolve(args: argparse.Namespace):
    from bench.train.config import apply_overrides, named_config

    family = args.model
    name = args.config
    if family is None:
        family = "tdanet" if name == "tdanet" else "sdcodec"
    if name is None:
        name = "tdanet" if family == "tdanet" else "paper"
    return apply_overrides(named_config(name, family), args.overrides)


def run_train(args: argparse.Namespace) -> int:
    import json

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.list:
        from bench.train.config import TRAIN_CONFIGS

        for name, factory in TRAIN_CONFIGS.items():
            doc = (factory.__doc__ or "").strip().splitlines()[0]
            print(f"{name:20s} {doc}")
        return 0
    if args.defaults:
        from bench.train.defaults import train_defaults

        names = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None
        for name, path in train_defaults(names, device=args.device, progress=not args.no_progress).items():
            print(f"{name}: wrote {path}")
        return 0

    from bench.train.config import config_to_json
    from bench.train.loop import resume_run, train

    if args.resume:
        if args.model or args.config or args.overrides or args.out:
            from sdcodec.core.errors import ConfigError

            raise ConfigError("--resume RUN_DIR continues that run with its saved configuration; "
                              "drop --model/--config/--out/overrides")
        result = resume_run(args.resume, stop_at=args.stop_at, device=args.device,
                            progress=not args.no_progress, export=args.export)
    else:
        config = _resolve(args)
        if args.show:
            print(json.dumps(config_to_json(config), indent=2))
            return 0
        result = train(config, args.out, stop_at=args.stop_at, device=args.device,
                       progress=not args.no_progress, export=args.export)
    state = "finished" if result.finished else "stopped"
    print(f"{state} at step {result.step}; run folder: {result.run_dir}"
          + (f"; model: {result.model_path}" if result.model_path else f" (resume with --resume {result.run_dir})"))
    return 0
