/**
 * Base URL of the JSON API. Empty in production because the server serves this static export on
 * the same origin; `npm run dev` sets it to the API on :3000 while `next dev` runs on :3001.
 * Next inlines NEXT_PUBLIC_* at build time, so this is a constant in the browser bundle.
 */
export const API_URL = (process.env.NEXT_PUBLIC_API_URL ?? "").replace(/\/+$/, "");
