import tomllib

import pytest

from curator.config import CuratorConfig, load_config, render_toml
from curator.errors import CuratorError


def test_rendered_toml_parses_back_to_the_defaults(tmp_path):
    text = render_toml(CuratorConfig())
    assert "# Images with more pixels" in text
    path = tmp_path / "curator.toml"
    path.write_text(text)
    assert load_config(path) == CuratorConfig()
    assert tomllib.loads(text)["import"]["max_pixels"] == CuratorConfig().import_.max_pixels


def test_unknown_key_is_one_clear_error(tmp_path):
    path = tmp_path / "curator.toml"
    path.write_text("[import]\nmax_pixls = 3\n")
    with pytest.raises(CuratorError, match="import.max_pixls"):
        load_config(path)
