/**
 * The repository is self-contained: a clone has nothing beside it, so no file may send its reader
 * to a file outside the clone (the design once lived in a folder beside the repository), the design
 * is docs/architecture.md, and every relative link of that document and of README.md leads to a
 * file of the repository (and to a heading of it, when the link names one).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SUBGRAPH_LIST } from '../subgraphs/registry';

const ROOT = path.join(__dirname, '..');
const ARCHITECTURE = 'docs/architecture.md';

/**
 * Pointers to the old design outside the clone. Spelled in pieces so that this file does not contain
 * what it looks for.
 */
const OUTSIDE_POINTERS = [['..', 'shared'].join('/'), ['..', 'shared'].join('\\'), ['DESIGN', 'md'].join('.')];

/**
 * Files that may hold such strings on purpose: inputs of tests (a fixture may be made broken), and
 * CI's entry point, which puts a k6 found beside the clone on PATH when there is one (nothing else
 * needs it: without one, the k6 test is skipped locally and fails under CI).
 */
function exempt(file: string): boolean {
  return file.split('/').includes('fixtures') || file === '.ci/run';
}

/** The repository's files: tracked, plus new ones not ignored (git), or a walk when git is not there. */
function repositoryFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const files = [...new Set(out.split('\0').filter(Boolean))];
    // A tracked file deleted in the working tree is listed but cannot point anywhere.
    return files.filter((f) => fs.existsSync(path.join(ROOT, f)) && fs.statSync(path.join(ROOT, f)).isFile()).sort();
  } catch {
    const skip = new Set(['node_modules', '.git', '.data']);
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        if (skip.has(entry.name)) continue;
        const rel = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(rel);
        else if (entry.isFile()) found.push(rel);
      }
    };
    walk('');
    return found.sort();
  }
}

/** The text of a file, or null for a binary one. */
function textOf(file: string): string | null {
  const buf = fs.readFileSync(path.join(ROOT, file));
  return buf.includes(0) ? null : buf.toString('utf8');
}

/** Markdown without its fenced code blocks. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Markdown without code blocks and code spans, where a bracket or a path is not a link. */
function prose(markdown: string): string {
  return withoutFences(markdown)
    .replace(/``[^`]*``/g, '')
    .replace(/`[^`\n]*`/g, '');
}

/** Every link target of a Markdown text: inline `[text](target "title")`, images, and definitions. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const targets: string[] = [];
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1] as string);
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) targets.push(m[1] as string);
  return targets;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** GitHub's anchors of a Markdown file's headings (lower case, punctuation dropped, spaces to dashes). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of withoutFences(markdown).matchAll(/^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const heading = (m[1] as string).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
    const slug = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** What is wrong with one relative link of `from` (a repository path), or null when it leads somewhere real. */
function brokenLink(from: string, target: string): string | null {
  const [rawPath = '', anchor] = target.split('#', 2);
  const linkPath = decodeURIComponent(rawPath);
  const resolved =
    linkPath === '' ? path.join(ROOT, from) : path.resolve(path.dirname(path.join(ROOT, from)), linkPath);
  const rel = path.relative(ROOT, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return `${from}: ${target} points outside the repository`;
  if (!fs.existsSync(resolved)) return `${from}: ${target} does not exist`;
  if (!fs.statSync(resolved).isFile()) return `${from}: ${target} is not a file`;
  if (anchor && resolved.endsWith('.md') && !anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
    return `${from}: ${target} names no heading of ${rel.split(path.sep).join('/')}`;
  }
  return null;
}

const FILES = repositoryFiles();

describe('the repository is self-contained', () => {
  it('lists the repository (the walk found the sources and the docs)', () => {
    expect(FILES).toEqual(expect.arrayContaining(['README.md', 'package.json', 'subgraphs/registry.ts']));
  });

  it('no file outside test fixtures points to a file beside the clone', () => {
    const found: string[] = [];
    for (const file of FILES) {
      if (exempt(file)) continue;
      const text = textOf(file);
      if (text === null) continue;
      text.split('\n').forEach((line, i) => {
        for (const pointer of OUTSIDE_POINTERS) if (line.includes(pointer)) found.push(`${file}:${i + 1}: ${pointer}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('no Markdown link of the repository leads outside it', () => {
    const found: string[] = [];
    for (const file of FILES.filter((f) => f.endsWith('.md') && !exempt(f))) {
      for (const target of linkTargets(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
        if (isExternal(target) || target.startsWith('#')) continue;
        const resolved = path.resolve(
          path.dirname(path.join(ROOT, file)),
          decodeURIComponent(target.split('#')[0] ?? ''),
        );
        const rel = path.relative(ROOT, resolved);
        if (rel.startsWith('..') || path.isAbsolute(rel)) found.push(`${file}: ${target}`);
      }
    }
    expect(found).toEqual([]);
  });

  it(`the design is ${ARCHITECTURE}, and it covers every subgraph of the registry`, () => {
    expect(fs.existsSync(path.join(ROOT, ARCHITECTURE))).toBe(true);
    const text = fs.readFileSync(path.join(ROOT, ARCHITECTURE), 'utf8');
    expect(SUBGRAPH_LIST.map((e) => e.name).filter((name) => !text.includes(name))).toEqual([]);
    // README and CONVENTIONS send readers to it.
    for (const doc of ['README.md', 'docs/CONVENTIONS.md']) {
      const links = linkTargets(fs.readFileSync(path.join(ROOT, doc), 'utf8')).map((t) =>
        path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, doc)), t.split('#')[0] ?? '')),
      );
      expect({ doc, links: links.map((l) => l.split(path.sep).join('/')) }).toEqual({
        doc,
        links: expect.arrayContaining([ARCHITECTURE]),
      });
    }
  });

  it.each([ARCHITECTURE, 'README.md'])('every relative link of %s leads to a file of the repository', (doc) => {
    const targets = linkTargets(fs.readFileSync(path.join(ROOT, doc), 'utf8')).filter((t) => !isExternal(t));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.map((t) => brokenLink(doc, t)).filter(Boolean)).toEqual([]);
  });

  describe('the checks themselves', () => {
    it('find inline links, images and definitions, not code', () => {
      const md = [
        'See [a](docs/a.md), ![b](b.png "title") and [c](https://example.com).',
        '[d]: ../d.md',
        'Not `[e](e.md)`, nor:',
        '```',
        '[f](f.md)',
        '```',
      ].join('\n');
      expect(linkTargets(md)).toEqual(['docs/a.md', 'b.png', 'https://example.com', '../d.md']);
    });

    it('name headings as GitHub does', () => {
      expect([
        ...anchorsOf('# Inside a subgraph: the kit and the layers\n## Events\n## Events\n## `npm start`'),
      ]).toEqual(['inside-a-subgraph-the-kit-and-the-layers', 'events', 'events-1', 'npm-start']);
    });

    it('tell a missing file, an escape from the repository and an unknown heading from a good link', () => {
      expect(brokenLink('README.md', 'docs/architecture.md')).toBeNull();
      expect(brokenLink('README.md', 'docs/no-such-file.md')).toMatch(/does not exist/);
      expect(brokenLink('docs/architecture.md', '../../outside.md')).toMatch(/outside the repository/);
      expect(brokenLink('README.md', 'docs/architecture.md#no-such-heading')).toMatch(/names no heading/);
      expect(brokenLink('README.md', 'docs')).toMatch(/not a file/);
    });
  });
});
