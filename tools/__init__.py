"""Command-line tools around the job: traffic generator, local AWS emulators, demo."""
