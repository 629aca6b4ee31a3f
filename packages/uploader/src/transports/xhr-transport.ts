import { MAX_ERROR_BODY_CHARS } from "../constants.js";
import { NetworkError } from "../errors.js";
import type { PutRequest, PutResponse, UploadTransport } from "../transport.js";

/**
 * Browser transport. XMLHttpRequest, not fetch: only XHR reports upload progress in every browser.
 * `XMLHttpRequest` is looked up when a request is made, never at import, so the module loads in Node.
 */
export function createXhrTransport(options: { createXhr?: () => XMLHttpRequest } = {}): UploadTransport {
  const createXhr = options.createXhr ?? (() => new XMLHttpRequest());
  return {
    put: (request) => put(createXhr(), request),
  };
}

function put(xhr: XMLHttpRequest, { url, headers, body, signal, onProgress }: PutRequest): Promise<PutResponse> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => xhr.abort();
    const settle = () => signal.removeEventListener("abort", onAbort);

    xhr.open("PUT", url, true);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      settle();
      resolve({
        status: xhr.status,
        etag: xhr.getResponseHeader("ETag"),
        retryAfter: xhr.getResponseHeader("Retry-After"),
        body: (xhr.responseText ?? "").slice(0, MAX_ERROR_BODY_CHARS),
      });
    };
    // An error without a status is a network or CORS failure; the browser does not say which.
    xhr.onerror = () => {
      settle();
      reject(new NetworkError("The upload connection failed."));
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      settle();
      reject(signal.aborted ? signal.reason : new NetworkError("The upload was aborted by the browser."));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    // A Uint8Array view may cover part of a larger buffer; XHR sends exactly the view.
    xhr.send(body as XMLHttpRequestBodyInit);
  });
}
