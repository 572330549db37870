"""A re-run sends the settings the official SDK's create request takes, and only those."""

from __future__ import annotations

import typing

from llama_cloud.types.extract_configuration_param import ExtractConfigurationParam

from explorer.core.rerun import CREATE_KEYS, EDITABLE


def test_create_keys_are_the_sdks_configuration_params() -> None:
    assert set(typing.get_type_hints(ExtractConfigurationParam)) == set(CREATE_KEYS)


def test_every_setting_the_form_edits_is_sent() -> None:
    assert set(EDITABLE) <= CREATE_KEYS
