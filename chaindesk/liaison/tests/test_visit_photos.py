"""Visit photos: taken with a phone's camera, checked by their content like demand attachments
(chaindesk/core/uploads.py: JPEG or PNG only, size-limited, decodable), stored re-encoded (upright, without the
EXIF that holds the GPS position of the enterprise visited) outside the web root under a random name, with a
480 px thumbnail shown to the officials who see the visit and served only to them (404 for anyone else).

Also the visit form's rows added one at a time: any number of issues and next steps (up to forms.MAX_ROWS), and
「添加一条」 without JavaScript (the form comes back with one more row, nothing saved).

On the personas' world: `ent2` is ours, served by `personas.liaison`, never visited; `x_liaison` serves theirs."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from chaindesk.core import uploads
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.liaison import services
from chaindesk.liaison.forms import MAX_ROWS
from chaindesk.liaison.models import Visit, VisitPhoto
from chaindesk.testkit import images

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

JPEG = images.jpeg()  # real images: a photo is decoded and re-encoded before it is stored
PNG = images.png()
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
HTML = b"<html><script>alert(1)</script></html>"


def photo(name: str, data: bytes) -> SimpleUploadedFile:
    # The browser's declared type is never believed: the content decides.
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Photos and thumbnails go to tmp_path/attachments (the fields' storage is built once, with the model:
    replaced too)."""
    settings.VAR_DIR = tmp_path
    for field in ("file", "thumbnail"):
        monkeypatch.setattr(VisitPhoto._meta.get_field(field), "storage", uploads.private_storage())
    return tmp_path


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _visit(personas: Any, *files: SimpleUploadedFile, actor: Any = None) -> Visit:
    return services.visit_create(
        actor=actor or personas.liaison,
        enterprise=personas.ent2,
        visited_on=personas.today,
        notes="现场查看新厂房建设进度。",
        photos=files,
    )


def _stored_files(var_dir: Path) -> list[Path]:
    return [p for p in var_dir.rglob("*") if p.is_file()]


# --- the checks ---------------------------------------------------------------------------------------------


def test_a_jpeg_and_a_png_are_kept_outside_the_web_root_under_random_names(personas, var_dir):
    visit = _visit(personas, photo("IMG_0001.JPG", JPEG), photo("截图.png", PNG))
    jpeg, png = visit.photos.order_by("pk")
    assert [(p.original_name, p.content_type, p.size) for p in (jpeg, png)] == [
        ("IMG_0001.JPG", uploads.JPEG, Path(jpeg.file.path).stat().st_size),
        ("截图.png", uploads.PNG, Path(png.file.path).stat().st_size),
    ]
    assert jpeg.uploaded_by == personas.liaison
    for stored, suffix in ((jpeg, ".jpg"), (png, ".png")):
        path, thumbnail = Path(stored.file.path), Path(stored.thumbnail.path)
        assert path.is_relative_to(var_dir / "attachments" / "visits")  # under VAR_DIR, not the static root
        assert path.suffix == suffix and len(path.stem) == 32  # a random name: the user's is data only
        assert thumbnail.is_relative_to(var_dir / "attachments" / "visits" / "thumbs") and thumbnail.suffix == ".jpg"
    assert sorted(_stored_files(var_dir)) == sorted(Path(f.path) for p in (jpeg, png) for f in (p.file, p.thumbnail))
    created = AuditLog.objects.filter(action=AuditAction.CREATE, object_id__in=[str(jpeg.pk), str(png.pk)])
    assert created.filter(content_type__model="visitphoto").count() == 2  # audited in the same transaction


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("现场.jpg", PDF),  # a document renamed as a photo
        ("现场.jpg", EXE),  # a program renamed as a photo
        ("现场.png", HTML),  # a page renamed as a photo
        ("说明.pdf", PDF),  # a real PDF: a demand attachment, but not a photo
    ],
)
def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_written(personas, var_dir, name, data):
    photos_before = VisitPhoto.objects.count()  # the world's own (ours has one)
    with pytest.raises(ValidationError) as excinfo:
        _visit(personas, photo("IMG_0001.jpg", JPEG), photo(name, data))
    message = excinfo.value.messages[0]
    assert f"文件“{name}”不是照片" in message and "JPEG、PNG" in message
    assert not Visit.objects.filter(enterprise=personas.ent2).exists()  # the whole visit, not just the photo
    assert VisitPhoto.objects.count() == photos_before
    assert _stored_files(var_dir) == []


