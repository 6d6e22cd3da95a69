"""The GitHub edge: event context, PR comment, commit status, step summary, outputs, annotations."""
