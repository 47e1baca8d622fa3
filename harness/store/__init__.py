"""What a run leaves on disk: results written atomically (`results`), the result cache (`cache`),
and the masking of secrets that every written byte goes through (`masking`)."""
