/** Wall seconds since `since` (a `performance.now()` reading). */
export const seconds = (since: number): number => (performance.now() - since) / 1000;
