/**
 * `Content-Disposition` for a download (RFC 6266): an ASCII fallback for old clients plus the exact
 * UTF-8 name in RFC 5987 encoding. Shared by the disk routes and S3's ResponseContentDisposition.
 */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  // encodeURIComponent leaves ' ( ) * as they are, but RFC 5987 attr-chars exclude them.
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
