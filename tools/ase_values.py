"""ASE and numpy values as the plain Python values the fixture scripts write as JSON, and the row dict of an ASE
LMDB database. Shared by check_ase_roundtrip.py and the make_*_fixtures.py scripts (imported from this folder, so
it runs with the same /usr/bin/python3 and python3-ase 3.22)."""
import numpy as np
from ase.db.row import atoms2dict


def plain(value):
    """numpy arrays and scalars (also inside dicts, lists and tuples) as Python lists, bools, ints and floats."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def lmdb_row(atoms, data, kvp=None):
    """The dict ase-db-backends' LMDB backend stores for a row (atoms2dict + bookkeeping). Fixed ctime/mtime/user
    keep the fixtures byte-stable; atoms2dict draws unique_id from Python's `random`, so seed it first."""
    dct = atoms2dict(atoms)
    dct['ctime'] = dct['mtime'] = 25.4
    dct['user'] = 'catpot'
    dct['key_value_pairs'] = kvp or {}
    dct['data'] = data
    return dct
