"""Photos added to a visit after it was saved, and removed after a confirmation page (走访照片,
/service/visits/<pk>/photos/): for whoever may edit the visit, with the checks of the visit form (JPEG or PNG
by content, size-limited, decodable; stored re-encoded with a thumbnail the page shows), audited; officials who
only read the visit see the photos without the controls, anyone out of scope gets 404 as for a visit that does
not exist.

On the personas' world: `ent2` is ours, served by `personas.liaison`; `x_liaison` and `x_chief` are out of scope;
`district` (测试甲区) reads our visits but does not log them."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chaindesk.core import uploads
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.liaison import services
from chaindesk.liaison.models import Visit, VisitPhoto
from chaindesk.testkit import images

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

JPEG = images.jpeg()  # real images: a photo is decoded and re-encoded before it is stored
PNG = images.png()
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def photo(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")  # the declared type is never believed


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Photos and thumbnails go to tmp_path/attachments (the fields' storage is built once, with the model:
    replaced too)."""
    settings.VAR_DIR = tmp_path
    for field in ("file", "thumbnail"):
        monkeypatch.setattr(VisitPhoto._meta.get_field(field), "storage", uploads.private_storage())
    return tmp_path


@pytest.fixture
def visit(personas: Any, var_dir: Path) -> Visit:
    """A visit of ent2 saved without photos."""
    return services.visit_create(
        actor=personas.liaison, enterprise=personas.ent2, visited_on=personas.today, notes="现场查看新厂房建设进度。"
    )


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _stored_files(var_dir: Path) -> list[Path]:
    return [p for p in var_dir.rglob("*") if p.is_file()]


def _url(visit: Visit) -> str:
    return f"/service/visits/{visit.pk}/photos/"


def test_the_liaison_adds_photos_to_a_saved_visit(personas, visit, var_dir):
    client = _as(personas.liaison)
    page = client.get(_url(visit)).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'data-testid="photo-form"' in page
    assert 'accept="image/*"' in page and 'capture="environment"' in page and "multiple" in page
    assert "暂无现场照片。" in page
    response = client.post(_url(visit), {"photos": [photo("补拍1.jpg", JPEG), photo("补拍2.png", PNG)]})
    assert response.status_code == 302 and response["Location"] == _url(visit)
    added = list(visit.photos.order_by("pk"))
    assert [(p.original_name, p.content_type, p.uploaded_by) for p in added] == [
        ("补拍1.jpg", uploads.JPEG, personas.liaison),
        ("补拍2.png", uploads.PNG, personas.liaison),
    ]
    assert sorted(_stored_files(var_dir)) == sorted(Path(f.path) for p in added for f in (p.file, p.thumbnail))
    created = AuditLog.objects.filter(action=AuditAction.CREATE, content_type__model="visitphoto")
    assert created.filter(object_id__in=[str(p.pk) for p in added], actor=personas.liaison).count() == 2
    page = client.get(_url(visit)).content.decode()
    assert "已上传 2 张照片。" in page
    assert page.count('data-testid="photo-item"') == 2
    # Each shows its thumbnail and opens the photo itself.
    assert f'src="/service/photos/{added[0].pk}/?thumb=1"' in page and f'href="/service/photos/{added[0].pk}/"' in page
    # The visit's card links here, for whoever may edit it.
    visits = client.get(f"/service/enterprises/{personas.ent2.pk}/visits/").content.decode()
    assert f'href="{_url(visit)}"' in visits


def test_the_chain_team_may_add_a_reader_may_only_look(personas, visit, var_dir):
    member = _as(personas.member)  # team member of the chain: may edit the visit
    assert member.post(_url(visit), {"photos": [photo("团队.jpg", JPEG)]}).status_code == 302
    district = _as(personas.district)  # 测试甲区 admin: reads the visit, does not log visits
    page = district.get(_url(visit)).content.decode()
    assert 'data-testid="photo-item"' in page
    assert 'data-testid="photo-form"' not in page and 'data-testid="photo-remove"' not in page
    assert district.post(_url(visit), {"photos": [photo("区里.jpg", JPEG)]}).status_code == 403
    visits = district.get(f"/service/enterprises/{personas.ent2.pk}/visits/").content.decode()
    assert f'href="{_url(visit)}"' not in visits
    assert visit.photos.count() == 1


@pytest.mark.parametrize("key", ["x_liaison", "x_chief", "x_district"])
def test_out_of_scope_gets_404_and_nothing_is_stored(personas, visit, var_dir, key):
    client = _as(personas.user(key))
    assert client.get(_url(visit)).status_code == 404
    assert client.post(_url(visit), {"photos": [photo("别人.jpg", JPEG)]}).status_code == 404
    assert client.get("/service/visits/999999/photos/").status_code == 404  # the same as a missing visit
    assert not visit.photos.exists() and _stored_files(var_dir) == []
    denied = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, object_id=str(visit.pk))
    assert denied.filter(actor=personas.user(key)).exists()


def test_enterprise_users_and_anonymous_never_reach_the_page(personas, visit):
    assert _as(personas.ent_user).get(_url(visit)).status_code == 403
    assert Client().get(_url(visit)).status_code == 302


