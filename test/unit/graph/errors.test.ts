/**
 * Graph's error responses as `GraphError`: the documented body (microsoft-graph-docs-contrib
 * concepts/errors.md, "example-error-response"), and what a proxy or an outage answers instead.
 */
import { describe, expect, it } from 'vitest';
import { GraphError, graphErrorOf } from '../../../shared/graph/errors.js';

describe('graphErrorOf', () => {
  it('reads code, message and request-id from the documented error body', () => {
    // Quoted from concepts/errors.md.
    const body = JSON.stringify({
      error: {
        code: 'invalidRange',
        message: 'Uploaded fragment overlaps with existing data.',
        innerError: { 'request-id': 'request-id', date: 'date-time' },
      },
    });

    const error = graphErrorOf(new Response(body, { status: 416 }), body);

    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({
      status: 416,
      code: 'invalidRange',
      message: 'Uploaded fragment overlaps with existing data.',
      requestId: 'request-id',
      innerError: { 'request-id': 'request-id', date: 'date-time' },
      retryAfterSeconds: undefined,
    });
  });

  it('falls back to the request-id header and a status code when the body is not Graph JSON', () => {
    const response = new Response('<html>Bad gateway</html>', {
      status: 502,
      statusText: 'Bad Gateway',
      headers: { 'request-id': 'from-header' },
    });

    const error = graphErrorOf(response, '<html>Bad gateway</html>');

    expect(error).toMatchObject({
      status: 502,
      code: 'HTTP502',
      message: 'Microsoft Graph answered 502 Bad Gateway',
      requestId: 'from-header',
    });
  });

  it('reads Retry-After as seconds or as an HTTP-date (RFC 9110 §10.2.3)', () => {
    const inSeconds = new Response('', { status: 429, headers: { 'retry-after': '12' } });
    const at = new Date(Date.now() + 120_000).toUTCString();
    const asDate = new Response('', { status: 503, headers: { 'retry-after': at } });
    const garbage = new Response('', { status: 503, headers: { 'retry-after': 'soon' } });

    expect(graphErrorOf(inSeconds, '').retryAfterSeconds).toBe(12);
    expect(graphErrorOf(asDate, '').retryAfterSeconds).toBeGreaterThan(100);
    expect(graphErrorOf(asDate, '').retryAfterSeconds).toBeLessThanOrEqual(120);
    expect(graphErrorOf(garbage, '').retryAfterSeconds).toBeUndefined();
  });
});
