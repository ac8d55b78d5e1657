"""Stream I/O shared by the job's commands and the Asterisk forwarder (which runs on the PBX
host without apache-flink): the Kinesis producer, the dead-letter store, the MSF property
reader. No import of pyflink, and nothing of this project's but this package."""
