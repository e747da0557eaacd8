/**
 * The docs check: the README and every page of `docs/` are read as a reader would follow them.
 * Every relative link reaches a file, every `#anchor` a heading of its page (GitHub's slugs,
 * through `github-slugger`, the library GitHub's own renderer mirrors), and every `npm run <name>`
 * the docs tell someone to type is a script of package.json.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

function markdownFiles(): string[] {
  const files = [join(ROOT, 'README.md')];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  walk(join(ROOT, 'docs'));
  return files;
}

/** The text a reader sees as prose: fenced code blocks removed, line numbers kept. */
function withoutFences(text: string): string {
  let inFence = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** The anchors GitHub gives a page's headings (`## A b` → `a-b`, repeats numbered). */
function anchorsOf(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const line of withoutFences(readFileSync(file, 'utf8')).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) anchors.add(slugger.slug(plainHeading(heading[1]!)));
  }
  return anchors;
}

/** A heading's text as GitHub slugs it: link targets and code marks dropped, their text kept. */
function plainHeading(heading: string): string {
  return heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
}

interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

function linksOf(file: string): Link[] {
  const links: Link[] = [];
  const lines = withoutFences(readFileSync(file, 'utf8')).split('\n');
  lines.forEach((text, index) => {
    // Inline code is not a link: `[x](y)` inside backticks stays text.
    const prose = text.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      links.push({ file, line: index + 1, target: match[1]! });
    }
  });
  return links;
}

const files = markdownFiles();
const links = files.flatMap(linksOf).filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link.target));
const where = (link: Link) => `${relative(ROOT, link.file)}:${link.line} → ${link.target}`;

describe('the docs check', () => {
  it('reads the README and the pages of docs/', () => {
    expect(files.map((file) => relative(ROOT, file))).toContain('README.md');
    expect(links.length).toBeGreaterThan(0);
  });

  it('finds a file behind every relative link', () => {
    const broken = links.filter((link) => {
      const path = link.target.split('#')[0]!;
      if (path === '') return false;
      try {
        statSync(resolve(dirname(link.file), decodeURIComponent(path)));
        return false;
      } catch {
        return true;
      }
    });
    expect(broken.map(where)).toEqual([]);
  });

  it('finds a heading behind every anchor', () => {
    const broken = links.filter((link) => {
      const [path, anchor] = link.target.split('#');
      if (anchor === undefined) return false;
      const page = path === '' ? link.file : resolve(dirname(link.file), decodeURIComponent(path!));
      if (!page.endsWith('.md')) return false;
      return !anchorsOf(page).has(decodeURIComponent(anchor));
    });
    expect(broken.map(where)).toEqual([]);
  });

  it('names only npm scripts that exist', () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts,
    );
    const named = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/npm run ([a-z][a-z0-9:-]*)/g)].map(
        (match) => `${relative(ROOT, file)}: npm run ${match[1]}`,
      ),
    );
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((entry) => !scripts.includes(entry.split('npm run ')[1]!))).toEqual([]);
  });
});
