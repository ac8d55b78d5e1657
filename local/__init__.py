"""The local harness: AWS emulators on 127.0.0.1, the fault proxies, a standalone Flink cluster,
and the demo that runs them all."""
