"""ttminis.toml / [tool.ttminis]: loading, defaults, and errors that point at the offending key."""

import pytest

from ttminis_cli.config import Config, find_config, load_config
from ttminis_cli.errors import UserError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_defaults():
    assert load_config(None) == Config()


def test_full_config_is_read(tmp_path):
    cfg = load_config(write(tmp_path / "ttminis.toml", """
[lint]
select = ["TTM1", "TTM301"]
ignore = ["TTM207"]
exclude = ["vendor/**"]
open-data = ["build/odc/**"]
extra-apis = ["login2"]
runtime = "html"
[lint.per-file-ignores]
"tests/**" = ["TTM101"]
[emulator]
host = "127.0.0.1"
port = 9600
"""))
    assert cfg.lint.select == ("TTM1", "TTM301")
    assert cfg.lint.ignore == ("TTM207",)
    assert cfg.lint.open_data == ("build/odc/**",)
    assert cfg.lint.runtime == "html"
    assert cfg.lint.per_file_ignores == (("tests/**", ("TTM101",)),)
    assert (cfg.emulator.host, cfg.emulator.port) == ("127.0.0.1", 9600)
    assert cfg.root == tmp_path


@pytest.mark.parametrize("text, where, words", [
    ('[lint]\nselect = ["TTM"]\nignroe = ["TTM207"]\n', ":3:1", ["unknown key 'ignroe'", "did you mean 'ignore'"]),
    ('[lint]\n  runtime = "web"\n', ":2:3", ["runtime must be one of"]),
    ('[emulator]\nport = "9528"\n', ":2:1", ["port must be an integer"]),
    ('[linter]\nselect = []\n', ":1:1", ["unknown table [linter]"]),
    ('[lint.per-file-ignores]\n"a/**" = "TTM101"\n', ":1:1", ["per-file-ignores must be"]),
])
def test_bad_config_names_file_line_and_column(tmp_path, text, where, words):
    path = write(tmp_path / "ttminis.toml", text)
    with pytest.raises(UserError) as err:
        load_config(path)
    rendered = err.value.render()
    assert f"{path}{where}" in rendered
    for word in words:
        assert word in rendered
    assert err.value.exit_code == 2


def test_toml_syntax_error_has_a_location(tmp_path):
    path = write(tmp_path / "ttminis.toml", "[lint]\nselect = [\"TTM\"\nignore = []\n")
    with pytest.raises(UserError) as err:
        load_config(path)
    assert err.value.where.startswith(f"{path}:")
    assert err.value.where.count(":") >= 2


def test_pyproject_tool_table_is_found_and_checked(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool.ttminis.lint]\nignore = ["TTM207"]\n'
                                       '[tool.ttminis.emulator]\nhots = "x"\n')
    (tmp_path / "src").mkdir()
    found = find_config(tmp_path / "src")
    assert found == tmp_path / "pyproject.toml"
    with pytest.raises(UserError) as err:
        load_config(found)
    assert ":6:1" in err.value.where
    assert "did you mean 'host'" in err.value.render()


def test_pyproject_without_the_table_is_not_a_config(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(tmp_path) is None


def test_nearest_ttminis_toml_wins(tmp_path):
    write(tmp_path / "ttminis.toml", "")
    inner = tmp_path / "game"
    inner.mkdir()
    write(inner / "ttminis.toml", "[lint]\n")
    assert find_config(inner / "game.js") == inner / "ttminis.toml"
