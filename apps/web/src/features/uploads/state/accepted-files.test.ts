import { describe, expect, it } from "vitest";
import { acceptedMimeType, PICKER_ACCEPT, partitionPhotos } from "./accepted-files";

describe("accepted files", () => {
  it("accepts the API's image types and falls back to the extension when the type is unknown", () => {
    expect(acceptedMimeType({ name: "a.jpg", type: "image/jpeg" })).toBe("image/jpeg");
    expect(acceptedMimeType({ name: "IMG_0001.HEIC", type: "" })).toBe("image/heic");
    expect(acceptedMimeType({ name: "scan.tif", type: "application/octet-stream" })).toBe("image/tiff");
  });

  it("rejects other types even with an image-like name", () => {
    expect(acceptedMimeType({ name: "movie.jpg", type: "video/mp4" })).toBeNull();
    expect(acceptedMimeType({ name: "vector.svg", type: "image/svg+xml" })).toBeNull();
    expect(acceptedMimeType({ name: "notes", type: "" })).toBeNull();
  });

  it("splits a selection", () => {
    const files = [
      { name: "a.png", type: "image/png" },
      { name: "b.txt", type: "text/plain" },
    ];
    expect(partitionPhotos(files)).toEqual({ photos: [files[0]], rejected: [files[1]] });
  });

  it("offers the same types to the file picker", () => {
    expect(PICKER_ACCEPT.split(",")).toEqual(expect.arrayContaining(["image/jpeg", "image/heic", ".heic", ".tiff"]));
  });
});
