"""Asterisk's own CDR output (cdr_csv Master.csv, cdr_custom JSON) into the pipeline's CDR records."""
