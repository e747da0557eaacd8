/**
 * Runs `work` on every item, at most `limit` at a time (a worker pool), and returns the results
 * in item order. The first failure rejects the whole; the other workers finish the items they
 * take meanwhile (what they write is idempotent or reported by the caller's outcome).
 *
 * @example await mapConcurrently(chunks, 4, (chunk) => writeChunk(chunk))
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
