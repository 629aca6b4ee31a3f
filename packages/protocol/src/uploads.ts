import { z } from "zod";
import { ErrorBody } from "./errors.js";
import {
  ACCEPTED_MIME_TYPES,
  MAX_FILE_BYTES,
  MAX_FILENAME_BYTES,
  MAX_FILES_PER_JOB,
  MAX_FINALIZE_BATCH,
  MAX_PARTS,
  MAX_PARTS_PER_SIGN_REQUEST,
  MAX_PROGRESS_UPDATES,
  PARTS_SIGNED_WITH_ITEM,
} from "./limits.js";
import { JobStatus, PhotoStatus } from "./statuses.js";

export const JobId = z.string().regex(/^job_[A-Za-z0-9]{8,40}$/, { message: "Not a job id." });
export const PhotoId = z.string().regex(/^ph_[A-Za-z0-9]{8,40}$/, { message: "Not a photo id." });

/** A command's photos: 1 to `max` ids, each at most once. */
export const uniquePhotoIds = (max: number) =>
  z
    .array(PhotoId)
    .min(1)
    .max(max)
    .refine((ids) => new Set(ids).size === ids.length, { message: "Each photo at most once." });

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/**
 * Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder
 * what a person sees, so "\u202Egpj.exe" displays as "exe.jpg". Marks (U+200E/F) only nudge
 * neutral characters and stay allowed: real right-to-left names use them.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const Filename = z
  .string()
  .min(1, { message: "A file name is required." })
  .refine((s) => utf8Length(s) <= MAX_FILENAME_BYTES, {
    message: `A file name may be at most ${MAX_FILENAME_BYTES} bytes.`,
  })
  .refine((s) => !/[/\\]/.test(s), { message: "A file name may not contain / or \\." })
  .refine((s) => !CONTROL_CHARS.test(s), { message: "A file name may not contain control characters." })
  .refine((s) => !BIDI_CONTROLS.test(s), {
    message: "A file name may not contain bidirectional control characters (they disguise the real name).",
  })
  // A lone UTF-16 surrogate cannot be stored as UTF-8 (it would turn into U+FFFD on the way).
  .refine((s) => !LONE_SURROGATE.test(s), { message: "A file name may not contain unpaired surrogate characters." })
  .refine((s) => s.trim().length > 0 && s !== "." && s !== "..", { message: "That is not a usable file name." });

export const MimeType = z.enum(ACCEPTED_MIME_TYPES, {
  message: `Only images can be uploaded (${ACCEPTED_MIME_TYPES.join(", ")}).`,
});

export const FileBytes = z
  .number({ message: "bytes must be a number." })
  .int({ message: "bytes must be a whole number." })
  .positive({ message: "bytes must be greater than 0." })
  .max(MAX_FILE_BYTES, { message: "A file may be at most 5 GiB." });

/** A SHA-256 digest as 64 lowercase hex characters. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { message: "sha256 must be 64 lowercase hex characters." });

export const NewFile = z.object({
  filename: Filename,
  mimeType: MimeType,
  bytes: FileBytes,
  clientId: z.string().min(1).max(128).optional(),
  /**
   * The file's SHA-256, when the client knows it. A file whose hash matches a photo already in the
   * caller's library is not uploaded (see `CreateJobResponse.duplicates`); the worker checks the
   * declared hash against the bytes it receives and fails the photo on a mismatch.
   */
  sha256: Sha256Hex.optional(),
});
export type NewFile = z.infer<typeof NewFile>;

