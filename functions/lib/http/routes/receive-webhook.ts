import { recordWebhookAccepted, recordWebhookRefused } from '../../business-metrics.ts';
import { logger } from '../../observability.ts';
import { type ReceiveWebhookDeps, receiveWebhook } from '../../use-cases/receive-webhook.ts';
import { toHttpError } from '../error-mapping.ts';
import { type HttpRoute, rawBodyOf } from '../http-handler.ts';
import { assertJsonContentType } from '../json-content-type.ts';

/**
 * `POST /webhooks/{marketplace}`: 202 with the case id whether the delivery created,
 * changed or (as a retry) left the case alone, so marketplaces stop retrying. A delivery
 * the marketplace's adapter acknowledges without acting on (a Shopify topic this service
 * does not handle) answers 202 with `caseId: null` and its `ignoredReason`. A delivery about a
 * return not received yet answers 202 with `status: null, held: true`: it is kept and applied
 * when the return arrives.
 */
export function receiveWebhookRoute(deps: ReceiveWebhookDeps): HttpRoute {
  return async function receiveWebhookRoute(event) {
    const marketplace = event.pathParameters?.marketplace ?? '';
    let result: Awaited<ReturnType<typeof receiveWebhook>>;
    try {
      // Before the signature: a body that is not declared JSON is never read.
      assertJsonContentType(event.headers['content-type']);
      result = await receiveWebhook(deps, {
        marketplace,
        rawBody: rawBodyOf(event),
        headers: event.headers,
      });
    } catch (error) {
      // Refusals (4xx) by problem code; a 5xx is a failure, not a refusal (Lambda Errors).
      const mapped = toHttpError(error);
      if (mapped.expose && mapped.statusCode < 500) recordWebhookRefused(mapped.body.code, mapped.statusCode);
      throw error;
    }
    // An acknowledged delivery that changed nothing: DUPLICATE when this delivery was seen
    // before, IGNORED for any other reason it gives (a topic this service does not handle, an
    // event the case is past).
    const seenBefore = result.ignoredReason === 'DUPLICATE_DELIVERY' || (result.duplicate && result.ignoredReason === undefined);
    recordWebhookAccepted(
      result.held === true
        ? 'HELD'
        : seenBefore
          ? 'DUPLICATE'
          : result.ignoredReason !== undefined
            ? 'IGNORED'
            : result.duplicate
              ? 'DUPLICATE'
              : 'NEW',
    );
    logger.info('webhook accepted', {
      marketplace,
      caseId: result.caseId,
      deliveryId: result.payload.deliveryId,
      eventType: result.payload.eventType,
      status: result.status,
      duplicate: result.duplicate,
      held: result.held,
      ignoredReason: result.ignoredReason,
      refundId: result.refund?.refundId,
      refundPublish: result.refund?.publish,
      source: result.source,
    });
    if (result.refund !== undefined && result.refund.publish !== 'PUBLISHED') {
      logger.warn('refund left in the outbox for the relay', {
        caseId: result.caseId,
        refundId: result.refund.refundId,
        outcome: result.refund.publish,
      });
    }
    return {
      statusCode: 202,
      body: {
        caseId: result.caseId === '' ? null : result.caseId,
        status: result.status,
        duplicate: result.duplicate,
        ...(result.ignoredReason === undefined ? {} : { ignoredReason: result.ignoredReason }),
        ...(result.held === true ? { held: true } : {}),
      },
    };
  };
}
