"""Helpers shared by two or more suite files (one area each); helpers every case uses are in gauntlet.plugin.checks."""
