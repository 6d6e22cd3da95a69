"""The Spark edge: datasets with `engine: spark` read and validated by Spark, where the data lies.

`mlgate.commands.validate` calls `run.validate_spark_datasets`, and `mlgate.commands.spark_data` (for
`mlgate train`, `profile` and `monitor`) `batch.py`; nothing else imports this package, and pyspark is
imported only when a dataset or a batch asks for Spark (`mlgate --help` never imports it).

- `session.py`  the `mlgate[spark]` extra present, Java found, a SparkSession from `spark:` in mlgate.yaml
- `read.py`     a path, directory, glob or URI read as a Spark DataFrame (Parquet, CSV, JSON lines)
- `checks.py`   the pandera schema through pandera's PySpark backend, the declarative checks as Spark
                aggregations, failing rows counted and sampled with filters (no rows collected)
- `listing.py`  the dataset's version: the DVC md5 when DVC tracks it, else a digest of its file listing
- `run.py`      which Spark datasets a pull request changed, and one result per dataset
- `profile.py`  a DataFrame profiled with Spark aggregations: the pandas engine's Profile, no row collected
- `batch.py`    training data and monitor batches read where they lie (partitions as `key=value` segments)
"""
