"""Real clients against a target: external programs (rclone, the AWS CLI; programs.py), the SDK
and data-tool programs under the top-level interop/ (clients.py builds them).

Nothing is imported here: the install step imports clients.py on a bare Python. The suite that runs
the SDK programs keeps its transcripts with suites/_support/interop_transcript.py.
"""