export const CreateJobRequest = z.object({
  files: z
    .array(NewFile)
    .min(1, { message: "Add at least one file." })
    .max(MAX_FILES_PER_JOB, { message: `At most ${MAX_FILES_PER_JOB} files per upload.` })
    .superRefine((files, ctx) => {
      // Items are matched back to files by clientId: two files with one id would get each other's URLs.
      const seen = new Map<string, number>();
      files.forEach((file, index) => {
        if (file.clientId === undefined) return;
        const first = seen.get(file.clientId);
        if (first === undefined) seen.set(file.clientId, index);
        else
          ctx.addIssue({
            code: "custom",
            path: [index, "clientId"],
            message: `clientId ${JSON.stringify(file.clientId)} is already used by file ${first}.`,
          });
      });
    }),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

export const UploadMethod = z.enum(["PUT", "MULTIPART"]);
export type UploadMethod = z.infer<typeof UploadMethod>;

export const UploadedPart = z.object({
  partNumber: z.number().int().min(1).max(MAX_PARTS),
  etag: z.string().min(1).max(200),
});
export type UploadedPart = z.infer<typeof UploadedPart>;

export const SignedPart = z.object({ partNumber: z.number().int(), url: z.string(), expiresAt: z.string() });
export type SignedPart = z.infer<typeof SignedPart>;

export const UploadItem = z.object({
  photoId: PhotoId,
  clientId: z.string().nullable(),
  method: UploadMethod,
  url: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  expiresAt: z.string().optional(),
  multipart: z
    .object({
      uploadId: z.string(),
      partSize: z.number().int().positive(),
      partCount: z.number().int().positive(),
      /** Parts already in storage (on retry), so only missing parts are sent again. */
      uploadedParts: z.array(UploadedPart).optional(),
      /**
       * URLs for the first parts still to send (at most PARTS_SIGNED_WITH_ITEM), signed with the
       * item so the file starts without asking for them; any other part is signed with `sign-parts`.
       */
      signedParts: z.array(SignedPart).max(PARTS_SIGNED_WITH_ITEM).optional(),
    })
    .optional(),
});
export type UploadItem = z.infer<typeof UploadItem>;

/** A file of the request that is already in the caller's library: no photo is created, no URL issued. */
export const DuplicateFile = z.object({
  /** The file's position in the request. */
  index: z.number().int().min(0),
  clientId: z.string().nullable(),
  /** The photo that already holds these bytes (or, for a repeat inside one request, the first copy's new photo). */
  photoId: PhotoId,
  status: PhotoStatus,
  /** The photo is in Trash: restore it instead of uploading it again. */
  inTrash: z.boolean(),
});
export type DuplicateFile = z.infer<typeof DuplicateFile>;

/**
 * The `seq` of a job as its create leaves it (its one job message so far). A client that answers a
 * create holds the job at this `seq`: every change after it bumps the `seq` and is pushed.
 */
export const NEW_JOB_SEQ = 1;

/**
 * Which file sizes could be duplicates: the sizes of the caller's photos that job creation answers
 * duplicates with (see `CreateJobResponse.duplicates`). Two files can only have equal content if
 * they have equal sizes, so a client hashes only the files whose size is among these (or shared by
 * another file it holds): new photos, the common case, then cost no hashing. Distinct sizes, at most
 * MAX_FILES_PER_JOB per request.
 */
export const DuplicateSizesRequest = z.object({
  bytes: z
    .array(FileBytes)
    .min(1, { message: "Ask for at least one size." })
    .max(MAX_FILES_PER_JOB, { message: `At most ${MAX_FILES_PER_JOB} sizes per request.` }),
});
export type DuplicateSizesRequest = z.infer<typeof DuplicateSizesRequest>;

/** The asked sizes that some photo of the caller's (one a duplicate could be answered with) has. */
export const DuplicateSizesResponse = z.object({ bytes: z.array(FileBytes) });
export type DuplicateSizesResponse = z.infer<typeof DuplicateSizesResponse>;

export const CreateJobResponse = z.object({
  /** Null when every file was a duplicate: no job is created then. */
  jobId: JobId.nullable(),
  items: z.array(UploadItem),
  /** Files not uploaded because their sha256 is already in the caller's library. */
  duplicates: z.array(DuplicateFile),
});
export type CreateJobResponse = z.infer<typeof CreateJobResponse>;

export const SignPartsRequest = z.object({
  partNumbers: z
    .array(z.number().int().min(1).max(MAX_PARTS))
    .min(1)
    .max(MAX_PARTS_PER_SIGN_REQUEST)
    .refine((a) => new Set(a).size === a.length, { message: "Part numbers must be unique." }),
});
export type SignPartsRequest = z.infer<typeof SignPartsRequest>;

export const SignPartsResponse = z.object({ urls: z.array(SignedPart) });
export type SignPartsResponse = z.infer<typeof SignPartsResponse>;

export const FinalizeRequest = z.object({
  uploadId: z.string().min(1).optional(),
  parts: z
    .array(UploadedPart)
    .min(1)
    .max(MAX_PARTS)
    .refine((a) => new Set(a.map((p) => p.partNumber)).size === a.length, { message: "Part numbers must be unique." })
    .optional(),
});
export type FinalizeRequest = z.infer<typeof FinalizeRequest>;

export const FinalizeResponse = z.object({ photoId: PhotoId, status: PhotoStatus });
export type FinalizeResponse = z.infer<typeof FinalizeResponse>;

/**
 * Finalize of several single-PUT photos in one request (multipart photos carry their parts and are
 * finalized one by one). Each photo is finalized exactly as on its own.
 */
export const FinalizeManyRequest = z.object({ photoIds: uniquePhotoIds(MAX_FINALIZE_BATCH) });
export type FinalizeManyRequest = z.infer<typeof FinalizeManyRequest>;

/** One photo's refusal in a finalize of many: what finalizing it alone would have answered. */
export const FinalizeRefusal = z.object({
  photoId: PhotoId,
  error: ErrorBody.extend({ status: z.number().int().min(400).max(599) }),
});
export type FinalizeRefusal = z.infer<typeof FinalizeRefusal>;

/** One result per photo, in the request's order. */
export const FinalizeManyResponse = z.object({ results: z.array(z.union([FinalizeResponse, FinalizeRefusal])) });
export type FinalizeManyResponse = z.infer<typeof FinalizeManyResponse>;

export const ProgressUpdate = z
  .object({
    photoId: PhotoId,
    bytesSent: z.number().int().min(0),
    bytesTotal: z.number().int().positive(),
  })
  .refine((u) => u.bytesSent <= u.bytesTotal, { message: "bytesSent cannot exceed bytesTotal." });
export type ProgressUpdate = z.infer<typeof ProgressUpdate>;

export const ProgressRequest = z.object({
  jobId: JobId,
  updates: z.array(ProgressUpdate).min(1).max(MAX_PROGRESS_UPDATES),
});
export type ProgressRequest = z.infer<typeof ProgressRequest>;

/**
 * The sending client still holds these photos' files (queued or paused behind others): their sender
 * lease is renewed, so other tabs do not show them as waiting for their file.
 */
export const HoldRequest = z.object({ photoIds: z.array(PhotoId).min(1).max(MAX_FILES_PER_JOB) });
export type HoldRequest = z.infer<typeof HoldRequest>;
/** `held`: photos still waiting for bytes whose lease was renewed; others (finished, not yours) are skipped. */
export const HoldResponse = z.object({ held: z.number().int() });
export type HoldResponse = z.infer<typeof HoldResponse>;

export const CancelPhotoResponse = z.object({ photoId: PhotoId, status: PhotoStatus });
export const CancelJobResponse = z.object({ jobId: JobId, status: JobStatus, cancelledCount: z.number().int() });
export const RetryResponse = UploadItem;

const encoder = new TextEncoder();
function utf8Length(s: string): number {
  return encoder.encode(s).length;
}
export const ProgressResponse = z.object({
  accepted: z.number().int(),
  /** Photos that are no longer uploading, with the status they have now; their bytes were not recorded. */
  ignored: z.array(z.object({ photoId: PhotoId, status: PhotoStatus })),
});
export type ProgressResponse = z.infer<typeof ProgressResponse>;
