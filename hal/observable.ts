// Minimal synchronous typed event source used by drivers to implement `Observable`.
// Listeners run in subscription order on the emitting call stack (no microtask), so the safety path
// sees a HAL event in the same tick it happens. A throwing listener does not stop the others; its error
// goes to `Subject.onListenerError` (the app points it at its logger).

import type { Observable, Unsubscribe } from './types.js';

export class Subject<E> implements Observable<E> {
  static onListenerError: (err: unknown) => void = (err) => {
    console.error('HAL listener failed', err);
  };

  private listeners: Array<(event: E) => void> = [];

  on(listener: (event: E) => void): Unsubscribe {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(event: E): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        Subject.onListenerError(err);
      }
    }
  }
}
