"""A Spark standalone cluster on this machine: one master and N workers, started with
Spark's own launcher (``bin/spark-class``) from the pyspark installation, and stopped.

Every port is fixed (the master's, each worker's, the driver's and the block managers'),
so the cluster uses the ports it is given and nothing else; the web UIs are on fixed
ports too. The driver reaches the cluster through ``spark-defaults.conf`` in a
configuration folder written here (the same file an existing cluster's users write: see
the README), handed to credo as ``SPARK_CONF_DIR``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Ports:
    master: int = 7177
    workers: tuple[int, ...] = (7178, 7179)
    master_ui: int = 8161
    worker_uis: tuple[int, ...] = (8162, 8163)
    driver: int = 8164
    # The driver's block manager takes this one; each executor the next free one.
    block_manager: int = 8165


@dataclass
class StandaloneCluster:
    """``with StandaloneCluster() as cluster:`` runs ``cluster.master`` meanwhile."""

    ports: Ports = field(default_factory=Ports)
    worker_cores: int = 1
    worker_memory: str = "2g"
    executor_memory: str = "1g"
    start_timeout_s: float = 120.0
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="spark-")))
    _processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def master(self) -> str:
        return f"spark://{HOST}:{self.ports.master}"

    @property
    def conf_dir(self) -> Path:
        return self.folder / "conf"

    def env(self) -> dict[str, str]:
        """The environment a driver (``credo run``) needs to use this cluster."""
        return {**os.environ, "SPARK_CONF_DIR": str(self.conf_dir),
                "PYSPARK_PYTHON": sys.executable}

    def __enter__(self) -> StandaloneCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._write_conf()
        master_log = self._launch(
            "master", "org.apache.spark.deploy.master.Master",
            "--host", HOST, "--port", str(self.ports.master),
            "--webui-port", str(self.ports.master_ui),
        )
        self._wait_for(master_log, "I have been elected leader", "the master")
        for k, (port, ui) in enumerate(zip(self.ports.workers, self.ports.worker_uis,
                                           strict=True)):
            work = self.folder / f"work-{k}"
            work.mkdir()
            self._launch(
                f"worker-{k}", "org.apache.spark.deploy.worker.Worker",
                "--host", HOST, "--port", str(port), "--webui-port", str(ui),
                "--cores", str(self.worker_cores), "--memory", self.worker_memory,
                "--work-dir", str(work), self.master,
            )
        self._wait_for(master_log, "Registering worker", "every worker",
                       count=len(self.ports.workers))

    def stop(self) -> None:
        """Workers first, then the master; each launcher's whole process group."""
        for process in reversed(self._processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self._processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._processes.clear()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _write_conf(self) -> None:
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        settings = {
            # Executors call the driver back at this address and port.
            "spark.driver.host": HOST,
            "spark.driver.bindAddress": HOST,
            "spark.driver.port": self.ports.driver,
            "spark.blockManager.port": self.ports.block_manager,
            # The driver's and each executor's block manager take consecutive ports.
            "spark.port.maxRetries": len(self.ports.workers) + 1,
            "spark.executor.memory": self.executor_memory,
            "spark.master.rest.enabled": "false",
        }
        text = "".join(f"{key} {value}\n" for key, value in settings.items())
        (self.conf_dir / "spark-defaults.conf").write_text(text)

    def _launch(self, name: str, main_class: str, *args: str) -> Path:
        log = self.folder / f"{name}.log"
        env = {**os.environ, "SPARK_HOME": str(spark_home()), "SPARK_CONF_DIR":
               str(self.conf_dir), "SPARK_NO_DAEMONIZE": "1", "PYSPARK_PYTHON": sys.executable}
        with log.open("wb") as out:
            self._processes.append(subprocess.Popen(
                [str(spark_home() / "bin" / "spark-class"), main_class, *args],
                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            ))
        return log

    def _wait_for(self, log: Path, line: str, what: str, count: int = 1) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace") if log.exists() else ""
            if len(re.findall(re.escape(line), text)) >= count:
                return
            dead = [p for p in self._processes if p.poll() is not None]
            if dead:
                break
            time.sleep(0.5)
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise RuntimeError(f"{what} did not start within {self.start_timeout_s:.0f} s "
                           f"(a port in use?); the master's log ends:\n{tail}")


def spark_home() -> Path:
    """The Spark distribution pyspark installs (its jars and bin/spark-class)."""
    import pyspark

    return Path(pyspark.__file__).parent
