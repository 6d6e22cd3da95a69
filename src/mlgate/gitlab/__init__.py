"""The GitLab edge: CI context, merge request note, commit status, issue, pipeline (python-gitlab)."""
