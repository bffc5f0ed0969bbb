"""Speed benchmarks against the peers (`make bench` = `python -m benchmarks`); never run by the tests."""
