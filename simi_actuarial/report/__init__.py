"""Self-contained HTML run report and the run workbook, rebuilt from a finished run's
files."""

from .build import SECTIONS, build_report, render_report
from .run_files import RunFiles
from .workbook import write_workbook

__all__ = ["SECTIONS", "RunFiles", "build_report", "render_report", "write_workbook"]
