import type { PodStatus } from '../core/platform.js';
import type { MethodReport, RunReport } from '../core/journal.js';

/** What a drill reports while it runs; the CLI's progress printer and any other subscriber listen here. */
export interface RunEventMap {
  runStarted: { scenario: string; methods: string[]; platform: string; nodes: number };
  /** `index` of `total` methods; `attempt` of `repeat` drills of this method (both from 1 when `repeat` is 1). */
  drillStarted: { method: string; index: number; total: number; attempt: number; repeat: number };
  step: { method: string; step: string; atMs: number };
  podChanged: { method: string; pod: PodStatus };
  drillFinished: { report: MethodReport };
  runFinished: { report: RunReport };
}

type Handler<K extends keyof RunEventMap> = (payload: RunEventMap[K]) => void;

export class RunEvents {
  readonly #handlers = new Map<keyof RunEventMap, Handler<never>[]>();

  constructor(private readonly onHandlerError: (error: unknown) => void = () => {}) {}

  on<K extends keyof RunEventMap>(event: K, handler: Handler<K>): this {
    const list = this.#handlers.get(event) ?? [];
    list.push(handler as Handler<never>);
    this.#handlers.set(event, list);
    return this;
  }

  emit<K extends keyof RunEventMap>(event: K, payload: RunEventMap[K]): void {
    for (const handler of this.#handlers.get(event) ?? []) {
      try {
        (handler as Handler<K>)(payload);
      } catch (error) {
        // A broken printer must never abort a chaos run.
        this.onHandlerError(error);
      }
    }
  }
}
