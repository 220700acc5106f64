/**
 * One way to write SQL (ADR 0022), kept: every statement of the subgraphs and the kit is a `sql()`
 * constant with named parameters. Nothing reaches knex or the driver around kit/sql.ts, and no
 * statement text holds a positional placeholder.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** Production TypeScript of the subgraphs and the kit (their tests live under test/), generated files excluded. */
function productionFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'subgraphs/*.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && !/\/generated\//.test(f) && fs.existsSync(path.join(ROOT, f)));
}

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

/** A template's text without its `${...}` parts (select lists, fragments), braces balanced. */
function withoutInterpolations(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '$' && text[i + 1] === '{') {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j += 1) {
        if (text[j] === '{') depth += 1;
        else if (text[j] === '}' && --depth === 0) break;
      }
      i = j;
    } else out += text[i];
  }
  return out;
}

/** The first literal argument of each sql(...) call: a template (with nested templates) or a quoted string. */
function statementTexts(source: string): string[] {
  const texts: string[] = [];
  for (const m of source.matchAll(/\bsql(?:<[^()]*?>)?\(\s*([`'"])/g)) {
    const quote = m[1] as string;
    let i = (m.index ?? 0) + m[0].length;
    let depth = 0;
    let text = '';
    for (; i < source.length; i += 1) {
      const c = source[i] as string;
      if (quote === '`' && c === '$' && source[i + 1] === '{') depth += 1;
      else if (depth > 0 && c === '}') depth -= 1;
      else if (depth === 0 && c === quote) break;
      text += c;
    }
    texts.push(withoutInterpolations(text));
  }
  return texts;
}

/** The kit's statement helper, and the database health check that must answer without a statement object. */
const DRIVER_ALLOWED = new Set(['subgraphs/kit/sql.ts', 'subgraphs/kit/db.ts']);

describe('SQL is written one way (ADR 0022)', () => {
  const files = productionFiles();

  it('finds the subgraphs and the kit', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('subgraphs/kit/sql.ts');
  });

  it('nothing calls knex or the driver around the kit', () => {
    const around = files
      .filter((f) => !DRIVER_ALLOWED.has(f))
      .flatMap((f) =>
        read(f)
          .split('\n')
          .map((line, i) => ({ where: `${f}:${i + 1}`, line }))
          .filter(({ line }) =>
            /getKnex\(|\.raw\(|getConnection\(\)\s*\.execute\(|legacy(QueryRows|QueryOne|Execute)/.test(line),
          ),
      )
      .map(({ where, line }) => `${where}: ${line.trim()}`);
    expect(around).toEqual([]);
  });

  it('no statement text holds a positional placeholder', () => {
    // The text of every sql(...) call: its first template or string literal.
    const positional: string[] = [];
    for (const f of files) {
      for (const text of statementTexts(read(f))) {
        const body = text.replace(/'[^']*'/g, "''");
        if (/[=(,\s]\?(?!\?)|\?::/.test(body)) positional.push(`${f}: ${body.replace(/\s+/g, ' ').slice(0, 100)}`);
      }
    }
    expect(positional).toEqual([]);
  });

  it('every domain statement lives in its subgraph domain/sql/ module', () => {
    const inline = files
      .filter((f) => /^subgraphs\/[^/]+\/domain\//.test(f) && !/\/domain\/sql\//.test(f))
      .filter((f) => /\bsql(?:<[^()]*?>)?\(\s*[`'"]/.test(read(f)));
    expect(inline).toEqual([]);
  });
});
