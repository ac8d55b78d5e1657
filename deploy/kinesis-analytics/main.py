"""Entry point of the CDR pipeline in the Managed Service for Apache Flink package.

MSF starts it with no arguments (run options: python = main.py); the job then reads
/etc/flink/application_properties.json. The package keeps the project's code in app/ and the
vendored Python dependencies in dep/ (both also shipped to the Python workers through the run
options' pyFiles); this file puts them on the path before anything is imported. Run from an
unzipped package it takes the job's own arguments, e.g. `python main.py stream --properties F`.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PATHS = [os.path.join(HERE, "app"), os.path.join(HERE, "dep")]  # the project's code wins
sys.path[:0] = [path for path in PATHS if path not in sys.path]
# Python run inside the JVM (thread mode) imports from PYTHONPATH, not from this sys.path.
os.environ["PYTHONPATH"] = os.pathsep.join(PATHS + [p for p in [os.environ.get("PYTHONPATH", "")] if p])
os.environ.setdefault("CDR_CONNECTOR_JAR", os.path.join(HERE, "lib", "pyflink-dependencies.jar"))

from jobs.cdr_pipeline import main  # noqa: E402  (after the path is set)

if __name__ == "__main__":
    sys.exit(main())