def test_a_photo_must_carry_its_own_extension(personas, var_dir):
    with pytest.raises(ValidationError) as excinfo:
        _visit(personas, photo("现场.png", JPEG))
    assert "其内容是JPEG 图片，文件扩展名须为 .jpg、.jpeg" in excinfo.value.messages[0]
    assert _stored_files(var_dir) == []


def test_the_size_limit_is_that_of_attachments(personas, var_dir, settings):
    settings.CHAINDESK_ATTACHMENT_MAX_BYTES = len(JPEG) + 50
    with pytest.raises(ValidationError) as excinfo:
        _visit(personas, photo("大图.jpg", JPEG + b"\x00" * 100))
    assert "文件“大图.jpg”超过大小上限" in excinfo.value.messages[0]
    assert not Visit.objects.filter(enterprise=personas.ent2).exists() and _stored_files(var_dir) == []
    visit = _visit(personas, photo("小图.jpg", JPEG))  # under the limit
    assert visit.photos.count() == 1


def test_photos_added_later_follow_the_same_rules(personas, var_dir):
    visit = _visit(personas)
    added = services.visit_photos_add(actor=personas.liaison, visit=visit, photos=[photo("补拍.jpeg", JPEG)])
    assert [p.original_name for p in added] == ["补拍.jpeg"]
    with pytest.raises(PermissionDenied):
        services.visit_photos_add(actor=personas.x_liaison, visit=visit, photos=[photo("别人.jpg", JPEG)])
    with pytest.raises(ValidationError):
        services.visit_photos_add(actor=personas.liaison, visit=visit, photos=[])
    assert visit.photos.count() == 1


# --- what is stored: the picture alone ------------------------------------------------------------------------


def _image(path: str) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


def test_a_phone_photo_is_stored_upright_without_its_exif_and_gps_with_a_thumbnail(personas, var_dir):
    original = images.jpeg((1600, 800), exif=images.phone_exif(6))  # held upright: orientation 6, with GPS
    stored = _visit(personas, photo("IMG_0001.jpg", original)).photos.get()
    image, data = _image(stored.file.path), Path(stored.file.path).read_bytes()
    assert image.format == "JPEG" and image.size == (800, 1600)  # rotated as the phone was held
    assert _near(image.getpixel((400, 200)), images.RED) and _near(image.getpixel((400, 1400)), images.BLUE)
    assert not image.getexif() and not image.getexif().get_ifd(images.GPS_IFD) and "exif" not in image.info
    assert b"Exif" not in data and b"TestPhone" not in data and stored.size == len(data)
    thumbnail = _image(stored.thumbnail.path)
    assert thumbnail.format == "JPEG" and max(thumbnail.size) <= uploads.THUMBNAIL_SIDE
    assert thumbnail.size == (240, 480) and not thumbnail.getexif()


def _near(pixel: Any, colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))


def test_a_fake_jpeg_is_refused_and_nothing_is_stored(personas, var_dir):
    photos_before = VisitPhoto.objects.count()
    with pytest.raises(ValidationError) as excinfo:  # the first photo is fine: the batch goes or nothing does
        _visit(personas, photo("IMG_0001.jpg", JPEG), photo("IMG_0002.jpg", images.FAKE_JPEG))
    assert excinfo.value.messages == [
        "文件“IMG_0002.jpg”无法作为图片读取（文件已损坏或并非真正的 JPEG、PNG 图片），不允许上传。"
    ]
    assert not Visit.objects.filter(enterprise=personas.ent2).exists() and VisitPhoto.objects.count() == photos_before
    visit = _visit(personas)
    with pytest.raises(ValidationError):
        services.visit_photos_add(
            actor=personas.liaison, visit=visit, photos=[photo("补拍.jpg", JPEG), photo("假的.jpg", images.FAKE_JPEG)]
        )
    assert not visit.photos.exists() and _stored_files(var_dir) == []


