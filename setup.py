"""Build step that pyproject.toml cannot declare: ship the notebooks and the default data.

The canonical copies stay at the repository's top level (``notebooks/``, ``data/``); building a
wheel copies them into ``crm_analysis/_bundle/`` so that an installed ``crm-analysis`` runs them
from any folder (see ``crm_analysis.reporting.notebooks.notebooks_dir``). Symbolic links in
``data/`` are copied as the files they point to.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = {"notebooks": ("*.ipynb",), "data": ("*.csv", "*.txt", "*.yaml", "*.md")}


class build_py_with_bundle(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the checkout itself
            return
        for folder, patterns in BUNDLED.items():
            target = Path(self.build_lib) / "crm_analysis" / "_bundle" / folder
            target.mkdir(parents=True, exist_ok=True)
            files = sorted({p for pattern in patterns for p in (ROOT / folder).glob(pattern)})
            if folder == "notebooks" and not files:
                raise SystemExit(f"setup.py: no notebooks in {ROOT / folder}")
            for src in files:
                if src.is_file() and not src.name.startswith("."):
                    shutil.copyfile(src, target / src.name)  # follows symbolic links


setup(cmdclass={"build_py": build_py_with_bundle})
