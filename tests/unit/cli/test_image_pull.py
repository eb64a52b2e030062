"""Pull/push progress rendering and the lazy-import promise of the registry commands."""

import io
import subprocess
import sys

from nerdpy.cli.image_pull import ProgressView, human_size, progress_line
from nerdpy.images.progress import Progress


def test_human_size_is_dockers():
    assert human_size(0) == "0B"
    assert human_size(771_700) == "771.7kB"
    assert human_size(1_234_000) == "1.234MB"
    assert human_size(40_000_000) == "40MB"


def test_progress_line_has_a_bar_only_on_a_wide_terminal():
    event = Progress("abc123abc123", "Downloading", 500_000, 1_000_000)
    line = progress_line(event, 111)
    assert line.startswith("abc123abc123: Downloading [")
    assert "=" * 24 + ">" in line and line.endswith("] " + "   500kB/1MB")
    # Docker's jsonmessage: no bar at 110 columns or fewer, the byte counts stay.
    assert progress_line(event, 110) == "abc123abc123: Downloading    500kB/1MB"
    assert progress_line(Progress("abc123abc123", "Pull complete")) == "abc123abc123: Pull complete"


def test_pipe_output_has_one_line_per_state_change_and_no_bars():
    out = io.StringIO()
    view = ProgressView(out, tty=False)
    for event in [Progress("a", "Pulling fs layer"), Progress("a", "Downloading", 1, 10),
                  Progress("a", "Downloading", 5, 10),
                  Progress("a", "Download complete", 10, 10), Progress("b", "Already exists"),
                  Progress("a", "Pull complete", 10, 10)]:
        view(event)
    assert out.getvalue() == "a: Pulling fs layer\na: Download complete\nb: Already exists\na: Pull complete\n"


def test_terminal_output_redraws_lines_in_place():
    out = io.StringIO()
    view = ProgressView(out, tty=True, width=lambda: 80)
    view(Progress("a", "Waiting"))
    view(Progress("b", "Waiting"))
    view(Progress("a", "Download complete", 10, 10))
    assert out.getvalue().split("\r\x1b[J") == ["", "a: Waiting\n\x1b[1A", "a: Waiting\nb: Waiting\n\x1b[2A",
                                                   "a: Download complete\nb: Waiting\n"]


def test_redraw_moves_up_over_wrapped_rows():
    # 12 columns: "layer-one: Waiting" (18 chars) takes two rows, so the next redraw goes up 3.
    out = io.StringIO()
    view = ProgressView(out, tty=True, width=lambda: 12)
    view(Progress("layer-one", "Waiting"))
    view(Progress("b", "Waiting"))
    view(Progress("b", "Extracting"))
    assert out.getvalue().split("\r\x1b[J")[-2].endswith("\x1b[3A")
    assert view.rows == 4  # "layer-one: Waiting" 2 rows, "b: Extracting" 2 rows


def test_help_and_registry_commands_do_not_import_requests():
    code = ("import sys\nfrom nerdpy.cli.main import run\n"
            "run(['--help']); run(['pull', '--help']); run(['login', '--help'])\n"
            "import nerdpy.cli.login, nerdpy.cli.image_pull, nerdpy.cli.image_push, nerdpy.images.pull\n"
            "bad = [m for m in ('requests', 'urllib3', 'zstandard') if m in sys.modules]\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
