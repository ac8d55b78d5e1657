"""Domain logic of the CDR pipeline: plain, typed Python with no Flink import and no I/O."""