def test_a_huge_png_is_refused_as_a_decompression_bomb(personas, var_dir):
    with pytest.raises(ValidationError) as excinfo:
        _visit(personas, photo("全景.png", images.png_declaring(20_000, 20_000)))
    assert excinfo.value.error_list[0].code == "image_pixels"
    assert "文件“全景.png”的图片尺寸过大" in excinfo.value.messages[0]
    assert not Visit.objects.filter(enterprise=personas.ent2).exists() and _stored_files(var_dir) == []


# --- the pages ------------------------------------------------------------------------------------------------


def test_the_photo_is_served_only_to_officials_who_see_the_visit(personas, var_dir):
    visit = _visit(personas, photo("IMG_0001.jpg", JPEG))
    url = f"/service/photos/{visit.photos.get().pk}/"
    response = _as(personas.liaison).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(visit.photos.get().file.path).read_bytes()
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith('inline; filename="IMG_0001.jpg"')
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert _as(personas.member).get(url).status_code == 200  # the chain's team sees the visit too
    # Another liaison, another chain's chief: the same answer as a photo that does not exist.
    assert _as(personas.x_liaison).get(url).status_code == 404
    assert _as(personas.x_chief).get(url).status_code == 404
    assert _as(personas.liaison).get("/service/photos/999999/").status_code == 404
    # The enterprise's own user never reads the visit's internal material.
    assert _as(personas.ent_user).get(url).status_code in (403, 404)
    assert Client().get(url).status_code == 302  # to the login


def test_the_thumbnail_is_served_behind_the_same_check_and_an_older_photo_stands_in_for_its_own(personas, var_dir):
    stored = _visit(personas, photo("IMG_0001.jpg", images.jpeg((1600, 800)))).photos.get()
    url = f"/service/photos/{stored.pk}/?thumb=1"
    response = _as(personas.liaison).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == Path(stored.thumbnail.path).read_bytes()
    assert response["Content-Disposition"].startswith('inline; filename="IMG_0001.jpg"')
    assert response["Cache-Control"] == "private, no-store" and "sandbox" in response["Content-Security-Policy"]
    for key in ("x_liaison", "x_chief"):  # out of scope: as for a photo that does not exist
        assert _as(personas.user(key)).get(url).status_code == 404
    assert _as(personas.ent_user).get(url).status_code in (403, 404)
    assert Client().get(url).status_code == 302
    # A photo stored before thumbnails were made has none: the photo itself is shown.
    VisitPhoto.objects.filter(pk=stored.pk).update(thumbnail="")
    response = _as(personas.liaison).get(url)
    assert b"".join(response.streaming_content) == Path(stored.file.path).read_bytes()


def test_thumbnails_on_the_visit_list_and_the_timeline_for_officials_only(personas, var_dir):
    visit = _visit(personas, photo("a.jpg", JPEG), photo("b.png", PNG))
    first, second = visit.photos.order_by("pk").values_list("pk", flat=True)
    ent2 = personas.ent2
    visits = _as(personas.liaison).get(f"/service/enterprises/{ent2.pk}/visits/").content.decode()
    assert visits.index(f'src="/service/photos/{first}/?thumb=1"') < visits.index(
        f'src="/service/photos/{second}/?thumb=1"'
    )
    assert f'href="/service/photos/{first}/"' in visits  # a tap opens the photo itself
    timeline = _as(personas.liaison).get(f"/service/enterprises/{ent2.pk}/timeline/").content.decode()
    assert (
        f'src="/service/photos/{first}/?thumb=1"' in timeline and f'src="/service/photos/{second}/?thumb=1"' in timeline
    )
    # An enterprise user of ours sees the visit's date and kind, not its photos.
    ours = personas.ours.enterprise
    _own = services.visit_create(
        actor=personas.liaison,
        enterprise=ours,
        visited_on=personas.today,
        notes="内部记录",
        photos=[photo("c.jpg", JPEG)],
    )
    own = _as(personas.ent_user).get(f"/service/enterprises/{ours.pk}/visits/").content.decode()
    assert "/service/photos/" not in own and "现场照片仅服务人员可见" in own


