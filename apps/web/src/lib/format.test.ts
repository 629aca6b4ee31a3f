import { describe, expect, it } from "vitest";
import { formatBytes, formatCount, formatPercent, formatSpeed, formatTimeLeft, listNames, plural } from "./format";

describe("format", () => {
  it("writes counts with thousands separators", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1234)).toBe("1,234");
    expect(formatCount(10_000)).toBe("10,000");
    expect(formatCount(1_234_567)).toBe("1,234,567");
  });

  it("pluralises", () => {
    expect(plural(1, "photo")).toBe("1 photo");
    expect(plural(1200, "photo")).toBe("1,200 photos");
  });

  it("shows sizes in decimal units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(245_000)).toBe("245 KB");
    expect(formatBytes(5_300_000)).toBe("5.3 MB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.4 GB");
  });

  it("shows speed and time left", () => {
    expect(formatSpeed(3_200_000)).toBe("3.2 MB/s");
    expect(formatTimeLeft(0.2)).toBe("1 s left");
    expect(formatTimeLeft(59)).toBe("59 s left");
    expect(formatTimeLeft(61)).toBe("2 min left");
    expect(formatTimeLeft(3600)).toBe("1 h left");
    expect(formatTimeLeft(3900)).toBe("1 h 5 min left");
  });

  it("never rounds a percentage up to 100", () => {
    expect(formatPercent(99.99)).toBe("99%");
    expect(formatPercent(100)).toBe("100%");
    expect(formatPercent(7.6)).toBe("7%");
  });

  it("lists names for messages", () => {
    expect(listNames(["a.txt"])).toBe("a.txt");
    expect(listNames(["a.txt", "b.pdf"])).toBe("a.txt and b.pdf");
    expect(listNames(["a", "b", "c"])).toBe("a, b and c");
    expect(listNames(["a", "b", "c", "d", "e"])).toBe("a, b, c and 2 more");
  });
});
