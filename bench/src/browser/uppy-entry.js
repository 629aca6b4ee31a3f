// The Uppy contender's page script (bundled by uppy-page.ts): Uppy's Dashboard with its AWS S3
// plugin, wired to our API the way an app would do it. Plain JavaScript: it runs in the page, and
// the bench's tsconfig has no DOM types.
import AwsS3 from "@uppy/aws-s3";
import Uppy from "@uppy/core";
import Dashboard from "@uppy/dashboard";

const JOB_LIMIT = 1000;
const PART_SIZE = 8 * 1024 * 1024; // the server's part size for files under 80 GB (planPartSize)
const token = JSON.parse(localStorage.getItem("rapidphoto.session")).token;
const post = async (path, body) => {
  const res = await fetch(path, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
const finalize = (item, body) => post(`/commands/upload/${item.photoId}/finalize`, body);

/** Uppy file id → our upload item (signed URL or multipart upload). */
const items = new Map();
const itemOf = (file) => items.get(file.id);

const uppy = new Uppy({ autoProceed: true });
uppy.use(Dashboard, { inline: true, target: "#uppy", width: "100%", height: 720, proudlyDisplayPoweredByUppy: false });

// One job per 1,000 files before anything is sent, as our engine does.
uppy.addPreProcessor(async (fileIDs) => {
  const files = fileIDs.map((id) => uppy.getFile(id));
  for (let i = 0; i < files.length; i += JOB_LIMIT) {
    const chunk = files.slice(i, i + JOB_LIMIT);
    const job = await post("/commands/upload-jobs", {
      files: chunk.map((f) => ({ filename: f.name, mimeType: "image/jpeg", bytes: f.size })),
    });
    for (const [k, item] of job.items.entries()) items.set(chunk[k].id, item);
  }
});

uppy.use(AwsS3, {
  limit: 6,
  shouldUseMultipart: (file) => itemOf(file).method === "MULTIPART",
  getChunkSize: () => PART_SIZE,
  getUploadParameters: (file) => {
    const item = itemOf(file);
    return { method: "PUT", url: item.url, headers: item.headers ?? {} };
  },
  createMultipartUpload: (file) => {
    const item = itemOf(file);
    return { uploadId: item.multipart.uploadId, key: item.photoId };
  },
  signPart: async (file, { partNumber }) => {
    const { urls } = await post(`/commands/upload/${itemOf(file).photoId}/parts`, { partNumbers: [partNumber] });
    return { method: "PUT", url: urls[0].url };
  },
  listParts: async () => [],
  abortMultipartUpload: async () => {},
  completeMultipartUpload: async (file, { uploadId, parts }) => {
    await finalize(itemOf(file), {
      uploadId,
      parts: parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag })),
    });
    return {};
  },
});

// A single PUT is finalized once Uppy reports it sent (multipart ones finalize in completeMultipartUpload).
uppy.on("upload-success", (file) => {
  const item = itemOf(file);
  if (item.method === "PUT") finalize(item, {}).catch((error) => console.error(error));
});
