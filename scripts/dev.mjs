// `npm run dev`: the API on :3000 restarting on change, and the Next dev server on :3001 calling it.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const children = [
  spawn(process.execPath, ["--import", "tsx", "--watch", "apps/server/src/main.ts"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, CORS_ORIGIN: "http://localhost:3001", PUBLIC_URL: "http://localhost:3000" },
  }),
  spawn("npm", ["run", "dev", "-w", "@rapidphoto/web"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_PUBLIC_API_URL: "http://localhost:3000" },
  }),
];
const stop = (signal) => {
  for (const c of children) c.kill(signal);
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
for (const c of children)
  c.on("exit", (code) => {
    stop("SIGTERM");
    process.exitCode = code ?? 0;
  });
