// Builds the dashboard into dist/ (or --outdir DIR): index.html, app.js, app.css, the static
// assets, the web app manifest, its PNG icons (drawn here, see icon()) and the service worker sw.js
// (at the root: its scope is the whole app). The hub serves that folder as static files, so every URL in index.html is relative and
// carries a content hash (?v=...) to defeat stale caches after an upgrade.
//
//   node build.mjs                 production build into dist/
//   node build.mjs --outdir DIR    same, into DIR (e.g. the hub's wwwroot)
//   node build.mjs --watch         rebuild on change (development; not minified)
import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const watch = args.includes("--watch");
const outdirArg = args.indexOf("--outdir");
const outdir = path.resolve(outdirArg >= 0 ? args[outdirArg + 1] ?? "dist" : path.join(root, "dist"));

/** @type {import("esbuild").BuildOptions} */
const options = {
  absWorkingDir: root,
  entryPoints: [
    { in: "src/main.ts", out: "app" },
    { in: "src/styles/app.css", out: "app" },
  ],
  outdir,
  bundle: true,
  format: "iife",
  platform: "browser",
  // Evergreen browsers only: wall screens, phones and the CI's Debian Chromium.
  target: ["chrome109", "firefox115", "safari16"],
  // SC_NO_MINIFY=1: readable function names in a CPU profile (docs/dashboard-benchmark.md).
  minify: !watch && !process.env.SC_NO_MINIFY,
  sourcemap: false,
  legalComments: "none",
  metafile: true,
  logLevel: "info",
  define: { "process.env.NODE_ENV": JSON.stringify(watch ? "development" : "production") },
  plugins: [
    {
      name: "finish",
      setup(build) {
        build.onEnd(async (result) => {
          if (result.errors.length === 0) await finish();
        });
      },
    },
  ],
};

/** Copies the assets and writes index.html with hashed URLs, the icons, the manifest and sw.js. */
async function finish() {
  await cp(path.join(root, "src/assets"), path.join(outdir, "assets"), { recursive: true });
  const icons = { "assets/icon-192.png": icon(192, 0.18), "assets/icon-512.png": icon(512, 0.18), "assets/icon-maskable-512.png": icon(512, 0.3) };
  for (const [name, png] of Object.entries(icons)) await writeFile(path.join(outdir, name), png);
  await cp(path.join(root, "src/manifest.webmanifest"), path.join(outdir, "manifest.webmanifest"));
  const hash = async (file) =>
    createHash("sha256").update(await readFile(path.join(outdir, file))).digest("hex").slice(0, 10);
  const js = `app.js?v=${await hash("app.js")}`;
  const css = `app.css?v=${await hash("app.css")}`;
  const html = (await readFile(path.join(root, "src/index.html"), "utf8")).replace("app.js", js).replace("app.css", css);
  await writeFile(path.join(outdir, "index.html"), html);
  // The offline shell: what index.html needs to start, under the URLs it asks for.
  const shell = ["/index.html", `/${js}`, `/${css}`, "/manifest.webmanifest", "/assets/favicon.svg", ...Object.keys(icons).map((n) => `/${n}`)];
  const version = createHash("sha256").update(html).update(await readFile(path.join(root, "src/sw.js"))).update(JSON.stringify(shell)).digest("hex").slice(0, 10);
  const sw = (await readFile(path.join(root, "src/sw.js"), "utf8")).replace("__VERSION__", version).replace("__SHELL__", JSON.stringify(shell));
  await writeFile(path.join(outdir, "sw.js"), sw);
}

/**
 * The app icon as a PNG, drawn from code (no artwork to license): the theme's dark square with a
 * white house whose door is the alert red. `inset` is the margin as a share of the size — larger for
 * the maskable icon, whose outer 10 % a launcher may cut off.
 */
function icon(size, inset) {
  const rgb = (x, y) => {
    const u = (x + 0.5) / size, v = (y + 0.5) / size;
    const m = inset, w = 1 - 2 * m;
    const px = (u - m) / w, py = (v - m) / w;
    const roof = py >= 0.05 && py < 0.45 && Math.abs(px - 0.5) <= (py - 0.05) * 1.25;
    const wall = py >= 0.45 && py <= 0.95 && px >= 0.15 && px <= 0.85;
    const door = py >= 0.62 && py <= 0.95 && px >= 0.42 && px <= 0.58;
    if (door) return [0xe5, 0x48, 0x4d];
    if (roof || wall) return [0xf0, 0xf6, 0xfc];
    return [0x0d, 0x11, 0x17];
  };
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    const row = y * (size * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) raw.set(rgb(x, y), row + 1 + x * 3);
  }
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

// Remove only what this build writes: --outdir may point into a folder that holds other files.
for (const name of ["index.html", "app.js", "app.css", "assets", "sw.js", "manifest.webmanifest"]) {
  await rm(path.join(outdir, name), { recursive: true, force: true });
}
await mkdir(outdir, { recursive: true });

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
