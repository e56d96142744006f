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
