"""Who runs which cell where: the plan of a run, the scheduler, and the backends that talk to an engine."""
