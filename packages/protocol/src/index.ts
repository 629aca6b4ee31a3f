export * from "./auth.js";
export * from "./errors.js";
export * from "./limits.js";
export * from "./messages.js";
export * from "./queries.js";
export * from "./statuses.js";
export * from "./uploads.js";
