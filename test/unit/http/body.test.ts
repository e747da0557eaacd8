import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../../../shared/http/body.js';

function event(body: string, contentType = 'application/scim+json'): APIGatewayProxyEventV2 {
  return { body, headers: { 'content-type': contentType } } as unknown as APIGatewayProxyEventV2;
}

/** The detail of the error `parseJsonBody` throws for `body`. */
function detailOf(body: string): string {
  try {
    parseJsonBody(event(body));
  } catch (error) {
    expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    return (error as { detail: string }).detail;
  }
  throw new Error('expected an error');
}

describe('parseJsonBody', () => {
  it('parses a JSON body', () => {
    expect(parseJsonBody(event('{"userName": "bjensen"}'))).toEqual({ userName: 'bjensen' });
  });

  it.each([
    ['an unquoted value', '{"password": hunter2}', 'unexpected character at line 1, column 14'],
    ['a trailing comma', '{"a": 1,}', 'unexpected character at line 1, column 9'],
    ['a missing colon', '{"a" 1}', 'unexpected character at line 1, column 6'],
    ['a bad escape', '{"a": "\\q"}', 'unexpected character at line 1, column 9'],
    ['a raw control character', '{"a": "x\ty"}', 'unexpected character at line 1, column 9'],
    ['text after the value', '{"a": 1} {"b": 2}', 'unexpected character at line 1, column 10'],
    ['a leading zero', '[01]', 'unexpected character at line 1, column 3'],
    ['a byte order mark', '\ufeff{}', 'unexpected character at line 1, column 1'],
    [
      'a line further down',
      '{\n  "a": 1,\n  "b": secret\n}',
      'unexpected character at line 3, column 8',
    ],
    [
      'an unclosed object',
      '{"members": [{"value": "a"}',
      'it ends before the JSON value is complete',
    ],
    ['an unclosed string', '{"password": "hunter2', 'it ends before the JSON value is complete'],
    ['only whitespace', '  \n ', 'it ends before the JSON value is complete'],
  ])('reports %s by its position, never by its text', (_name, body, expected) => {
    // Act
    const detail = detailOf(body);

    // Assess
    expect(detail).toBe(`The request body is not valid JSON: ${expected}.`);
    for (const secret of ['hunter2', 'secret', 'members']) expect(detail).not.toContain(secret);
  });

  it('reads a base64-encoded body', () => {
    // Prepare
    const encoded = {
      ...event(Buffer.from('{"a": [true, false, null, -1.5e3, "\\u00e9"]}').toString('base64')),
      isBase64Encoded: true,
    };

    // Act / Assess
    expect(parseJsonBody(encoded)).toEqual({ a: [true, false, null, -1500, 'é'] });
  });
});
