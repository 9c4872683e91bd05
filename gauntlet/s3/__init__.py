"""S3 on the wire: SigV4 signing, raw requests, checksums, boto3 clients, payloads, bucket naming,
*.localhost resolution and the reading of S3 error answers."""
