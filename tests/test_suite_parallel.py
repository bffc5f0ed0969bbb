"""Report suites on a Dask cluster: same run folders as serial, failures retried once, never
blocking or corrupting the other runs (``crm-analysis report --jobs N / --scheduler``)."""
import json
import os

import pytest
import yaml

from crm_analysis.cli import main
from crm_analysis.errors import ParameterError
from crm_analysis.reporting.distributed import check_parallel_options
from crm_analysis.reporting.suite import prepare_suite, run_suite
from tests.helpers.notebooks import BODY, make_notebook

# every run appends one character to "<title>.attempts": its kernel's OPENBLAS_NUM_THREADS, or '-'
# when unset (every report kernel gets one BLAS thread unless the user set a number: '1'). A run whose worker is to be killed does so once per suite (the marker
# "<title>.killed"), never when the kernel's parent is the test process itself.
COUNT = ("import os\nwith open(title + '.attempts', 'a') as _f:\n"
         "    _f.write(os.environ.get('OPENBLAS_NUM_THREADS', '-')[:1])")
KILL = ("import os, signal\nfrom pathlib import Path\n"
        "_me = os.environ.get('CRM_TEST_KILL_WORKER_NOT')\n"
        "if _me and os.getppid() != int(_me) and not Path(title + '.killed').exists():\n"
        "    Path(title + '.killed').write_text(str(os.getppid()))\n"
        "    os.kill(os.getppid(), signal.SIGKILL)  # the Dask worker running this kernel\n"
        "    os._exit(0)  # and this kernel, not left orphaned")


@pytest.fixture()
def nb_dir(tmp_path, monkeypatch):
    saved = dict(os.environ)  # a LocalCluster started here sets this process's (its nannies run here)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.pop(name, None)  # as on a desktop: BLAS uses every core
    folder = tmp_path / "notebooks"
    make_notebook(folder, "demo", body=[COUNT] + BODY)
    make_notebook(folder, "killer", body=[COUNT, KILL] + BODY)
    os.environ["CRM_ANALYSIS_NOTEBOOKS"] = str(folder)  # the workers inherit it
    yield folder
    os.environ.clear()
    os.environ.update(saved)


def _folder_state(folder):
    """Everything about a run folder that does not depend on when or where it ran."""
    prov = json.loads((folder / "provenance.json").read_text())
    for key in ("started", "finished", "command"):
        prov.pop(key)
    # kernel.log: the kernel's own stderr, kept when not empty (e.g. a note from a slow machine);
    # a diagnostic, not a result. The worker's log lines must never land there.
    log = folder / "kernel.log"
    assert not log.exists() or "distributed." not in log.read_text(), log.read_text()
    return {"files": sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                            if p.is_file() and p.name != "kernel.log"),
            "results": json.loads((folder / "results.json").read_text()), "provenance": prov}


def test_options_checked_with_their_names():
    assert check_parallel_options(None, None) == (None, None)
    assert check_parallel_options("3", " tcp://10.0.0.5:8786 ") == (3, "tcp://10.0.0.5:8786")
    assert check_parallel_options(2, "local") == (2, "local")
    assert check_parallel_options(1, "tls://[::1]:8786") == (1, "tls://[::1]:8786")
    for jobs in (0, -1, "two", 1.5, True):
        with pytest.raises(ParameterError, match="--jobs: expected a whole number >= 1"):
            check_parallel_options(jobs, None, cli=True)
    for address in ("10.0.0.5:8786", "http://host:8786", "tcp://", "tcp://host:port", 8786):
        with pytest.raises(ParameterError, match="scheduler: expected 'local' or a Dask scheduler address"):
            check_parallel_options(None, address)


def test_cli_refuses_bad_options_before_any_run(tmp_path, capsys):
    assert main(["report", "--all", "--jobs", "0", "--reports-dir", str(tmp_path / "r")]) == 2
    assert "--jobs: expected a whole number >= 1" in capsys.readouterr().err
    assert main(["report", "--all", "--scheduler", "localhost:8786", "--reports-dir", str(tmp_path / "r")]) == 2
    assert "--scheduler: expected 'local' or a Dask scheduler address" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_parallel_and_cluster_runs_equal_the_serial_ones(nb_dir, tmp_path):
    from distributed import LocalCluster

    runs = [{"notebook": "demo", "name": f"r{i}", "lang": lang, "parameters": {"n": 2 + i, "title": str(tmp_path / "t")}}
            for i, lang in enumerate(["en", "zh", "en"])]
    states = {}

    def suite(how, **kwargs):
        reports = tmp_path / how
        outcomes = run_suite(prepare_suite(runs, base_dir=tmp_path, reports_dir=reports), progress=False, **kwargs)
        assert [o.ok for o in outcomes] == [True] * 3, [o.error for o in outcomes]
        assert [o.output_dir for o in outcomes] == [reports / f"demo-r{i}" for i in range(3)]  # requests' order
        assert outcomes[1].results["n"] == 3 and outcomes[2].index == reports / "index.html"
        states[how] = [_folder_state(o.output_dir) for o in outcomes]
        index = (reports / "index.html").read_text()
        assert all(f"demo-r{i}/report.html" in index for i in range(3))
        assert sorted(p.name for p in reports.iterdir()) == [".crm-analysis-reports", "demo-r0", "demo-r1",
                                                             "demo-r2", "index.html"]  # no temporary folder

    suite("serial")
    suite("jobs2", jobs=2)
    assert "OPENBLAS_NUM_THREADS" not in os.environ  # our LocalCluster's nannies' setting undone
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": ":0"}) as cluster:
        suite("scheduler", scheduler=cluster.scheduler_address)
    assert states["jobs2"] == states["serial"] and states["scheduler"] == states["serial"]
    # each run once per suite, no retries; every kernel computed with one BLAS thread, serially, on
    # our own cluster and on a "remote" one alike (so the results are equal to the last bit)
    assert (tmp_path / "t.attempts").read_text() == "111" + "111" + "111"


