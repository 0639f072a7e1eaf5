"""Self-contained HTML run report, rebuilt from a finished run's files."""

from .build import SECTIONS, build_report, render_report
from .run_files import RunFiles

__all__ = ["SECTIONS", "RunFiles", "build_report", "render_report"]
