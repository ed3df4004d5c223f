"""store_doc.py - a test's view of verdictd's store, whichever it is: the
state directory ROOT, or (under with_pg.sh) the PostgreSQL store, read
through verdict --store-export and written behind verdictd's back with
verdict --store-import (documents as they are, unchecked, as an editor
would write a file)."""
import os
import shutil
import subprocess

PG, KEY = os.environ.get("EAA_TEST_PG_URL"), os.environ.get("EAA_TEST_STORE_KEY")


def _verdict(bin_dir, *args):
    subprocess.run([bin_dir + "/verdict", "--store", PG, "--store-key", KEY, *args], check=True,
                   stdout=subprocess.DEVNULL)


def read(bin_dir, root, tmp, rel):
    """The document rel now (bytes), or None when there is none."""
    if PG:
        root = tmp + "/exported"
        shutil.rmtree(root, ignore_errors=True)
        os.mkdir(root)
        _verdict(bin_dir, "--store-export", root)
    path = root + "/" + rel
    return open(path, "rb").read() if os.path.exists(path) else None


def write(bin_dir, root, tmp, rel, text):
    """An edit of rel behind verdictd's back."""
    if not PG:
        open(root + "/" + rel, "w").write(text)
        return
    one = tmp + "/one"
    os.makedirs(os.path.dirname(one + "/" + rel), exist_ok=True)
    open(one + "/" + rel, "w").write(text)
    _verdict(bin_dir, "--store-import", one)
    shutil.rmtree(one)