def test_the_visit_form_takes_photos_from_the_camera(personas, var_dir):
    ent2, today = personas.ent2, personas.today
    client = _as(personas.liaison)
    url = f"/service/enterprises/{ent2.pk}/visits/new/"
    page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'accept="image/*"' in page and 'capture="environment"' in page and "multiple" in page
    data = {"visited_on": today.isoformat(), "kind": "visit", "notes": "走访了解扩产计划"}
    response = client.post(url, {**data, "photos": [photo("IMG_1.jpg", JPEG), photo("IMG_2.png", PNG)]})
    assert response.status_code == 302
    assert sorted(Visit.objects.get(enterprise=ent2).photos.values_list("original_name", flat=True)) == [
        "IMG_1.jpg",
        "IMG_2.png",
    ]


def test_the_visit_form_refuses_a_non_photo_next_to_the_field(personas, var_dir):
    ent2, today = personas.ent2, personas.today
    data = {"visited_on": today.isoformat(), "kind": "visit", "notes": "走访了解扩产计划", "issue_1": "用电增容"}
    response = _as(personas.liaison).post(
        f"/service/enterprises/{ent2.pk}/visits/new/", {**data, "photos": [photo("合同.jpg", PDF)]}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "文件“合同.jpg”不是照片" in page and 'href="#id_photos"' in page  # on the photos field
    assert "用电增容" in page  # what was typed is kept
    assert not Visit.objects.filter(enterprise=ent2).exists() and _stored_files(var_dir) == []


# --- rows added one at a time -----------------------------------------------------------------------------------


def test_the_form_starts_with_one_row_of_each_and_a_blank_row_to_copy(personas):
    page = _as(personas.liaison).get(f"/service/enterprises/{personas.ent2.pk}/visits/new/").content.decode()
    assert 'name="issue_1"' in page and 'name="issue_2"' not in page
    assert 'name="step_text_1"' in page and 'name="step_text_2"' not in page
    assert page.count("<template data-row-template>") == 2 and 'name="issue___n__"' in page
    assert page.count('data-testid="add-issue"') == page.count('data-testid="add-step"') == 1
    assert "按住 Ctrl" in page and "cd-desktop-only" in page  # the keyboard hint is hidden on a phone


def test_any_number_of_rows_is_saved_in_order(personas):
    ent2, today, liaison = personas.ent2, personas.today, personas.liaison
    data: dict[str, Any] = {"visited_on": today.isoformat(), "kind": "visit", "notes": "座谈"}
    data.update({f"issue_{i}": f"问题{i}" for i in range(1, 6)})
    data.update({"issue_3": "", "step_text_4": "报送材料", "step_owner_4": liaison.pk})
    data["step_due_4"] = (today + dt.timedelta(days=5)).isoformat()
    response = _as(liaison).post(f"/service/enterprises/{ent2.pk}/visits/new/", data)
    assert response.status_code == 302
    visit = Visit.objects.get(enterprise=ent2)
    assert list(visit.issues.values_list("text", flat=True)) == ["问题1", "问题2", "问题4", "问题5"]
    assert list(visit.next_steps.values_list("text", flat=True)) == ["报送材料"]


def test_rows_beyond_the_maximum_are_not_offered(personas):
    data = {f"issue_{i}": "x" for i in range(1, MAX_ROWS + 5)}
    page = _as(personas.liaison).post(
        f"/service/enterprises/{personas.ent2.pk}/visits/new/", {**data, "add_row": "issue"}
    )
    html = page.content.decode()
    assert f'name="issue_{MAX_ROWS}"' in html and f'name="issue_{MAX_ROWS + 1}"' not in html
    assert 'data-testid="add-issue"' not in html


def test_add_a_row_without_javascript_keeps_what_was_typed_and_saves_nothing(personas):
    ent2, today, member = personas.ent2, personas.today, personas.member
    data = {
        "visited_on": today.isoformat(),
        "kind": "site",
        "notes": "",  # not filled in yet: no error shown, nothing checked
        "participants": [member.pk],
        "issue_1": "用地指标",
        "step_text_1": "对接自然资源局",
        "add_row": "issue",
    }
    response = _as(personas.liaison).post(f"/service/enterprises/{ent2.pk}/visits/new/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="issue_2"' in html and 'name="issue_3"' not in html and 'name="step_text_2"' not in html
    assert "用地指标" in html and "对接自然资源局" in html and f'value="{member.pk}" selected' in html
    assert 'data-testid="form-errors"' not in html
    assert not Visit.objects.filter(enterprise=ent2).exists()
