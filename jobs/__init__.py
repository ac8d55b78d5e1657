"""The Flink job: configuration, SQL assembly and the command-line entry point."""
