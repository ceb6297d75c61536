"""The integration runner's choices that must hold on any machine: which `bench` it uses, which app dir is its own."""

import importlib.util
from pathlib import Path

import pytest

RUNNER = Path(__file__).parents[1] / "integration" / "run_on_bench.py"


@pytest.fixture
def runner(tmp_path, monkeypatch):
	monkeypatch.setenv("FRAPPE_BENCH_PATH", str(tmp_path))
	spec = importlib.util.spec_from_file_location("run_on_bench", RUNNER)
	module = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(module)
	return module


def test_bench_on_path_comes_first(runner, tmp_path, monkeypatch):
	in_env = tmp_path / "env" / "bin" / "bench"
	in_env.parent.mkdir(parents=True)
	in_env.write_text("")
	monkeypatch.setattr(runner.shutil, "which", lambda name: "/usr/local/bin/bench")
	assert runner.find_bench_command() == "/usr/local/bin/bench"
	monkeypatch.setattr(runner.shutil, "which", lambda name: None)
	assert runner.find_bench_command() == str(in_env)
	in_env.unlink()
	assert runner.find_bench_command() is None


def test_an_app_the_runner_did_not_copy_is_left_alone(runner, tmp_path):
	target = tmp_path / "apps" / "customer_priority"
	assert runner.runner_owns(target) is None
	target.mkdir(parents=True)
	(target / "setup.py").write_text("")
	assert runner.runner_owns(target) is False
	(target / runner.RUNNER_COPY_MARK).write_text("")
	assert runner.runner_owns(target) is True
	elsewhere = tmp_path / "elsewhere"
	elsewhere.mkdir()
	(elsewhere / runner.RUNNER_COPY_MARK).write_text("")
	link = tmp_path / "apps" / "linked"
	link.symlink_to(elsewhere)
	assert runner.runner_owns(link) is False, "a symlink points at someone's checkout"


def test_without_a_bench_it_says_skipped(runner, capsys):
	assert runner.main() == 0
	assert "SKIPPED: no Frappe bench" in capsys.readouterr().out
