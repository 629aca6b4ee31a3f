// `npm test`: lint, typecheck, build the web export if stale, then every test suite.
// Every step runs even if an earlier one failed, so one run shows all that is wrong.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules/.bin", name);

const steps = [
  ["lint", bin("biome"), ["check", "."]],
  ["typecheck", "npm", ["run", "--silent", "typecheck"]],
  ["web build", process.execPath, ["scripts/build-web.mjs"]],
  ["tests", bin("vitest"), ["run", ...process.argv.slice(2)]],
];

const failed = [];
for (const [name, cmd, args] of steps) {
  process.stdout.write(`\n=== ${name}\n`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, FORCE_COLOR: "0" } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) failed.push(name);
  process.stdout.write(`=== ${name}: ${result.status === 0 ? "ok" : "FAILED"} (${seconds} s)\n`);
}
if (failed.length) {
  process.stdout.write(`\nFailed steps: ${failed.join(", ")}\n`);
  process.exit(1);
}
