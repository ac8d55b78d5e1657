"""Creates the table environment: local settings from flink-conf/ unless MSF manages the job."""

from __future__ import annotations

import os
import site
import sys
import threading
from pathlib import Path

import yaml
from py4j.java_gateway import GatewayClient, GatewayConnection
from pyflink.common import Configuration
from pyflink.datastream import RuntimeExecutionMode, StreamExecutionEnvironment
from pyflink.java_gateway import get_gateway
from pyflink.table import EnvironmentSettings, StreamTableEnvironment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FLINK_CONF = PROJECT_ROOT / "flink-conf" / "config.yaml"
# The MSF package keeps the jar beside its app/ folder, and its entry file says so.
CONNECTOR_JAR = Path(os.environ.get("CDR_CONNECTOR_JAR", PROJECT_ROOT / "lib" / "pyflink-dependencies.jar"))


def local_settings(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """flink-conf/config.yaml as flat strings, plus what a local run needs to find its code."""
    settings = {str(k): str(v) for k, v in (yaml.safe_load(FLINK_CONF.read_text()) or {}).items()}
    if not CONNECTOR_JAR.exists():
        raise FileNotFoundError(f"{CONNECTOR_JAR} is missing: build it with `make jar`")
    settings["pipeline.jars"] = CONNECTOR_JAR.as_uri()
    settings["python.executable"] = sys.executable
    settings["python.client.executable"] = sys.executable
    settings.update(overrides or {})
    return settings


def prepare_python_path() -> None:
    """Thread mode embeds Python in the JVM: it needs this project and the venv on PYTHONPATH,
    set before the JVM starts (else "No module named 'pemja'")."""
    current = os.environ.get("PYTHONPATH")
    # What is already there comes before the venv: the MSF package's entry file puts its
    # vendored dependencies there, and the package is tested with exactly those.
    paths = [str(PROJECT_ROOT), *([current] if current else []), *site.getsitepackages()]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)


def create_table_env(*, managed: bool, batch: bool = False,
                     overrides: dict[str, str] | None = None) -> StreamTableEnvironment:
    """A table environment; on MSF (managed) nothing that MSF owns is set."""
    return create_envs(managed=managed, batch=batch, overrides=overrides)[1]


def create_envs(*, managed: bool, batch: bool = False, overrides: dict[str, str] | None = None
                ) -> tuple[StreamExecutionEnvironment, StreamTableEnvironment]:
    """The stream and table environments (the stream one runs jobs with DataStream parts)."""
    if not managed:
        prepare_python_path()  # before the first Java object starts the JVM
    pin_gateway_threads(get_gateway()._gateway_client)
    configuration = Configuration()
    if not managed:
        for key, value in local_settings(overrides).items():
            configuration.set_string(key, value)
    if configuration.get_string("execution.target", "") == "remote":
        # A session cluster (rest.address, rest.port): PyFlink's get_execution_environment would
        # start a minicluster whatever the target says; the Java constructor honours it.
        j_env = get_gateway().jvm.org.apache.flink.streaming.api.environment.StreamExecutionEnvironment(
            configuration._j_configuration)
        env = StreamExecutionEnvironment(j_env)
    else:
        env = StreamExecutionEnvironment.get_execution_environment(configuration)
    if not managed:
        _prepare_local_jvm(configuration)
    # Chained operators hand records on without a defensive copy: every operator here (Flink
    # SQL's, the Python functions, which convert what they get, our sinks, which convert on
    # write) keeps no reference to a record it was handed. With copies, the source's and the
    # deduplication's chains spent a quarter of the JVM's time copying strings
    # (docs/benchmarks.md, Streaming capacity). A job setting: MSF applies it too.
    env.get_config().enable_object_reuse()
    if batch:
        env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    settings = (EnvironmentSettings.in_batch_mode() if batch else EnvironmentSettings.in_streaming_mode())
    return env, StreamTableEnvironment.create(env, environment_settings=settings)


def _prepare_local_jvm(configuration: Configuration) -> None:
    """What the cluster entry point does on a real cluster, done for the embedded minicluster:
    file systems initialised with the job's settings and plugins (the S3 file system reads
    s3.endpoint and s3.path.style.access from them; a minicluster would otherwise start S3
    with no settings at all), and Hadoop's INFO chatter (one line per Parquet file) kept off
    the console."""
    jvm = get_gateway().jvm
    j_configuration = configuration._j_configuration
    plugins = jvm.org.apache.flink.core.plugin.PluginUtils.createPluginManagerFromRootFolder(j_configuration)
    jvm.org.apache.flink.core.fs.FileSystem.initialize(j_configuration, plugins)
    jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
        "org.apache.hadoop", jvm.org.apache.logging.log4j.Level.WARN)


def pin_gateway_threads(client: GatewayClient) -> None:
    """Runs each Python thread's calls on one JVM thread, not on whichever of py4j's pooled
    connections is free.

    Flink's planner finds Calcite's metadata provider in a thread local, set on the JVM thread
    that created the table environment (FLINK-23020, open). py4j pools its connections: once a
    second thread has called into the JVM (a test reading results while another plans, or a
    garbage-collected Java object released from another thread), a planning call can land on
    a JVM thread that never created an environment and fail with "NullPointerException:
    metadataHandlerProvider". Pinned, a thread plans where it created its environment; so
    plan in the thread that created the environment (other threads may read results).

    A call made while the thread's own connection is busy (py4j releasing an object during
    that thread's call) borrows from the pool as before; a closed connection is replaced.
    """
    if getattr(client, "_pinned_by_thread", False):
        return
    pinned = threading.local()
    borrow, give_back = client._get_connection, client._give_back_connection

    def get_connection() -> GatewayConnection:
        own = getattr(pinned, "connection", None)
        if own is not None and own.is_connected and not pinned.busy:
            pinned.busy = True
            return own
        connection = borrow()
        if own is None or not own.is_connected:
            pinned.connection, pinned.busy = connection, True
        return connection

    def give_back_connection(connection: GatewayConnection) -> None:
        if connection is getattr(pinned, "connection", None):
            pinned.busy = False
        else:
            give_back(connection)

    client._get_connection = get_connection
    client._give_back_connection = give_back_connection
    client._pinned_by_thread = True
