"""Briefing: a static briefing-site generator."""

import multiprocessing
import signal

__version__ = "0.1.0"

BUILD_PROCESS = "briefing-build"  # the name of the preview's build process (generator/builder.py)

if multiprocessing.current_process().name == BUILD_PROCESS:
    # This package is first imported in the preview's build process as it starts: Ctrl+C is the server's, which
    # then stops this process, so it is ignored here, before anything else of ours is imported. (A spawned
    # process cannot inherit a blocked signal, nor, from a thread that is not the main one, an ignored one;
    # only the interpreter's own start comes before this.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
