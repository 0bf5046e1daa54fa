// Builds the dashboard into dist/ (or --outdir DIR): index.html, app.js, app.css and the static
// assets. The hub serves that folder as static files, so every URL in index.html is relative and
// carries a content hash (?v=...) to defeat stale caches after an upgrade.
//
//   node build.mjs                 production build into dist/
//   node build.mjs --outdir DIR    same, into DIR (e.g. the hub's wwwroot)
//   node build.mjs --watch         rebuild on change (development; not minified)
import { createHash } from "node:crypto";
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

/** Copies the assets and writes index.html with hashed URLs. */
async function finish() {
  await cp(path.join(root, "src/assets"), path.join(outdir, "assets"), { recursive: true });
  const hash = async (file) =>
    createHash("sha256").update(await readFile(path.join(outdir, file))).digest("hex").slice(0, 10);
  const html = (await readFile(path.join(root, "src/index.html"), "utf8"))
    .replace("app.js", `app.js?v=${await hash("app.js")}`)
    .replace("app.css", `app.css?v=${await hash("app.css")}`);
  await writeFile(path.join(outdir, "index.html"), html);
}

// Remove only what this build writes: --outdir may point into a folder that holds other files.
for (const name of ["index.html", "app.js", "app.css", "assets"]) {
  await rm(path.join(outdir, name), { recursive: true, force: true });
}
await mkdir(outdir, { recursive: true });

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
