import type { RefundMessage } from '../contract/refund-message.ts';

/** Where due refunds are handed to the worker. Publishing the same refund twice is safe. */
export interface RefundQueue {
  publish(message: RefundMessage): Promise<void>;
}
