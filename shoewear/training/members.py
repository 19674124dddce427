"""Train the members of an ensemble side by side, one process and one CPU thread each.

On a small CPU, two networks trained at once on one thread each get
through more soles per second than one network on both threads (the
convolutions of a small network do not split well over threads). The
prepared soles go to the member processes as memory-mapped ``.npy`` files;
each process runs `fit.fit` and sends its progress, epochs and best
weights back through a queue, which the parent turns into one progress bar
per member.
"""

from __future__ import annotations

import queue as queue_mod
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError, UsageError
from .data import DataProblems, SoleSet
from .fit import EpochStats, Fit, Report

#: Arrays of a SoleSet the members need.
_ARRAYS = ("small", "weights", "labels", "levels", "dense", "photo")


@dataclass(frozen=True)
class MemberJob:
    """What member `member` trains (picklable: it goes to a new process)."""

    member: int
    arrays: str
    train_idx: np.ndarray
    val_idx: np.ndarray
    config_json: str
    init_path: str | None
    state_path: str
    threads: int
    knobs: dict  # `fit.fit`'s epochs, seed, base_lr, batch_size, patience, precision, ...


def state_name(member: int) -> str:
    """File name of member `member`'s resumable training state."""
    return f".train-state.member{member + 1}.safetensors"


class _QueueReport:
    """A `fit.Report` that forwards everything to the parent process."""

    def __init__(self, q) -> None:
        self.q = q
        self.pending = 0

    def start(self, member: int, epoch: int, epochs: int, total: int) -> None:
        self.q.put(("start", member, epoch, epochs, total))

    def advance(self, member: int, n: int, loss: float, acc: float) -> None:
        self.q.put(("advance", member, n, loss, acc))

    def end(self, member: int) -> None:
        self.q.put(("end", member))

    def epoch(self, stats: EpochStats) -> None:
        self.q.put(("epoch", stats.__dict__))


def _member_main(job: MemberJob, q) -> None:
    """Process entry: train one member and send back its `Fit` (or the error)."""
    try:
        import torch

        from ..wear.config import ModelConfig
        from .checkpoint import load_checkpoint
        from .fit import fit
        from .precision import memory_format
        from .wear_net import WearNet

        torch.set_num_threads(job.threads)
        root = Path(job.arrays)
        arr = {name: np.load(root / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
        n = len(arr["labels"])
        data = SoleSet(
            **arr,
            side_true=np.full(n, "unknown"),
            side_found=np.full(n, "unknown"),
            files=[],
            problems=DataProblems(),
        )
        torch.manual_seed(job.knobs["seed"] + job.member)
        if job.init_path is not None:
            ensemble, _ = load_checkpoint(job.init_path)
            net = ensemble.members[job.member]
        else:
            config = ModelConfig.from_json(job.config_json)
            net = WearNet(config.replace(members=1))
        net = net.to(memory_format=memory_format(job.knobs["precision"]))
        result = fit(
            net,
            data.subset(job.train_idx),
            data.subset(job.val_idx),
            fine_tune=job.init_path is not None,
            state_path=Path(job.state_path),
            report=_QueueReport(q),
            member=job.member,
            **job.knobs,
        )
        q.put((
            "done",
            job.member,
            {k: v.numpy() for k, v in result.best.items()},
            [s.__dict__ for s in result.history],
            result.stopped_early,
            result.resumed_from,
        ))
    except KeyboardInterrupt:
        q.put(("error", job.member, "KeyboardInterrupt", "interrupted"))
    except Exception as exc:  # every failure goes to the parent as one line
        q.put(("error", job.member, type(exc).__name__, str(exc)))


def train_members(
    data: SoleSet,
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    *,
    config_json: str,
    members: int,
    init_path: Path | None,
    out_dir: Path,
    threads: int,
    report: Report,
    **knobs,
) -> list[Fit]:
    """Train `members` networks at once, each in its own process, and return their fits.

    `knobs` are `fit.fit`'s (epochs, seed, base_lr, batch_size, patience,
    precision, resume, fingerprint). Member ``k`` starts from
    ``torch.manual_seed(seed + k)`` (or from member ``k`` of `init_path`, an
    ensemble's weights) and draws its batches from seed ``seed + k``; all see
    the same split. Its state goes to ``out_dir / state_name(k)`` after every
    epoch, on `threads` CPU threads.

    Raises
    ------
    UsageError
        A member refused the knobs (e.g. ``resume`` with other data).
    ModelError
        A member failed or its process died.
    KeyboardInterrupt
        Passed on after the member processes are stopped.
    """
    import torch.multiprocessing as mp

    from .fit import check_state, read_state_meta

    if knobs["resume"]:  # before any member starts (and writes its state)
        kept = {key: knobs[key] for key in
                ("fingerprint", "epochs", "seed", "precision", "base_lr", "weight_decay")}
        for path in (out_dir / state_name(k) for k in range(members)):
            if path.is_file():
                check_state(read_state_meta(path), **kept)
    arrays = out_dir / ".soles"
    arrays.mkdir(parents=True, exist_ok=True)
    procs = []
    try:
        for name in _ARRAYS:
            np.save(arrays / f"{name}.npy", np.ascontiguousarray(getattr(data, name)))
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        for k in range(members):
            job = MemberJob(
                member=k,
                arrays=str(arrays),
                train_idx=train_idx,
                val_idx=val_idx,
                config_json=config_json,
                init_path=str(init_path) if init_path is not None else None,
                state_path=str(out_dir / state_name(k)),
                threads=threads,
                knobs=knobs,
            )
            procs.append(ctx.Process(target=_member_main, args=(job, q), daemon=True))
        for p in procs:
            p.start()
        return _collect(q, procs, report)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join(timeout=10)
        shutil.rmtree(arrays, ignore_errors=True)


def _collect(q, procs: list, report: Report) -> list[Fit]:
    """Relay the members' messages to `report` until every member has sent its fit."""
    import torch

    fits: dict[int, Fit] = {}
    while len(fits) < len(procs):
        try:
            msg = q.get(timeout=0.5)
        except queue_mod.Empty:
            for k, p in enumerate(procs):
                if k not in fits and not p.is_alive() and q.empty():
                    raise ModelError(
                        f"training of ensemble member {k + 1} stopped unexpectedly "
                        f"(exit code {p.exitcode})"
                    ) from None
            continue
        kind = msg[0]
        if kind == "start":
            report.start(*msg[1:])
        elif kind == "advance":
            report.advance(*msg[1:])
        elif kind == "end":
            report.end(msg[1])
        elif kind == "epoch":
            report.epoch(EpochStats(**msg[1]))
        elif kind == "error":
            _, member, name, text = msg
            if name == "KeyboardInterrupt":
                raise KeyboardInterrupt
            if name == "UsageError":
                raise UsageError(text)
            raise ModelError(f"training of ensemble member {member + 1} failed: {name}: {text}")
        elif kind == "done":
            _, member, best, history, stopped_early, resumed_from = msg
            fits[member] = Fit(
                best={k: torch.from_numpy(v) for k, v in best.items()},
                history=[EpochStats(**h) for h in history],
                stopped_early=stopped_early,
                resumed_from=resumed_from,
            )
    return [fits[k] for k in range(len(procs))]
