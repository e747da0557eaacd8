/**
 * The progress line of the long commands: shown on a terminal, rewritten in place; nothing in a
 * CI log or when stderr is not a terminal.
 */
import { describe, expect, it } from 'vitest';
import { showsProgress, terminalProgress } from '../../../infra/progress.js';

function terminal(isTTY: boolean) {
  const written: string[] = [];
  return {
    stream: {
      isTTY,
      write: (text: string | Uint8Array) => {
        written.push(String(text));
        return true;
      },
    },
    written,
  };
}

describe('terminalProgress', () => {
  it('shows each step at once on a terminal, with its count and detail, rewriting the line', () => {
    // Prepare
    const { stream, written } = terminal(true);
    const progress = terminalProgress({
      stream,
      env: {},
      label: 'migrate-names',
      detail: () => '0 errors',
    });

    // Act
    progress.step('Users', 3);
    progress.advance();
    progress.advance(2);
    progress.step('Groups', 1);
    progress.stop();

    // Assess
    const text = written.join('');
    const ESC = String.fromCharCode(27);
    expect(written[0]?.startsWith(`\r${ESC}[Kmigrate-names: Users 0/3 · 0 errors · `)).toBe(true);
    // Each finished step keeps its own line, with its final count; the clock is m:ss.
    expect(text).toMatch(/migrate-names: Users 3\/3 · 0 errors · \d+:\d\d\n/);
    expect(text).toMatch(/migrate-names: Groups 0\/1 · 0 errors · \d+:\d\d\n$/);
  });

  it('writes nothing in CI or when stderr is not a terminal', () => {
    for (const [isTTY, env] of [
      [true, { CI: 'true' }],
      [false, {}],
    ] as const) {
      const { stream, written } = terminal(isTTY);
      const progress = terminalProgress({ stream, env });

      progress.step('Users', 3);
      progress.advance();
      progress.stop();

      expect(written, JSON.stringify({ isTTY, env })).toEqual([]);
    }
  });

  it('counts CI=false as no CI', () => {
    expect(showsProgress({ isTTY: true }, { CI: 'false' })).toBe(true);
    expect(showsProgress({ isTTY: true }, { CI: '1' })).toBe(false);
  });
});
