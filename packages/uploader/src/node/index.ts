/** Node-only pieces: `import { createNodeTransport, fileSource } from "@rapidphoto/uploader/node"`. */
export { fileSource } from "./file-source.js";
export { createNodeTransport, type NodeTransportOptions } from "./node-transport.js";
