"""Photos re-encoded before they are stored (chaindesk/core/uploads.py `clean_image`, `image_thumbnail`,
`clean_photos`): a phone's EXIF (GPS position, device) is gone, the photo is upright and at most 2560 px, its
thumbnail a 480 px JPEG; what only looks like an image (a JPEG's magic bytes then garbage, a truncated JPEG) and
a decompression bomb are refused with a Chinese message naming the file. The images are built in the tests
(chaindesk/testkit/images.py); nothing here touches the database."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

from chaindesk.core import uploads
from chaindesk.testkit import images


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _near(pixel: object, colour: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))


def test_a_phone_jpeg_loses_its_exif_gps_xmp_and_comment_and_is_stored_upright():
    original = images.jpeg((800, 400), exif=images.phone_exif(6), comment=b"IMG_0001", xmp=b"<x:xmpmeta/>")
    assert _open(original).getexif().get_ifd(images.GPS_IFD)  # the test's photo does carry a position
    data, content_type = uploads.clean_image(original, name="IMG_0001.jpg", content_type=uploads.JPEG)
    assert content_type == uploads.JPEG
    cleaned = _open(data)
    assert cleaned.format == "JPEG" and cleaned.size == (400, 800)  # orientation 6 applied: now portrait
    assert not cleaned.getexif() and not cleaned.getexif().get_ifd(images.GPS_IFD)
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(cleaned.info)
    assert b"Exif" not in data and b"TestPhone" not in data and b"xmpmeta" not in data and b"IMG_0001" not in data
    # Held upright, the red (left) half of the sensor's picture is on top.
    assert _near(cleaned.getpixel((200, 100)), images.RED) and _near(cleaned.getpixel((200, 700)), images.BLUE)


def test_the_longer_side_is_capped_and_a_small_photo_is_not_enlarged():
    data, _ = uploads.clean_image(images.jpeg((6000, 3000)))
    assert _open(data).size == (uploads.IMAGE_MAX_SIDE, uploads.IMAGE_MAX_SIDE // 2)
    data, _ = uploads.clean_image(images.jpeg((640, 480)))
    assert _open(data).size == (640, 480)


def test_a_png_stays_a_lossless_png_without_its_metadata():
    for mode in ("RGB", "RGBA", "P", "L"):
        data, content_type = uploads.clean_image(images.png((300, 200), mode), name="截图.png")
        cleaned = _open(data)
        assert content_type == uploads.PNG and cleaned.format == "PNG" and cleaned.size == (300, 200), mode
        assert "exif" not in cleaned.info and not cleaned.getexif(), mode


def test_a_colour_profile_is_applied_to_the_pixels_of_a_jpeg_then_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data, _ = uploads.clean_image(images.jpeg((100, 50), icc_profile=srgb))
    cleaned = _open(data)
    assert "icc_profile" not in cleaned.info and _near(cleaned.getpixel((10, 10)), images.RED)


def test_the_thumbnail_is_a_small_upright_jpeg_without_metadata():
    original = images.jpeg((1600, 800), exif=images.phone_exif(6))
    thumbnail = _open(uploads.image_thumbnail(original, name="IMG_0001.jpg"))
    assert thumbnail.format == "JPEG" and thumbnail.size == (240, 480) and not thumbnail.getexif()
    assert max(_open(uploads.image_thumbnail(images.png((300, 200), "RGBA"))).size) == 300  # never enlarged
    assert uploads.thumbnail_name("IMG_0001.png") == "IMG_0001.jpg"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("现场.jpg", images.FAKE_JPEG),  # a JPEG's magic bytes, then garbage
        ("现场.jpg", images.jpeg((800, 400))[:600]),  # a real JPEG cut short
        ("截图.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # a PNG's signature, then nothing of a PNG
    ],
)
def test_what_pillow_cannot_decode_is_refused_as_not_a_photo(name, data):
    with pytest.raises(ValidationError) as excinfo:
        uploads.clean_image(data, name=name)
    assert excinfo.value.code == "bad_type" and "bad_type" in uploads.ERROR_CODES
    assert excinfo.value.messages == [
        f"文件“{name}”无法作为图片读取（文件已损坏或并非真正的 JPEG、PNG 图片），不允许上传。"
    ]
    with pytest.raises(ValidationError):
        uploads.image_thumbnail(data, name=name)


@pytest.mark.parametrize(
    "size",
    [
        (9000, 9000),  # 81 megapixels: over our limit, under Pillow's own error threshold
        (30000, 30000),  # 900 megapixels: Pillow's DecompressionBombError itself
    ],
)
def test_a_decompression_bomb_is_refused_before_it_is_decoded(size):
    with pytest.raises(ValidationError) as excinfo:
        uploads.clean_image(images.png_declaring(*size), name="炸弹.png")
    assert excinfo.value.code == "image_pixels" and "image_pixels" in uploads.ERROR_CODES
    assert excinfo.value.messages == ["文件“炸弹.png”的图片尺寸过大（超过 6400 万像素，疑似图片炸弹），不允许上传。"]


def test_the_pixel_limit_is_a_setting(settings):
    settings.CHAINDESK_IMAGE_MAX_PIXELS = 100 * 100
    assert uploads.clean_image(images.png((100, 100)))[1] == uploads.PNG
    with pytest.raises(ValidationError) as excinfo:
        uploads.clean_image(images.png((101, 100)), name="大图.png")
    assert "超过 1 万像素" in excinfo.value.messages[0]


def test_clean_photos_checks_and_cleans_a_whole_batch_or_refuses_it():
    files = [
        SimpleUploadedFile("IMG_0001.JPG", images.jpeg(exif=images.phone_exif(6))),
        SimpleUploadedFile("截图.png", images.png()),
    ]
    jpeg, png = uploads.clean_photos(files)
    assert (jpeg.name, jpeg.content_type, png.name, png.content_type) == (
        "IMG_0001.JPG",
        uploads.JPEG,
        "截图.png",
        uploads.PNG,
    )
    assert jpeg.size == len(jpeg.data) and _open(jpeg.data).size == (40, 80) and _open(jpeg.thumbnail).format == "JPEG"
    assert (
        jpeg.file().name.endswith(".jpg")
        and png.file().name.endswith(".png")
        and png.thumbnail_file().name.endswith(".jpg")
    )
    assert len({jpeg.file().name, jpeg.thumbnail_file().name}) == 2  # random names, never the user's
    with pytest.raises(ValidationError) as excinfo:
        uploads.clean_photos([*files, SimpleUploadedFile("假的.jpg", images.FAKE_JPEG)])
    assert "文件“假的.jpg”无法作为图片读取" in excinfo.value.messages[0]
