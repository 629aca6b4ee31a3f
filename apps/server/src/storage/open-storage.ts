import type { Config } from "../config/config.js";
import { createDiskStorage, type DiskStorage } from "./disk-storage.js";
import type { ObjectStorage } from "./storage.js";

// Abandoned multipart uploads on disk are swept after a day, checked hourly (S3 uses a lifecycle rule).
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/** The configured object store: S3 when S3_BUCKET is set, otherwise disk under DATA_DIR. */
export async function openStorage(
  config: Config,
  secret: Buffer,
  logger: { info(o: object, m?: string): void; error(o: object, m?: string): void },
): Promise<{ storage: ObjectStorage; disk: DiskStorage | null }> {
  if (config.s3) {
    const { createS3Storage } = await import("./s3-storage.js");
    const storage = createS3Storage(config.s3);
    return { storage, disk: null };
  }
  const disk = createDiskStorage({
    rootDir: config.dataDir, // the adapter keeps objects/, multipart/, meta/ and tmp/ under it
    publicUrl: config.publicUrl,
    secret,
    logger,
  });
  disk.startSweeper(SWEEP_INTERVAL_MS, ABANDONED_AFTER_MS);
  return { storage: disk, disk };
}
