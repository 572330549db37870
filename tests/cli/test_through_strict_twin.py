"""The CLI against what the real API is documented to send: the simulator behind its strict
twin, which strips every field the SDK does not declare."""

from __future__ import annotations

from tests.cli.conftest import point_at


def test_list_get_and_fields_through_the_strict_twin(run, monkeypatch, strict_sim) -> None:
    point_at(monkeypatch, strict_sim)
    notable = strict_sim.sim.state.notable
    listed = run("list", "--limit", "50")
    assert listed.code == 0, listed.err
    assert "invoice-2041.pdf" in listed.out and "✔ COMPLETED" in listed.out
    got = run("get", notable["invoice_cited"])
    assert got.code == 0, got.err
    assert "invoice-2041.pdf" in got.out and "Invoices — standard" in got.out
    # a job of another project: found in its own project, named
    receipt = run("get", notable["receipt"])
    assert receipt.code == 0 and "receipt-88213.jpg" in receipt.out
    fields = run("fields", notable["invoice_cited"])
    assert fields.code == 0, fields.err
    assert ".invoice_number" in fields.out and "INV-2041" in fields.out
    assert strict_sim.state.request_log  # it all went through the twin to the simulator
