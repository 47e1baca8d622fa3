"""From log lines to a verdict, without Docker: the runtimes' error vocabularies (`families`)."""
