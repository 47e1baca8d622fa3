"""Following a release line: the registry's tags (`registry`), their order and which are new
(`releases`), and qualifying each new one against the last good release (`qualify`)."""
