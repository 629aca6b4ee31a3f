import { MAX_PARTS, MIN_PART_SIZE, partCountFor, planPartSize } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { missingParts, planParts, storedBytes } from "./part-plan.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe("planParts", () => {
  it("covers the file exactly, with a short last part", () => {
    const bytes = 60 * MiB + 123;
    const size = planPartSize(bytes);
    expect(size).toBe(MIN_PART_SIZE);
    const parts = planParts(bytes, size, partCountFor(bytes, size));
    expect(parts).toHaveLength(8);
    expect(parts[0]).toEqual({ partNumber: 1, start: 0, end: 8 * MiB });
    expect(parts.at(-1)).toEqual({ partNumber: 8, start: 56 * MiB, end: bytes });
    // Contiguous, no gaps or overlaps.
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.start).toBe(parts[i - 1]!.end);
  });

  it("has a full-sized last part when the size divides evenly", () => {
    const parts = planParts(16 * MiB, 8 * MiB, 2);
    expect(parts.map((p) => p.end - p.start)).toEqual([8 * MiB, 8 * MiB]);
  });

  it("stays within 10,000 parts for the largest file", () => {
    const bytes = 5 * GiB;
    const size = planPartSize(bytes);
    const count = partCountFor(bytes, size);
    expect(count).toBeLessThanOrEqual(MAX_PARTS);
    expect(planParts(bytes, size, count).at(-1)!.end).toBe(bytes);
    // Just past what 8 MiB parts can carry, the size grows instead of the count.
    const big = MAX_PARTS * MIN_PART_SIZE + 1;
    expect(partCountFor(big, planPartSize(big))).toBeLessThanOrEqual(MAX_PARTS);
  });

  it("refuses a layout that does not cover the file or exceeds the part cap", () => {
    expect(() => planParts(20 * MiB, 8 * MiB, 2)).toThrow(/do not cover/);
    expect(() => planParts(20 * MiB, 8 * MiB, 4)).toThrow(/do not cover/);
    expect(() => planParts(MAX_PARTS * 2, 1, MAX_PARTS * 2)).toThrow(/more than storage allows/);
    expect(() => planParts(10, 0, 1)).toThrow(/not usable/);
  });

  it("lists only the parts not stored, and how many bytes are", () => {
    const parts = planParts(20 * MiB, 8 * MiB, 3);
    const stored = new Map([
      [1, '"a"'],
      [3, '"c"'],
    ]);
    expect(missingParts(parts, stored).map((p) => p.partNumber)).toEqual([2]);
    expect(storedBytes(parts, stored)).toBe(8 * MiB + 4 * MiB);
  });
});
