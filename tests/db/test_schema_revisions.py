"""The app decides "the schema is current" without Alembic, from the migration file names; Alembic
must agree with that reading for every file."""

import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from frontdesk.db.migrate import MIGRATIONS_FOLDER, head_revision, known_revisions


def alembic_scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    return ScriptDirectory.from_config(config)


def test_the_head_read_from_file_names_is_alembics_head():
    assert head_revision() == alembic_scripts().get_current_head()


def test_every_migration_file_is_named_after_its_revision():
    scripts = alembic_scripts()
    by_file = {Path(script.path).name.split("_", 1)[0]: script.revision for script in scripts.walk_revisions()}
    assert all(prefix == revision for prefix, revision in by_file.items())
    assert known_revisions() == tuple(sorted(by_file))


def test_the_revisions_follow_each_other_in_file_name_order():
    scripts = alembic_scripts()
    revisions = known_revisions()
    for earlier, later in zip((None, *revisions), revisions, strict=False):
        assert scripts.get_revision(later).down_revision == earlier


def test_opening_a_current_database_does_not_import_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    from frontdesk.db.migrate import open_database

    open_database(url).dispose()
    probe = ("import sys; from frontdesk.db.migrate import open_database; "
             f"open_database({url!r}).dispose(); print('alembic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
