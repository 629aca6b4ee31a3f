import { createHash } from "node:crypto";

/** S3's ETag of a single-PUT object: the quoted hex MD5 of its bytes. */
export function singleEtag(md5hex: string): string {
  return `"${md5hex}"`;
}

/** S3's ETag of a multipart object: MD5 of the concatenated binary part MD5s, then `-<part count>`. */
export function multipartEtag(partMd5hex: readonly string[]): string {
  const hash = createHash("md5");
  for (const md5 of partMd5hex) hash.update(Buffer.from(md5, "hex"));
  return `"${hash.digest("hex")}-${partMd5hex.length}"`;
}

/** Clients send ETags quoted or bare (and browsers sometimes as W/"…"); compare without either. */
export function bareEtag(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}
