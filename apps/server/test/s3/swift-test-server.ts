import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { S3Client } from "@aws-sdk/client-s3";
import { freePorts } from "../../testing/free-ports.js";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("../../../../scripts/s3-test-server.sh", import.meta.url));
// A fresh machine installs the packages first (apt-get update + install), which takes a while.
const START_TIMEOUT_MS = 300_000;

/** A running Swift + s3api from scripts/s3-test-server.sh, private to one test file. */
export type SwiftTestServer = {
  endpoint: string;
  region: "us-east-1";
  accessKeyId: "test:tester";
  secretAccessKey: "testing";
  stop(): Promise<void>;
};

export class SwiftUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SwiftUnavailableError";
  }
}

/** Starts Swift in a temp directory on free ports. Throws SwiftUnavailableError with the script's output. */
export async function startSwiftTestServer(): Promise<SwiftTestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), "rapidphoto-s3-"));
  const [proxy, account, container, object, memcached] = await freePorts(5);
  const env = {
    ...process.env,
    S3_TEST_DIR: dir,
    S3_TEST_PORT: String(proxy),
    S3_TEST_ACCOUNT_PORT: String(account),
    S3_TEST_CONTAINER_PORT: String(container),
    S3_TEST_OBJECT_PORT: String(object),
    S3_TEST_MEMCACHED_PORT: String(memcached),
  };
  const script = (command: "start" | "stop") => run("bash", [SCRIPT, command], { env, timeout: START_TIMEOUT_MS });
  const stop = async () => {
    await script("stop").catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const { stdout } = await script("start");
    const endpoint = stdout.trim().split("\n").at(-1) ?? "";
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(endpoint)) throw new Error(`unexpected output: ${stdout}`);
    return { endpoint, region: "us-east-1", accessKeyId: "test:tester", secretAccessKey: "testing", stop };
  } catch (err) {
    await stop();
    const output = err as { stderr?: string; message?: string };
    throw new SwiftUnavailableError(`Could not start the S3 test server: ${output.stderr || output.message}`, {
      cause: err,
    });
  }
}

/** A client for the Swift test server's s3api. */
export function swiftClient(swift: SwiftTestServer): S3Client {
  return new S3Client({
    endpoint: swift.endpoint,
    region: swift.region,
    forcePathStyle: true,
    credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey },
  });
}

/** The environment that points the server's storage at `bucket` on the Swift test server. */
export function swiftStorageEnv(swift: SwiftTestServer, bucket: string): Record<string, string> {
  return {
    S3_BUCKET: bucket,
    S3_ENDPOINT: swift.endpoint,
    S3_REGION: swift.region,
    S3_ACCESS_KEY_ID: swift.accessKeyId,
    S3_SECRET_ACCESS_KEY: swift.secretAccessKey,
    S3_FORCE_PATH_STYLE: "true",
  };
}
