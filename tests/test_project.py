"""DESIGN §3: which project a file belongs to and which domain it is in."""

import json

from ttminis_cli.project import find_root, load_project, project_for


def make(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if isinstance(text, str) else json.dumps(text), encoding="utf-8")


def test_project_config_declares_the_open_data_folder(tmp_path):
    make(tmp_path, {"project.config.json": {"openDataContext": "odc"}, "odc/index.js": "", "game.js": "",
                    "odc/lib/rank.js": ""})
    project = project_for(tmp_path / "odc" / "lib" / "rank.js")
    assert project.root == tmp_path.resolve()
    assert project.declared_by == "project.config.json"
    assert project.domain_of(tmp_path / "odc" / "lib" / "rank.js") == "open-data"
    assert project.domain_of(tmp_path / "game.js") == "main"


def test_game_json_declares_it_for_ported_games(tmp_path):
    make(tmp_path, {"game.json": {"deviceOrientation": "portrait", "openDataContext": "src/open"},
                    "src/open/index.js": "", "game.js": ""})
    project = project_for(tmp_path / "game.js")
    assert project.declared_by == "game.json"
    assert project.domain_of(tmp_path / "src" / "open" / "index.js") == "open-data"


def test_project_config_wins_over_game_json(tmp_path):
    make(tmp_path, {"project.config.json": {"openDataContext": "a"}, "game.json": {"openDataContext": "b"}})
    project = project_for(tmp_path)
    assert project.open_data_dirs == ((tmp_path / "a").resolve(),)


def test_cocos_sources_without_config_find_build_templates_folder(tmp_path):
    make(tmp_path, {"assets/scripts/Main.ts": "",
                    "build-templates/wechatgame/openDataContext/index.js": ""})
    root, has_config = find_root(tmp_path / "assets" / "scripts" / "Main.ts", fallback=tmp_path)
    assert (root, has_config) == (tmp_path.resolve(), False)
    project = load_project(root, has_config)
    assert project.domain_rules_enabled
    odc = tmp_path / "build-templates" / "wechatgame" / "openDataContext" / "index.js"
    assert project.domain_of(odc.resolve()) == "open-data"
    assert project.domain_of((tmp_path / "assets" / "scripts" / "Main.ts").resolve()) == "main"


def test_engine_sources_with_nothing_known_switch_domain_rules_off(tmp_path):
    make(tmp_path, {"assets/Main.ts": ""})
    project = load_project(*find_root(tmp_path / "assets" / "Main.ts", fallback=tmp_path))
    assert not project.has_config
    assert not project.domain_rules_enabled


def test_config_without_open_data_means_everything_is_main(tmp_path):
    make(tmp_path, {"game.json": {"deviceOrientation": "portrait"}, "game.js": ""})
    project = project_for(tmp_path / "game.js")
    assert project.domain_rules_enabled and not project.has_open_data
    assert project.domain_of(tmp_path / "game.js") == "main"


def test_toml_globs_override_the_declared_folder(tmp_path):
    make(tmp_path, {"project.config.json": {"openDataContext": "odc"}, "build/odc/main.js": "", "odc/index.js": ""})
    project = project_for(tmp_path, open_data_globs=["build/odc/**"])
    assert project.domain_of((tmp_path / "build" / "odc" / "main.js").resolve()) == "open-data"
    assert project.domain_of((tmp_path / "odc" / "index.js").resolve()) == "main"


def test_malformed_config_declares_nothing_but_still_marks_the_root(tmp_path):
    make(tmp_path, {"project.config.json": "{ \"openDataContext\": ", "sub/x.js": ""})
    project = project_for(tmp_path / "sub" / "x.js")
    assert project.root == tmp_path.resolve() and project.has_config
    assert not project.has_open_data


def test_a_stray_config_file_in_the_open_data_folder_starts_no_project(tmp_path):
    make(tmp_path, {"game.json": {"openDataContext": "openDataContext"}, "game.js": "",
                    "openDataContext/game.json": {"deviceOrientation": "portrait"},
                    "openDataContext/index.js": "", "openDataContext/lib/rank.js": ""})
    root, has_config = find_root(tmp_path / "openDataContext" / "lib")
    assert (root, has_config) == (tmp_path.resolve(), True)
    project = project_for(tmp_path / "openDataContext" / "index.js")
    assert project.domain_of(tmp_path / "openDataContext" / "lib" / "rank.js") == "open-data"


def test_an_undeclared_default_open_data_folder_keeps_its_stray_config_too(tmp_path):
    make(tmp_path, {"game.json": {"deviceOrientation": "portrait"}, "game.js": "",
                    "openDataContext/game.json": {}, "openDataContext/index.js": ""})
    assert find_root(tmp_path / "openDataContext") == (tmp_path.resolve(), True)


def test_a_nested_game_elsewhere_is_its_own_project(tmp_path):
    make(tmp_path, {"game.json": {"openDataContext": "openDataContext"}, "games/two/game.json": {},
                    "games/two/game.js": ""})
    assert find_root(tmp_path / "games" / "two") == ((tmp_path / "games" / "two").resolve(), True)


def test_the_workers_folder_is_a_domain_of_its_own(tmp_path):
    make(tmp_path, {"game.json": {"openDataContext": "odc", "workers": "workers"}, "game.js": "",
                    "workers/index.js": "", "workers/game.json": {}, "odc/index.js": ""})
    project = project_for(tmp_path / "workers" / "index.js")
    assert project.root == tmp_path.resolve()
    assert project.domain_of(tmp_path / "workers" / "index.js") == "worker"
    assert project.domain_of(tmp_path / "odc" / "index.js") == "open-data"
    assert project.domain_of(tmp_path / "game.js") == "main"


def test_workers_may_be_declared_with_a_path_object(tmp_path):
    make(tmp_path, {"game.json": {"workers": {"path": "jobs", "isSubpackage": True}}, "jobs/index.js": ""})
    assert project_for(tmp_path).domain_of(tmp_path / "jobs" / "index.js") == "worker"


def test_cocos_build_templates_are_part_of_the_cocos_project(tmp_path):
    make(tmp_path, {"assets/scripts/OpenData.ts": "", "build-templates/wechatgame/game.json": {"openDataContext": "openDataContext"},
                    "build-templates/wechatgame/project.config.json": {},
                    "build-templates/wechatgame/openDataContext/index.js": ""})
    odc = tmp_path / "build-templates" / "wechatgame" / "openDataContext"
    assert find_root(odc, tmp_path) == (tmp_path.resolve(), False)
    project = project_for(odc / "index.js", tmp_path)
    assert project.domain_of(odc / "index.js") == "open-data"
    assert project.domain_of(tmp_path / "assets" / "scripts" / "OpenData.ts") == "main"
