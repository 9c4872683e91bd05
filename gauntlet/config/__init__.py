"""What the user declares: targets (targets.yaml) and load profiles (loadtests/profiles/), parsed and checked."""
