"""The footer's keys do not pile up as screens come and go."""

from __future__ import annotations

import gc

from textual.widgets._footer import FooterKey

from tests.tui.helpers import sim_app, wait_until


def _alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, FooterKey))


async def test_opening_and_closing_help_leaves_no_footer_keys_behind(sim) -> None:
    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.main.tree._job_nodes))
        await pilot.pause(0.3)
        for _ in range(4):
            await pilot.press("question_mark")
            await wait_until(pilot, lambda: app.screen is not app.main)
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is app.main)
            await pilot.pause(0.2)
        shown = len(app.query(FooterKey))
        assert shown > 0
        # only the keys on screen (and none of the ones of each screen before) are alive
        assert _alive() == shown
