/**
 * Why processing a photo failed. `message` is written for the person who uploaded the photo and is
 * stored on it when it ends FAILED. `permanent` tells the worker whether retrying can help: a file
 * that is not an image never becomes one, but a storage hiccup usually passes.
 */
export class ProcessingError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProcessingError";
  }
}
