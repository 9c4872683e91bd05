"""Root conftest: the s3gauntlet pytest plugin (targets, launch, verdicts, result rows)."""

pytest_plugins = ["gauntlet.plugin.hooks"]
