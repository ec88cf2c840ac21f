import { Counter, type CounterConfiguration } from 'prom-client';

/**
 * A Prometheus counter whose totals live in plain fields and are copied in at each scrape, so
 * nothing on a hot path calls prom-client (whose inc() hashes its labels on every call).
 * `totals` yields each series' labels (none for an unlabelled counter) and its total so far.
 */
export function scrapedCounter<L extends string>(
  config: Omit<CounterConfiguration<L>, 'collect'>,
  totals: () => Iterable<readonly [Partial<Record<L, string>> | undefined, number]>,
): Counter<L> {
  return new Counter<L>({
    ...config,
    collect() {
      this.reset();
      for (const [labels, total] of totals()) {
        if (labels) this.inc(labels, total);
        else this.inc(total);
      }
    },
  });
}
