"""A real multi-process Flink cluster on 127.0.0.1, from the installed PyFlink's own bin/
scripts: one JobManager and N TaskManagers, each its own JVM, so a fault test can SIGKILL a
TaskManager and watch Flink fail over by itself.

    with FlinkCluster.start(workdir, taskmanagers=2, settings={...}) as cluster:
        env settings: cluster.client_settings()   # submit to it instead of a minicluster
        cluster.kill_taskmanager(0)

FLINK_HOME is a folder of links into the PyFlink package (lib/, plugins/, opt/) with its own
conf/ and a copy of bin/, so the installed package is never changed. TaskManagers get the
project and the venv on PYTHONPATH (Python's thread mode runs inside their JVM).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import site
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyflink
import yaml

from local.local_aws import DUMMY_CREDENTIALS, PROJECT_ROOT, free_port

PYFLINK = Path(pyflink.__file__).resolve().parent


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@dataclass
class FlinkCluster:
    home: Path
    rest_port: int
    environment: dict[str, str]
    taskmanagers: list[int] = field(default_factory=list)  # pids, in start order

    @classmethod
    def start(cls, workdir: Path, taskmanagers: int = 2, slots: int = 2,
              settings: dict[str, str] | None = None) -> FlinkCluster:
        home = workdir / "flink"
        if home.exists():
            shutil.rmtree(home)
        (home / "lib").mkdir(parents=True)
        for folder in ("plugins", "opt"):
            (home / folder).symlink_to(PYFLINK / folder)
        for jar in [*(PYFLINK / "lib").glob("*.jar"), *(PYFLINK / "opt").glob("flink-python-*.jar")]:
            (home / "lib" / jar.name).symlink_to(jar)
        shutil.copytree(PYFLINK / "bin", home / "bin")
        shutil.copytree(PYFLINK / "conf", home / "conf")
        (home / "log").mkdir()
        rest_port = free_port()
        conf = _flatten(yaml.safe_load((PYFLINK / "conf" / "config.yaml").read_text()) or {})
        conf.update({
            "jobmanager.rpc.address": "localhost", "jobmanager.bind-host": "localhost",
            "jobmanager.rpc.port": str(free_port()), "taskmanager.bind-host": "localhost",
            "taskmanager.host": "localhost", "rest.address": "127.0.0.1", "rest.bind-address": "127.0.0.1",
            "rest.port": str(rest_port), "jobmanager.memory.process.size": "1024m",
            "taskmanager.memory.process.size": "1728m", "taskmanager.numberOfTaskSlots": str(slots),
            "env.pid.dir": str(home), "env.log.dir": str(home / "log"),
            "python.executable": sys.executable,
        })
        conf.update(settings or {})
        (home / "conf" / "config.yaml").write_text(yaml.safe_dump(conf, default_flow_style=False))
        # Every folder named, not only FLINK_HOME: a process that has run PyFlink has its own
        # FLINK_LIB_DIR (the package's lib/, without flink-python) in its environment, which
        # Flink's scripts would otherwise take over FLINK_HOME's.
        environment = {**os.environ, **DUMMY_CREDENTIALS, "FLINK_HOME": str(home),
                       **{f"FLINK_{name.upper()}_DIR": str(home / name)
                          for name in ("conf", "lib", "opt", "plugins", "bin")},
                       "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *site.getsitepackages()])}
        cluster = cls(home, rest_port, environment)
        try:
            cluster._daemon("jobmanager.sh", "start")
            for _ in range(taskmanagers):
                cluster.start_taskmanager()
            cluster._wait_for_slots(taskmanagers * slots)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _daemon(self, script: str, *args: str) -> None:
        subprocess.run([str(self.home / "bin" / script), *args], env=self.environment, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def _pids(self, kind: str) -> list[int]:
        files = list(self.home.glob(f"flink-*-{kind}.pid"))
        return [int(line) for file in files for line in file.read_text().split()] if files else []

    def start_taskmanager(self) -> int:
        """Starts one more TaskManager process; returns its pid."""
        before = set(self._pids("taskexecutor"))
        self._daemon("taskmanager.sh", "start")
        [pid] = set(self._pids("taskexecutor")) - before
        self.taskmanagers.append(pid)
        return pid

    def kill_taskmanager(self, index: int = 0) -> int:
        """SIGKILLs a TaskManager: no shutdown, no goodbye to the JobManager."""
        pid = self.taskmanagers.pop(index)
        os.kill(pid, signal.SIGKILL)
        return pid

    def rest(self, path: str) -> Any:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.rest_port}{path}", timeout=10) as response:
            return json.loads(response.read())

    def _wait_for_slots(self, slots: int, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if self.rest("/overview")["slots-total"] >= slots:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the Flink cluster has not {slots} slots after {timeout_s} s; logs in "
                                   f"{self.home / 'log'}")
            time.sleep(0.5)

    def client_settings(self) -> dict[str, str]:
        """What a PyFlink client sets to submit to this cluster instead of a minicluster."""
        return {"execution.target": "remote", "rest.address": "127.0.0.1", "rest.port": str(self.rest_port)}

    def stop(self) -> None:
        for script in ("taskmanager.sh", "jobmanager.sh"):
            try:
                self._daemon(script, "stop-all")
            except (subprocess.SubprocessError, OSError):
                pass
        for pid in self._pids("taskexecutor") + self._pids("standalonesession"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def __enter__(self) -> FlinkCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
