"""What every phone test checks (390×844): tap targets at least 44 px tall, nothing scrolling sideways, and a
real camera photo drawn by the browser itself."""

TAP = 44  # CSS px: WCAG 2.5.5, Apple's guidelines
TAPPABLE = (
    "main .btn, main .form-control, main .form-select, main .list-group-item a, main .card-table td a, "
    "main .page-link, .cd-topbar .nav-link, .cd-topbar .btn"
)

# Every visible match of a selector shorter than the tap size: [tag, text or name, height].
SMALL_TARGETS = """([selector, size]) => Array.from(document.querySelectorAll(selector)).flatMap((el) => {
  const box = el.getBoundingClientRect();
  const visible = box.width > 1 && box.height > 1 && getComputedStyle(el).visibility !== "hidden";
  if (!visible || box.height >= size) return [];
  return [[el.tagName, (el.name || el.textContent || "").trim().slice(0, 24), Math.round(box.height)]];
})"""

# A real photo as the phone's camera would give it: a JPEG drawn on a canvas by the browser itself.
CAMERA_JPEG = """() => {
  const canvas = document.createElement("canvas");
  canvas.width = 640; canvas.height = 480;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#8fb7d9"; ctx.fillRect(0, 0, 640, 480);
  ctx.fillStyle = "#5b6b3a"; ctx.fillRect(0, 300, 640, 180);
  ctx.fillStyle = "#c9c2b4"; ctx.fillRect(180, 150, 280, 170);
  return canvas.toDataURL("image/jpeg", 0.85).split(",")[1];
}"""


def small_targets(page, selector: str = TAPPABLE) -> list:  # noqa: ANN001
    return page.evaluate(SMALL_TARGETS, [selector, TAP])


def no_sideways_scroll(page) -> None:  # noqa: ANN001
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
