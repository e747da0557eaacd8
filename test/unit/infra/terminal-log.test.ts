/**
 * The short line `npm start` shows for each log record (the JSON goes to `.local/logs/`).
 */
import { describe, expect, it } from 'vitest';
import { shortLine, terminalLogFormat } from '../../../infra/local/terminal-log.js';

const at = '2026-12-07T14:03:07.120Z';
const clock = new Date(at).toTimeString().slice(0, 8);

describe('shortLine', () => {
  it('gives a request its time, method, path, status, milliseconds and SCIM error type', () => {
    const line = shortLine({
      level: 'INFO',
      timestamp: at,
      message: 'request',
      method: 'GET',
      path: '/scim/v2/Users',
      status: 400,
      durationMs: 12.4,
      scimType: 'invalidFilter',
      function_name: 'grouptalk-scim-local-listUsers',
    });

    expect(line).toBe(`${clock} GET /scim/v2/Users 400 12 ms invalidFilter\n`);
  });

  it("names the token endpoint's OAuth error, and nothing after a success", () => {
    const base = { level: 'INFO', timestamp: at, method: 'POST', path: '/oauth2/token' };

    expect(shortLine({ ...base, status: 401, durationMs: 3, oauthError: 'invalid_client' })).toBe(
      `${clock} POST /oauth2/token 401 3 ms invalid_client\n`,
    );
    expect(shortLine({ ...base, status: 200, durationMs: 3 })).toBe(
      `${clock} POST /oauth2/token 200 3 ms\n`,
    );
  });

  it('shows warnings and errors by their message, and leaves other lines to the file', () => {
    expect(
      shortLine({ level: 'ERROR', timestamp: at, message: 'token signing keys unavailable' }),
    ).toBe(`${clock} ERROR token signing keys unavailable\n`);
    expect(shortLine({ level: 'INFO', timestamp: at, message: 'scheduled run' })).toBeUndefined();
  });
});

describe('terminalLogFormat', () => {
  it('is json only when LOG_FORMAT says so', () => {
    expect(terminalLogFormat('json')).toBe('json');
    expect(terminalLogFormat('JSON')).toBe('json');
    expect(terminalLogFormat(undefined)).toBe('short');
    expect(terminalLogFormat('pretty')).toBe('short');
  });
});
