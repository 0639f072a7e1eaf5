"""Arguments shared by several sub-commands."""

from __future__ import annotations


def add_set_option(parser) -> None:
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario field, e.g. --set simi.schedules.general.starting_line=9000 "
        "(repeatable; values are YAML)",
    )
