"""The same-data comparison: predictions → metrics, paired intervals (bootstrap, DeLong, McNemar), slices,
flips. The statistics are pure: arrays in, plain results out."""
