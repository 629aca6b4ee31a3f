/**
 * `@rapidphoto/server/testing/bench`: the server parts a benchmark measures on their own, beside the
 * whole server (image pipeline against uploads through the API, the STOMP codec for a bare client,
 * disk storage's signing, the event bus a fan-out publishes on). Importing it loads those modules.
 */
export type { EventBus } from "../src/events/event-bus.js";
export { configureSharp, createHeicDecoder, processImage } from "../src/processing/image-pipeline.js";
export { createStompParser, encodeFrame } from "../src/realtime/stomp-codec.js";
export { createDiskStorage } from "../src/storage/disk-storage.js";
