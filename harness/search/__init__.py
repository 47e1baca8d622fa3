"""Searches over an outcome oracle, pure: the first bad point of an ordered line (`find`) and the
changes that matter between a good and a bad cell (`isolate`)."""
