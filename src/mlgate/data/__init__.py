"""Data validation (`mlgate validate`): changed files (git, DVC), formats, schemas, checks, versions."""
