"""The face of commentmod: one folder ("wing") per subsystem, each opening with what it
owns and may import (docs/architecture.md draws them), and `runtime`, the composition
root that builds and holds the parts a process shares.
"""
