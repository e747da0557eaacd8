/** Test fixture handler that never answers: a function stuck until Lambda's timeout stops it. */
export function handler(): Promise<never> {
  return new Promise<never>(() => {});
}
