"""What people read: the issue-ready report, `--explain`, comparisons of runs, and the live display."""
