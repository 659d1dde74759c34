/**
 * A LIFO stack of undo steps (Node 20 has no AsyncDisposableStack). Every entry runs, even when an earlier
 * one fails: a failed undo is reported and the rest carry on, so nothing is left running.
 */
export class CleanupStack {
  readonly #entries: { what: string; undo: () => PromiseLike<void> | void }[] = [];

  constructor(private readonly onError: (what: string, error: unknown) => void = () => {}) {}

  defer(what: string, undo: () => PromiseLike<void> | void): void {
    this.#entries.push({ what, undo });
  }

  use<T extends AsyncDisposable>(what: string, resource: T): T {
    this.defer(what, () => resource[Symbol.asyncDispose]());
    return resource;
  }

  async unwind(): Promise<void> {
    while (this.#entries.length > 0) {
      const entry = this.#entries.pop()!;
      try {
        await entry.undo();
      } catch (error) {
        this.onError(entry.what, error);
      }
    }
  }
}