@pytest.mark.parametrize(
    ("name", "data"),
    [("现场.jpg", PDF), ("说明.pdf", PDF), ("现场.png", b"<html><script>alert(1)</script></html>")],
)
def test_a_file_that_is_not_a_photo_is_refused_in_chinese_and_nothing_is_stored(personas, visit, var_dir, name, data):
    response = _as(personas.liaison).post(_url(visit), {"photos": [photo("IMG_1.jpg", JPEG), photo(name, data)]})
    page = response.content.decode()
    assert response.status_code == 400
    assert f"文件“{name}”不是照片：仅支持 JPEG、PNG 图片" in page and 'href="#id_photos"' in page
    assert "提交未成功时照片不会保留" in page
    assert not VisitPhoto.objects.filter(visit=visit).exists() and _stored_files(var_dir) == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("IMG_2.jpg", images.FAKE_JPEG, "文件“IMG_2.jpg”无法作为图片读取"),
        ("全景.png", images.png_declaring(20_000, 20_000), "文件“全景.png”的图片尺寸过大"),
    ],
)
def test_a_fake_jpeg_and_a_bomb_are_refused_on_the_field(personas, visit, var_dir, name, data, message):
    response = _as(personas.liaison).post(_url(visit), {"photos": [photo("IMG_1.jpg", JPEG), photo(name, data)]})
    page = response.content.decode()
    assert response.status_code == 400 and message in page and 'href="#id_photos"' in page
    assert not VisitPhoto.objects.filter(visit=visit).exists() and _stored_files(var_dir) == []


def test_no_photo_chosen_and_too_big_are_refused_on_the_field(personas, visit, var_dir, settings):
    client = _as(personas.liaison)
    response = client.post(_url(visit), {})
    assert response.status_code == 400 and "请选择要上传的照片。" in response.content.decode()
    settings.CHAINDESK_ATTACHMENT_MAX_BYTES = len(JPEG)
    response = client.post(_url(visit), {"photos": [photo("大图.jpg", JPEG + b"\x00" * 100)]})
    assert response.status_code == 400 and "文件“大图.jpg”超过大小上限" in response.content.decode()
    assert not visit.photos.exists() and _stored_files(var_dir) == []


def test_remove_asks_first_then_deletes_audited(personas, visit, var_dir, django_capture_on_commit_callbacks):
    kept, gone = services.visit_photos_add(
        actor=personas.liaison, visit=visit, photos=[photo("留下.jpg", JPEG), photo("拍错了.png", PNG)]
    )
    url = f"/service/photos/{gone.pk}/remove/"
    client = _as(personas.liaison)
    confirm = client.get(url).content.decode()
    assert "确定删除照片“拍错了.png”吗？" in confirm and f'src="/service/photos/{gone.pk}/"' in confirm
    assert visit.photos.count() == 2  # asking removes nothing
    page = client.get(_url(visit)).content.decode()
    assert f'href="{url}"' in page  # each photo's 删除 goes to its confirmation page
    gone_paths = [Path(gone.file.path), Path(gone.thumbnail.path)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == _url(visit)
    assert list(visit.photos.all()) == [kept]
    # The photo and its thumbnail go once the removal is committed; the other's stay.
    assert not any(p.exists() for p in gone_paths)
    assert Path(kept.file.path).exists() and Path(kept.thumbnail.path).exists()
    line = AuditLog.objects.get(action=AuditAction.DELETE, content_type__model="visitphoto", object_id=str(gone.pk))
    assert line.actor == personas.liaison and line.before["original_name"] == "拍错了.png"
    assert "已删除照片“拍错了.png”。" in client.get(_url(visit)).content.decode()


@pytest.mark.parametrize(("key", "status"), [("district", 403), ("x_liaison", 404), ("x_chief", 404)])
def test_remove_is_only_for_whoever_may_edit_the_visit(personas, visit, var_dir, key, status):
    (kept,) = services.visit_photos_add(actor=personas.liaison, visit=visit, photos=[photo("留下.jpg", JPEG)])
    client = _as(personas.user(key))
    assert client.get(f"/service/photos/{kept.pk}/remove/").status_code == status
    assert client.post(f"/service/photos/{kept.pk}/remove/").status_code == status
    assert list(visit.photos.all()) == [kept] and Path(kept.file.path).exists()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def test_the_page_reads_in_a_fixed_number_of_queries(personas, visit, var_dir):
    client = _as(personas.liaison)
    client.get("/")  # the session's first request writes its last-seen time
    services.visit_photos_add(actor=personas.liaison, visit=visit, photos=[photo("1.jpg", JPEG)])
    one = _queries(client, _url(visit))
    services.visit_photos_add(actor=personas.liaison, visit=visit, photos=[photo(f"{i}.jpg", JPEG) for i in range(6)])
    # session, user, the visit (with its enterprise and recorder), its photos (with who uploaded them)
    assert _queries(client, _url(visit)) == one == 4
    member = _as(personas.member)  # a chain role's right to edit is read from the visible set: no team query
    member.get("/")
    assert _queries(member, _url(visit)) == 4
    photo_pk = visit.photos.first().pk
    assert _queries(client, f"/service/photos/{photo_pk}/remove/") == 3  # session, user, the photo with its visit
