"""The pure core: metric values and rules in, a Verdict out. No I/O, no mlflow, no github, no click."""
