/**
 * The bare contender: the least a page can do to upload through our API. A file input, then one
 * job per 1,000 files (the server's limit), PUTs of the File objects with `fetch` to the signed URLs
 * with 6 in flight (multipart files part by part, on the URLs the item came with, the rest signed per file), and each file finalized
 * as soon as its bytes are in (finalize holds no PUT slot, as in the engine; single-PUT files batched as
 * the engine batches them, at most 2 requests out). No progress, no DOM
 * updates: the physical limit the UI is compared with.
 */
export const BARE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>bare upload</title></head>
<body>
<button id="pick" type="button">Choose photos</button>
<input id="files" type="file" multiple accept="image/*" hidden>
<script>
const IN_FLIGHT = 6;
const JOB_LIMIT = 1000;
const input = document.getElementById("files");
document.getElementById("pick").onclick = () => input.click();
input.onchange = () => {
  const files = Array.from(input.files);
  input.value = "";
  upload(files).then(
    () => { window.__bareDone = true; },
    (error) => { window.__bareError = String(error); console.error(error); },
  );
};

async function upload(files) {
  const token = JSON.parse(localStorage.getItem("rapidphoto.session")).token;
  const auth = { authorization: "Bearer " + token };
  const post = async (path, body) => {
    const res = await fetch(path, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error("POST " + path + ": " + res.status + " " + (await res.text()));
    return res.json();
  };
  const tasks = [];
  const finalizes = [];
  // Single-PUT files are finalized as the engine does: at most 2 requests out, the files landing
  // meanwhile together in the next (POST /commands/upload/finalize, up to 100 a request).
  const waiting = [];
  let finalizing = 0;
  const finalizeSome = () => {
    while (finalizing < 2 && waiting.length > 0) {
      const batch = waiting.splice(0, 100);
      finalizing++;
      post("/commands/upload/finalize", { photoIds: batch.map((w) => w.photoId) }).then(
        (answer) => {
          for (const w of batch) {
            const result = answer.results.find((r) => r.photoId === w.photoId);
            if (result && result.status) w.done(); else w.fail(new Error("finalize " + w.photoId + ": " + JSON.stringify(result)));
          }
        },
        (error) => { for (const w of batch) w.fail(error); },
      ).finally(() => { finalizing--; finalizeSome(); });
    }
  };
  const finalizeSingle = (photoId) =>
    new Promise((done, fail) => { waiting.push({ photoId, done, fail }); finalizeSome(); });
  let jobsDone = false;
  let wake = null;
  const addTask = (task) => { tasks.push(task); if (wake) { wake(); wake = null; } };

  const planFile = (file, item) => {
    if (item.method === "PUT") {
      addTask(async () => {
        const res = await fetch(item.url, { method: "PUT", headers: item.headers || {}, body: file });
        if (!res.ok) throw new Error("PUT " + res.status);
        finalizes.push(finalizeSingle(item.photoId));
      });
      return;
    }
    const { uploadId, partSize, partCount } = item.multipart;
    const parts = [];
    // The first parts come signed with the item; the rest are signed once, when first needed.
    const given = new Map((item.multipart.signedParts || []).map((u) => [u.partNumber, u.url]));
    let signed = null;
    const sign = () => {
      signed ??= post("/commands/upload/" + item.photoId + "/parts", {
        partNumbers: Array.from({ length: Math.min(partCount, 100) }, (_, i) => i + 1).filter((n) => !given.has(n)),
      });
      return signed;
    };
    for (let n = 1; n <= partCount; n++) {
      addTask(async () => {
        const url = given.get(n) ?? (await sign()).urls.find((u) => u.partNumber === n).url;
        const body = file.slice((n - 1) * partSize, Math.min(file.size, n * partSize));
        const res = await fetch(url, { method: "PUT", body });
        if (!res.ok) throw new Error("PUT part " + res.status);
        parts.push({ partNumber: n, etag: res.headers.get("etag") });
        if (parts.length === partCount) {
          parts.sort((a, b) => a.partNumber - b.partNumber);
          finalizes.push(post("/commands/upload/" + item.photoId + "/finalize", { uploadId, parts }));
        }
      });
    }
  };

  const createJobs = (async () => {
    for (let i = 0; i < files.length; i += JOB_LIMIT) {
      const chunk = files.slice(i, i + JOB_LIMIT);
      const job = await post("/commands/upload-jobs", {
        files: chunk.map((f) => ({ filename: f.name, mimeType: "image/jpeg", bytes: f.size })),
      });
      job.items.forEach((item, k) => planFile(chunk[k], item));
    }
  })().finally(() => { jobsDone = true; if (wake) { wake(); wake = null; } });

  let next = 0;
  const worker = async () => {
    for (;;) {
      if (next < tasks.length) { await tasks[next++](); continue; }
      if (jobsDone) return;
      await new Promise((resolve) => { const prev = wake; wake = () => { prev?.(); resolve(); }; });
    }
  };
  await Promise.all([createJobs, ...Array.from({ length: IN_FLIGHT }, worker)]);
  await Promise.all(finalizes);
}
</script>
</body></html>`;
