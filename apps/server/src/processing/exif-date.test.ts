import { describe, expect, it } from "vitest";
import { exifDateTime } from "./exif-date.js";

describe("exifDateTime", () => {
  it("keeps the wall clock as UTC when no offset was recorded", () => {
    expect(exifDateTime("2023:05:01 12:34:56", undefined)).toEqual({
      iso: "2023-05-01T12:34:56",
      instant: new Date("2023-05-01T12:34:56Z"),
    });
  });

  it("uses the recorded offset for the instant", () => {
    expect(exifDateTime("2023:05:01 12:34:56", "+02:00")).toEqual({
      iso: "2023-05-01T12:34:56+02:00",
      instant: new Date("2023-05-01T10:34:56Z"),
    });
    expect(exifDateTime("2023:05:01 12:34:56\0", "-05:30")?.instant).toEqual(new Date("2023-05-01T18:04:56Z"));
  });

  it("ignores an offset that is not one", () => {
    expect(exifDateTime("2023:05:01 12:34:56", "+25:00")?.iso).toBe("2023-05-01T12:34:56");
    expect(exifDateTime("2023:05:01 12:34:56", "   ")?.iso).toBe("2023-05-01T12:34:56");
  });

  it("accepts dashes, a T separator and fractional seconds", () => {
    expect(exifDateTime("2023-05-01T12:34:56.789", undefined)?.iso).toBe("2023-05-01T12:34:56");
  });

  it.each([
    ["an unset camera clock", "0000:00:00 00:00:00"],
    ["an impossible date", "2023:02:30 10:00:00"],
    ["an impossible time", "2023:02:01 24:00:00"],
    ["blanks", "    :  :     :  :  "],
    ["prose", "yesterday"],
    ["a number", 20230501],
  ])("rejects %s", (_, value) => {
    expect(exifDateTime(value, undefined)).toBeNull();
  });
});
