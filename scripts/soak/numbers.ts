// Small arithmetic the soak's samples, verdict and report share.
import { fmt } from '../bench/lib';

export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const mean = (v: number[]) => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : undefined);
export const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / 1024 / 1024);
export const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);
export const round = (n: number | undefined, digits: number) =>
  n === undefined || !Number.isFinite(n) ? undefined : Number(n.toFixed(digits));
/** A number with `digits` decimals, '-' when there is none, padded to `width`. */
export const f = (n: number | undefined, digits = 0, width = 0) => fmt(n, digits).padStart(width);
