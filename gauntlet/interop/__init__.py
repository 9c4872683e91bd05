"""Real clients against a target: external programs (rclone, the AWS CLI; programs.py), the SDK
and data-tool programs under interop/ (clients.py builds them) and the recorded transcript.

Nothing is imported here: the install step imports clients.py on a bare Python.
"""