@pytest.mark.slow
def test_failing_run_retried_once_reported_and_others_complete(nb_dir, tmp_path, capsys):
    suite = {"reports_dir": "reports", "runs": [
        {"notebook": "demo", "name": f"ok{i}", "parameters": {"n": 2 + i, "title": str(tmp_path / f"ok{i}")}}
        for i in range(3)]}
    suite["runs"].insert(1, {"notebook": "demo", "name": "bad",
                             "parameters": {"fail": True, "title": str(tmp_path / "bad")}})
    (tmp_path / "suite.yaml").write_text(yaml.safe_dump(suite))
    assert main(["report", "-f", str(tmp_path / "suite.yaml"), "--jobs", "2"]) == 1
    out, err = capsys.readouterr()
    reports = tmp_path / "reports"
    assert (tmp_path / "bad.attempts").read_text() == "11"  # tried, retried once, then given up
    assert "retrying demo-bad (attempt 1 of 2 failed" in err
    assert f"FAILED  {reports / 'demo-bad.failed'}" in out and "deliberate failure" in err
    assert f"partial notebook kept in {reports / 'demo-bad.failed' / 'demo.ipynb'}" in err  # where it is now
    assert (reports / "demo-bad.failed" / "error.txt").is_file() and not (reports / "demo-bad.failed.1").exists()
    for i in range(3):
        assert (tmp_path / f"ok{i}.attempts").read_text() == "1"
        assert f"ok      {reports / f'demo-ok{i}'}" in out
        assert json.loads((reports / f"demo-ok{i}" / "results.json").read_text())["n"] == 2 + i
    index = (reports / "index.html").read_text()
    assert "failed" in index and all(f"demo-ok{i}/report.html" in index for i in range(3))


@pytest.mark.slow
def test_killed_worker_run_retried_others_untouched(nb_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CRM_TEST_KILL_WORKER_NOT", str(os.getpid()))  # read by the 'killer' notebook
    kill = str(tmp_path / "kill")
    runs = [{"notebook": "killer", "name": "k", "parameters": {"title": kill}}]
    runs += [{"notebook": "demo", "name": f"r{i}", "parameters": {"n": 2 + i, "title": str(tmp_path / f"r{i}")}}
             for i in range(3)]
    reports = tmp_path / "reports"
    outcomes = run_suite(prepare_suite(runs, base_dir=tmp_path, reports_dir=reports), jobs=2, progress=True)
    err = capsys.readouterr().err
    assert (tmp_path / "kill.killed").is_file()  # a worker was killed mid-run
    assert "retrying killer-k (attempt 1 of 2 failed: the Dask worker executing it died" in err
    assert [o.ok for o in outcomes] == [True] * 4, [o.error for o in outcomes]
    assert (tmp_path / "kill.attempts").read_text() == "11"
    for i in range(3):  # the others: run once each, complete
        folder = reports / f"demo-r{i}"
        assert (tmp_path / f"r{i}.attempts").read_text() == "1"
        assert json.loads((folder / "results.json").read_text())["n"] == 2 + i
        assert {"demo.ipynb", "report.html", "provenance.json"} <= {p.name for p in folder.iterdir()}
    assert sorted(p.name for p in reports.iterdir()) == [".crm-analysis-reports", "demo-r0", "demo-r1", "demo-r2",
                                                         "index.html", "killer-k"]
    index = (reports / "index.html").read_text()
    assert all(f"{name}/report.html" in index for name in ("killer-k", "demo-r0", "demo-r1", "demo-r2"))
    assert "100%" in err  # the progress bar went over the whole suite


@pytest.mark.slow
def test_unreachable_scheduler_is_a_clear_error(nb_dir, tmp_path):
    requests = prepare_suite([{"notebook": "demo", "parameters": {"title": str(tmp_path / "t")}}],
                             base_dir=tmp_path, reports_dir=tmp_path / "r")
    with pytest.raises(ParameterError, match="--scheduler: cannot reach a Dask scheduler at 'tcp://127.0.0.1:9'"):
        run_suite(requests, scheduler="tcp://127.0.0.1:9", progress=False)  # after Dask's 10 s timeout
    assert not (tmp_path / "t.attempts").exists() and not (tmp_path / "r" / "index.html").exists()


@pytest.mark.slow
def test_a_users_blas_threads_are_kept(nb_dir, tmp_path, monkeypatch):
    """One BLAS thread is the default of a report's kernel, not a rule: a user's own number stays."""
    from crm_analysis.reporting.runner import run_notebook

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    outcome = run_notebook("demo", {"n": 2, "title": str(tmp_path / "u")}, reports_dir=tmp_path / "r")
    assert outcome.ok, outcome.error
    assert (tmp_path / "u.attempts").read_text() == "4"
