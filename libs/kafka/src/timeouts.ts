/** Settles with the promise, or rejects with `onTimeout()` once `ms` pass, whichever comes first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  promise.catch(() => undefined); // the loser of the race must not surface as unhandled
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
