"""Batches of paths as tasks on a Dask cluster (dask.distributed), and the choice of executor
for a run (local CPU, local GPU, Dask with either backend).

An executor is a callable ``executor(model, seed, plan)`` that yields one
:class:`~simi_actuarial.engine.simulate.BatchResult` per batch of the plan
``[(first_path, n_paths), ...]``, in any order (see
:func:`~simi_actuarial.engine.simulate.simulate_raw`). Every random number is keyed by
(seed, path, year, cell), so where and in what order a batch runs does not change a bit:
a batch that failed, or whose worker was lost, is simply computed again.

Dask is optional (``pip install 'simi_actuarial[dask]'``); it is imported only when used.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field

from ..errors import SimiInputError

#: Times a batch whose task raised is retried before the run fails. A batch whose worker died
#: is rescheduled by the scheduler independently of this (``distributed.scheduler.
#: allowed-failures``, default 3). Assumption: 2 retries absorb transient failures.
DEFAULT_RETRIES = 2

#: Seconds to wait for a scheduler given by address before giving up. Assumption.
CONNECT_TIMEOUT = 10.0


def _distributed():
    try:
        import distributed
    except ImportError:
        raise SimiInputError("dask", [("--dask/--scheduler", (
            "needs dask.distributed, which is not installed: "
            "pip install 'simi_actuarial[dask]'"))]) from None
    return distributed


def parse_local(text: str) -> int:
    """Workers of a ``local:N`` cluster spec (N >= 1); ValueError otherwise."""
    kind, _, n = text.partition(":")
    if kind != "local" or not n.isdigit() or int(n) < 1:
        raise ValueError(f"expected local:N with N >= 1 worker processes, got {text!r}")
    return int(n)


def batch_task(model, seed: int, first_path: int, n_paths: int, backend: str = "cpu",
               threads: int | None = None):
    """Run one batch on a worker (a module-level function, so workers can unpickle it)."""
    from ..numba_cache import ensure_fresh_package_cache

    ensure_fresh_package_cache()  # the worker's own installation (see numba_cache)
    if threads is not None:
        import numba

        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    if backend == "cuda":
        from ..engine.cuda_backend import run_batch_cuda

        return run_batch_cuda(model, seed, first_path, n_paths)
    from ..engine.simulate import run_batch

    return run_batch(model, seed, first_path, n_paths)


def worker_cuda_problem() -> str | None:
    """On a worker: why it cannot run the CUDA backend, or None if it can."""
    from ..engine.cuda_backend import require_cuda

    try:
        require_cuda()
    except SimiInputError as exc:
        return "; ".join(m for _, m in exc.problems)
    return None


@dataclass
class DaskExecutor:
    """Runs each batch of paths as one Dask task on ``client``'s cluster.

    ``backend``: ``"cpu"`` or ``"cuda"`` (on the workers' GPUs; batches are joined into
    launches of up to ``gpu_batch_paths`` paths). ``retries``: per-task retries after an
    exception. ``task``: the function run per batch (``batch_task``; tests substitute one
    that fails once). Results are yielded as tasks finish.
    """

    client: object
    backend: str = "cpu"
    retries: int = DEFAULT_RETRIES
    threads: int | None = None
    gpu_batch_paths: int | None = None
    task: object = field(default=batch_task)

    def check_workers(self) -> None:
        """With the CUDA backend, raise :class:`SimiInputError` naming every worker that
        has no usable GPU (before any task is submitted)."""
        if self.backend != "cuda":
            return
        problems = {w: p for w, p in self.client.run(worker_cuda_problem).items() if p}
        if problems:
            raise SimiInputError("backend", [
                ("--backend cuda", f"worker {w}: {p}") for w, p in sorted(problems.items())])

    def __call__(self, model, seed, plan):
        distributed = _distributed()
        if self.backend == "cuda":
            from ..engine.cuda_backend import DEFAULT_GPU_BATCH_PATHS, merge_plan

            plan = merge_plan(plan, self.gpu_batch_paths or DEFAULT_GPU_BATCH_PATHS)
            self.check_workers()
        run = uuid.uuid4().hex[:12]
        futures = [
            self.client.submit(self.task, model, seed, first, n, self.backend, self.threads,
                               key=f"simi-batch-{run}-{first}", pure=False,
                               retries=self.retries)
            for first, n in plan
        ]
        try:
            for fut in distributed.as_completed(futures):
                try:
                    result = fut.result()
                except distributed.KilledWorker as exc:
                    raise DistributedRunError(
                        f"batch {fut.key} was lost with its worker too often ({exc}); "
                        "no results written") from None
                fut.release()
                yield result
        finally:
            self.client.cancel([f for f in futures if not f.done()])


class DistributedRunError(RuntimeError):
    """The cluster could not complete a batch (workers lost repeatedly)."""


@contextlib.contextmanager
def dask_client(local: int | None = None, scheduler: str | None = None,
                connect_timeout: float | None = None):
    """A ``distributed.Client``: on a new LocalCluster of ``local`` single-threaded worker
    processes, or connected to ``scheduler`` (``tcp://HOST:PORT``). Closed on exit."""
    distributed = _distributed()
    if local is not None:
        cluster = distributed.LocalCluster(n_workers=local, threads_per_worker=1,
                                           processes=True, dashboard_address=":0")
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(scheduler, timeout=connect_timeout or CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SimiInputError("scheduler", [("--scheduler", (
            f"cannot connect to the Dask scheduler at {scheduler!r}: {exc}"))]) from None
    with client:
        yield client


@contextlib.contextmanager
def open_executor(backend: str = "cpu", local: int | None = None,
                  scheduler: str | None = None, retries: int = DEFAULT_RETRIES,
                  threads: int | None = None):
    """The executor for a run and a description of it for the manifest.

    Yields ``(executor, info)``: ``executor`` is ``None`` for a local CPU run (the default
    loop of :func:`~simi_actuarial.engine.simulate.simulate_raw`).
    """
    if backend not in ("cpu", "cuda"):
        raise SimiInputError("backend", [("--backend", f"expected cpu or cuda, got {backend!r}")])
    info = {"backend": backend}
    if local is None and scheduler is None:
        if backend == "cuda":
            from ..engine.cuda_backend import cuda_executor

            yield cuda_executor(), {**info, "executor": "local"}
        else:
            yield None, {**info, "executor": "local"}
        return
    with dask_client(local, scheduler) as client:
        workers = len(client.nthreads())
        info.update(executor="dask", scheduler=client.scheduler.address, workers=workers,
                    numba_threads_per_task=threads)
        executor = DaskExecutor(client, backend=backend, retries=retries, threads=threads)
        executor.check_workers()
        yield executor, info
