"""What to run: the matrix file (`spec`), its cells' compose text (`render`), and every problem of
a template found across all cells at once (`findings`)."""
