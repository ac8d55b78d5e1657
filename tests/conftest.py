"""Shared test set-up: dummy AWS credentials before any JVM starts (the Java SDK reads the
environment once, when the JVM is launched), and deterministic traffic fixtures."""

from __future__ import annotations

import os

from local.local_aws import DUMMY_CREDENTIALS

os.environ.update(DUMMY_CREDENTIALS)
