/** Uppy is not wired yet: the contender is left out. */
export async function buildUppyPage(): Promise<string | null> {
  return null;
}
