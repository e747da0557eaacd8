import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { limits } from '../config.js';
import {
  InvalidSyntaxError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../scim/errors.js';

// application/scim+json, application/json and any other +json type; parameters allowed.
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * Reads a request body as JSON, the SCIM way: size limit first (413), then media type (415), then
 * syntax (400 invalidSyntax). Written here rather than taken from @middy/http-json-body-parser,
 * which answers malformed JSON with 415 and has no size limit.
 */
export function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limits.maxBodyBytes) {
    throw new PayloadTooLargeError(
      `The request body is ${size} bytes; the limit is ${limits.maxBodyBytes} bytes.`,
    );
  }
  const contentType = event.headers['content-type'];
  // A missing Content-Type is tolerated (some scripts omit it); a non-JSON one is not.
  if (contentType !== undefined && !JSON_MEDIA_TYPE.test(contentType)) {
    throw new UnsupportedMediaTypeError(contentType);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidSyntaxError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
}
