"""s3gauntlet: S3 compatibility and performance test harness."""

__version__ = "0.1.0"
