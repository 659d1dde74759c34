/**
 * The RabbitMQ series warren drills and the metadata stores each can run on. Facts:
 * - 3.10: Mnesia only (Khepri first shipped, behind the `khepri_db` feature flag, in 3.13).
 * - 4.0: Mnesia by default; Khepri once the `khepri_db` feature flag is enabled (RabbitMQ 4.0 release notes,
 *   "Khepri … can be enabled with `rabbitmqctl enable_feature_flag khepri_db`").
 * - 4.3: Khepri only (Mnesia was removed; new and upgraded clusters run Khepri).
 * Packages (measured 2026-11-30 in Debian's archive): 3.10.8 on Erlang 25 (bookworm, the host), 4.0.5 on Erlang 27
 * (trixie), 4.3.6 on Erlang 29 (forky).
 */
export const RABBITMQ_SERIES = ['3.10', '4.0', '4.3'] as const;
export type RabbitMqSeries = (typeof RABBITMQ_SERIES)[number];

export const METADATA_STORES = ['mnesia', 'khepri'] as const;
export type MetadataStore = (typeof METADATA_STORES)[number];

/** The stores each series can run on; the first is the one a new cluster of that series gets without being told. */
export const SUPPORTED_STORES: Readonly<Record<RabbitMqSeries, readonly [MetadataStore, ...MetadataStore[]]>> = {
  '3.10': ['mnesia'],
  '4.0': ['mnesia', 'khepri'],
  '4.3': ['khepri'],
};

/** What a drill's cluster runs: a RabbitMQ series on one metadata store. */
export interface RabbitMqRelease {
  series: RabbitMqSeries;
  metadataStore: MetadataStore;
}

/** `4.0/khepri`: how a release is named in expectations, reports and the matrix; only supported pairs. */
export type ReleaseKey = '3.10/mnesia' | '4.0/mnesia' | '4.0/khepri' | '4.3/khepri';

export function releaseKey(release: RabbitMqRelease): ReleaseKey {
  return `${release.series}/${release.metadataStore}` as ReleaseKey;
}

/** Every series × supported store, in matrix order: 3.10/mnesia, 4.0/mnesia, 4.0/khepri, 4.3/khepri. */
export const RELEASES: readonly RabbitMqRelease[] = RABBITMQ_SERIES.flatMap((series) => SUPPORTED_STORES[series].map((metadataStore) => ({ series, metadataStore })));

/** Whether `from` is an older series than `to` (an upgrade), in the order warren has them. */
export function isUpgrade(from: RabbitMqSeries, to: RabbitMqSeries): boolean {
  return RABBITMQ_SERIES.indexOf(from) < RABBITMQ_SERIES.indexOf(to);
}

/** The upgrades warren can drill: every ordered pair of the series it has (`3.10 → 4.0, 3.10 → 4.3, 4.0 → 4.3`). */
export function upgradePairsText(): string {
  return RABBITMQ_SERIES.flatMap((from, i) => RABBITMQ_SERIES.slice(i + 1).map((to) => `${from} → ${to}`)).join(', ');
}

export function isRabbitMqSeries(value: string): value is RabbitMqSeries {
  return (RABBITMQ_SERIES as readonly string[]).includes(value);
}

export function isMetadataStore(value: string): value is MetadataStore {
  return (METADATA_STORES as readonly string[]).includes(value);
}

/**
 * The releases a run covers: each series asked for, on `store` if given (and supported), else on every store it
 * supports when several series are asked for (`--rabbitmq all`) or on its default store for one series.
 * @throws RangeError naming the series and its stores when `store` is not one of them.
 */
export function releasesFor(series: readonly RabbitMqSeries[], store: MetadataStore | undefined): RabbitMqRelease[] {
  return series.flatMap((one) => {
    const stores = SUPPORTED_STORES[one];
    if (store !== undefined) {
      if (!stores.includes(store)) throw new RangeError(`RabbitMQ ${one} runs on ${stores.join(' or ')} only, not ${store}`);
      return [{ series: one, metadataStore: store }];
    }
    return (series.length > 1 ? stores : stores.slice(0, 1)).map((metadataStore) => ({ series: one, metadataStore }));
  });
}

/** The series of a full version string read from a node (`4.3.6` → `4.3`), or undefined for one warren does not know. */
export function seriesOf(version: string): RabbitMqSeries | undefined {
  const series = /^(\d+\.\d+)/.exec(version)?.[1];
  return series !== undefined && isRabbitMqSeries(series) ? series : undefined;
}

/** What the cluster really runs, read from node 0 (never from what warren asked for). */
export interface RabbitMqInfo {
  /** RabbitMQ's version from the AMQP server properties, e.g. `4.3.6`. */
  version: string | null;
  /** From the `khepri_db` feature flag's state (`rabbitmqctl list_feature_flags`). */
  metadataStore: 'mnesia' | 'khepri' | null;
  /** The Erlang/OTP release from the AMQP server properties' `platform`, e.g. `29.1.1`. */
  erlang?: string | null;
}
