// Copies the front-end packages installed from the npm registry into build/static/vendor,
// where Django's staticfiles finds them. No CDN: the product works offline.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

const out = "build/static/vendor";
const files = {
  "@tabler/core/dist/css/tabler.min.css": "tabler/tabler.min.css",
  "@tabler/core/dist/js/tabler.min.js": "tabler/tabler.min.js",
  "@tabler/icons-webfont/dist/tabler-icons.min.css": "tabler-icons/tabler-icons.min.css",
  "@tabler/icons-webfont/dist/fonts/tabler-icons.woff2": "tabler-icons/fonts/tabler-icons.woff2",
  "@tabler/icons-webfont/dist/fonts/tabler-icons.woff": "tabler-icons/fonts/tabler-icons.woff",
  "@tabler/icons-webfont/dist/fonts/tabler-icons.ttf": "tabler-icons/fonts/tabler-icons.ttf",
  "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
  "echarts/dist/echarts.min.js": "echarts/echarts.min.js",
};
rmSync(out, { recursive: true, force: true });
for (const [src, dest] of Object.entries(files)) {
  const target = join(out, dest);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join("node_modules", src), target);
}
console.log(`static vendor files copied to ${out}`);
