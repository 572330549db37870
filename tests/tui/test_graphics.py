"""When the Source view asks the terminal for images, and drawing them when it has them."""

from __future__ import annotations

import pytest

from explorer.tui.graphics import decide

TTY = {"stdin_tty": True, "stdout_tty": True}


@pytest.mark.parametrize(
    ("env", "ask"),
    [
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, True),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, True),
        ({"TERM": "foot"}, True),
        ({"TERM": "xterm-256color"}, False),  # not known to draw images: never queried
        ({"TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0"}, False),
        ({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, False),
        ({"TERM": "screen"}, False),
        ({"TERM": "dumb", "EXTRACT_EXPLORER_GRAPHICS": "on"}, False),
        ({"TERM": "xterm-kitty", "EXTRACT_EXPLORER_GRAPHICS": "off"}, False),
        ({"TERM": "tmux-256color", "TMUX": "x", "EXTRACT_EXPLORER_GRAPHICS": "on"}, True),
    ],
)
def test_graphics_are_asked_for_only_where_they_can_work(env: dict, ask: bool) -> None:
    assert decide(env, **TTY).ask is ask


def test_never_asked_without_a_terminal_on_both_ends() -> None:
    env = {"TERM": "xterm-kitty", "EXTRACT_EXPLORER_GRAPHICS": "on"}
    assert not decide(env, stdin_tty=False, stdout_tty=True).ask  # open - from a pipe
    assert not decide(env, stdin_tty=True, stdout_tty=False).ask


async def test_with_graphics_the_page_and_crop_are_images(sim) -> None:
    from textual_image.widget import Image as ImageWidget

    from tests.tui.helpers import sim_app, wait_until
    from tests.tui.test_debugger import open_analysed
    from tests.tui.test_source_view import press_w_on

    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    app.graphics = "tgp"  # as probe() says in kitty; the widget renders in whatever it can
    async with app.run_test(size=(120, 40)) as pilot:
        await open_analysed(pilot, app, job_id)
        screen = await press_w_on(pilot, app, ("total",))
        await wait_until(pilot, lambda: bool(screen.query("#source-page-img")))
        page = screen.query_one("#source-page-img", ImageWidget)
        crop = screen.query_one("#source-crop-img", ImageWidget)
        assert page.display and crop.display
        assert not screen.query_one("#source-page").display
        # the page image is the rendered page, the crop a zoom of the cited region
        assert page.image.width >= 1000
        assert crop.image.width >= 600
        # red/blue box pixels are on the drawn page
        colours = page.image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert any(b > 150 and r < 80 for _, (r, g, b) in colours)
