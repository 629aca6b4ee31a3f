import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    /** Carried in every token; bumped by "sign out everywhere", which makes every older token invalid. */
    tokenVersion: integer("token_version").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email)],
);

export const uploadJobs = pgTable(
  "upload_jobs",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    status: text("status").notNull(),
    /** Bumped on every change to the job or one of its photos; clients use gaps to refetch. */
    seq: integer("seq").notNull().default(0),
    totalCount: integer("total_count").notNull(),
    queuedCount: integer("queued_count").notNull().default(0),
    uploadingCount: integer("uploading_count").notNull().default(0),
    processingCount: integer("processing_count").notNull().default(0),
    completedCount: integer("completed_count").notNull().default(0),
    failedCount: integer("failed_count").notNull().default(0),
    cancelledCount: integer("cancelled_count").notNull().default(0),
    totalBytes: bigint("total_bytes", { mode: "number" }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("upload_jobs_user_recent_idx").on(t.userId, t.updatedAt.desc())],
);

export const photos = pgTable(
  "photos",
  {
    id: text("id").primaryKey(),
    jobId: text("job_id")
      .notNull()
      .references(() => uploadJobs.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    clientId: text("client_id"),
    /** Position in the job as the client listed it, so queries return the same order. */
    position: integer("position").notNull(),
    filename: text("filename").notNull(),
    mimeType: text("mime_type").notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    status: text("status").notNull(),
    storageKey: text("storage_key").notNull(),
    uploadMethod: text("upload_method").notNull(),
    uploadId: text("upload_id"),
    partSize: integer("part_size"),
    bytesSent: bigint("bytes_sent", { mode: "number" }).notNull().default(0),
    /** SHA-256 (hex) of the stored original, computed by the worker. */
    checksum: text("checksum"),
    /** SHA-256 (hex) the client declared at job creation; the worker fails the photo if the bytes differ. */
    declaredSha256: text("declared_sha256"),
    /**
     * Until when a client is known to be sending this photo's bytes: renewed by its progress and
     * sign calls. A photo awaiting bytes past it is reported as waiting for its file.
     */
    senderLeaseUntil: timestamp("sender_lease_until", { withTimezone: true, mode: "date" }),
    width: integer("width"),
    height: integer("height"),
    takenAt: timestamp("taken_at", { withTimezone: true, mode: "date" }),
    exif: jsonb("exif").$type<Record<string, unknown>>(),
    thumbSmallKey: text("thumb_small_key"),
    thumbLargeKey: text("thumb_large_key"),
    errorMessage: text("error_message"),
    /** Processing lease: a worker owns the photo until the lease expires (crash → taken again). */
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true, mode: "date" }),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, mode: "date" }),
    /** Set while the photo is in Trash; null in the library. */
    trashedAt: timestamp("trashed_at", { withTimezone: true, mode: "date" }),
    /**
     * Set when "delete forever" began: its objects are being removed, then the row. A purge that
     * storage interrupted leaves this set, so the photo can no longer be restored and a retry (or the
     * sweep) finishes the job.
     */
    purgingSince: timestamp("purging_since", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("photos_job_idx").on(t.jobId, t.position),
    index("photos_user_recent_idx").on(t.userId, t.createdAt.desc(), t.id.desc()),
    // Trash pages and the retention sweep read only trashed photos.
    index("photos_trash_idx").on(t.trashedAt).where(sql`trashed_at IS NOT NULL`),
    // Dedupe looks up one user's photos by content hash (verified or declared).
    index("photos_user_checksum_idx").on(t.userId, t.checksum).where(sql`checksum IS NOT NULL`),
    index("photos_user_declared_sha256_idx").on(t.userId, t.declaredSha256).where(sql`declared_sha256 IS NOT NULL`),
    // The duplicate-size check (POST /queries/duplicate-sizes) looks up one user's photos by size.
    index("photos_user_bytes_idx").on(t.userId, t.bytes),
    // Only photos waiting for a worker are in this index, so claiming stays cheap as the library grows.
    index("photos_processing_queue_idx").on(t.nextAttemptAt).where(sql`status = 'PROCESSING'`),
    // The lease-lapse sweep reads only held leases of photos waiting for bytes (a cleared one is out).
    index("photos_sender_lease_idx")
      .on(t.senderLeaseUntil)
      .where(sql`status in ('QUEUED', 'UPLOADING') and sender_lease_until is not null`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type JobRow = typeof uploadJobs.$inferSelect;
export type PhotoRow = typeof photos.$inferSelect;
