/** "1 photo", "12 photos": English plurals are enough for the app's copy. */
export function plural(count: number, noun: string): string {
  return `${count.toLocaleString("en-US")} ${noun}${count === 1 ? "" : "s"}`;
}
