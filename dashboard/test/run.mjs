// `npm test`: bundles each test/*.test.mjs (which import the TypeScript sources) with esbuild and
// runs the bundles with Node's built-in test runner. No test framework to install.
import { spawnSync } from "node:child_process";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "..", "node_modules", ".cache", "dashboard-tests");
const entries = (await readdir(here)).filter((f) => f.endsWith(".test.mjs")).map((f) => path.join(here, f));

await rm(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: entries,
  outdir: out,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
});
const bundles = entries.map((e) => path.join(out, path.basename(e)));
const result = spawnSync(process.execPath, ["--test", ...bundles], { stdio: "inherit" });
process.exit(result.status ?? 1);
