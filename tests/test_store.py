import hashlib

from curator.store import ObjectStore


def test_put_names_objects_by_sha256_and_is_idempotent(tmp_path):
    store = ObjectStore(tmp_path / "objects")
    oid = store.put_bytes(b"hello")
    assert oid == hashlib.sha256(b"hello").hexdigest()
    assert store.path(oid).read_bytes() == b"hello"
    assert store.put_bytes(b"hello") == oid
    assert oid in store
    assert store.relpath(oid) == f"objects/{oid[:2]}/{oid}"
    # atomic writes leave no temporary files behind
    assert [p.name for p in store.path(oid).parent.iterdir()] == [oid]


def test_verify_names_missing_and_changed(tmp_path):
    store = ObjectStore(tmp_path / "objects")
    a, b = store.put_bytes(b"a"), store.put_bytes(b"b")
    assert store.verify(a) is None
    store.path(a).write_bytes(b"tampered")
    store.path(b).unlink()
    assert store.verify(a) == "changed"
    assert store.verify(b) == "missing"


def test_create_bytes_writes_once_and_leaves_no_temporary_names(tmp_path, monkeypatch):
    import commons.atomic as atomic

    for tmpfile in (atomic._has_tmpfile, False):  # the O_TMPFILE way where there is one, and the portable way
        monkeypatch.setattr(atomic, "_has_tmpfile", tmpfile)
        root = tmp_path / str(tmpfile)
        target = root / "ab" / "object"  # its folder does not exist yet
        assert atomic.create_bytes(target, b"first", durable=False) is True
        assert target.read_bytes() == b"first"
        if tmpfile:
            assert atomic.create_bytes(target, b"second") is False  # write-once: the first bytes stay
            assert target.read_bytes() == b"first"
        assert [p.name for p in (root / "ab").iterdir()] == ["object"]
