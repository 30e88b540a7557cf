import { eventError } from '../event-error.js';
import type { EventSink } from '../events.js';
import type { StoreEvent } from './store.js';

/** A store's own events, as the app hears them: an error carries only what outage events carry. */
export const storeEvents =
  (emit: EventSink) =>
  (event: StoreEvent): void => {
    emit(
      event.type === 'near-cache-unavailable' ? { type: event.type, error: eventError(event.error) } : event,
    );
  };
