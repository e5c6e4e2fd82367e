/**
 * The documentation states facts the code holds: the configuration table lists exactly the
 * variables the configuration reads, with the code's defaults; the error table lists exactly the
 * service's problem codes with their statuses; local links resolve; and nothing a user reads
 * carries internal wording or ticket numbers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PROBLEM_CODES } from '../src/common/problem';
import { describeVariables } from '../src/config/app-config';
import { REPO_ROOT } from './support/sandbox-process';

const read = (file: string): string => readFileSync(join(REPO_ROOT, file), 'utf8');
const docs = readdirSync(join(REPO_ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const USER_FACING = [
  'README.md',
  ...docs,
  'bench/README.md',
  'bench/NOTES.md',
  '.env.example',
  'src/sandbox/emulator/README.md',
];

/** The rows of the first table whose header starts with `| <firstHeader> |`. */
function tableRows(markdown: string, firstHeader: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${firstHeader} |`));
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('docs/configuration.md', () => {
  const rows = tableRows(read('docs/configuration.md'), 'variable');
  const documented = new Map<string, string>();
  for (const [names, , defaults] of rows) {
    for (const [, name] of names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) documented.set(name, defaults);
  }

  it('should document exactly the variables the configuration reads', () => {
    const read = describeVariables().map((v) => v.name);
    expect([...documented.keys()].sort()).toEqual([...read].sort());
  });

  it('should state each plain default as the code has it', () => {
    for (const { name, default: fallback } of describeVariables()) {
      if (fallback === undefined) continue;
      expect({ name, states: (documented.get(name) ?? '').includes(`\`${fallback}\``) }).toEqual({
        name,
        states: true,
      });
    }
  });
});

describe('docs/routes-and-errors.md', () => {
  it('should list exactly the problem codes of the code, each with its status', () => {
    const rows = tableRows(read('docs/routes-and-errors.md'), 'status');
    const listed = Object.fromEntries(
      rows.map(([status, code]) => [/`([a-z0-9_]+)`/.exec(code)?.[1] ?? code, Number(status)]),
    );
    const expected = Object.fromEntries(
      Object.entries(PROBLEM_CODES).map(([code, { status }]) => [code, status]),
    );
    expect(listed).toEqual(expected);
  });
});

describe('User-facing documentation', () => {
  it.each(USER_FACING)('%s should carry no internal wording or ticket numbers', (file) => {
    const text = read(file);
    const found = [/\bcontract\b/i, /STACK\.md/, /\bissue\s+#?\d+/i, /(^|[\s(])#\d+\b/m, /\.\.\/shared/]
      .map((pattern) => pattern.exec(text)?.[0])
      .filter((match) => match !== undefined);
    expect(found).toEqual([]);
  });

  it.each(['README.md', ...docs, 'bench/README.md'])('%s should link only to files that exist', (file) => {
    const text = read(file);
    const missing: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const path = resolve(dirname(join(REPO_ROOT, file)), target);
      if (!existsSync(path)) missing.push(target);
    }
    expect(missing).toEqual([]);
  });

  it('should state the Node.js version package.json requires in the README', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(read('README.md')).toContain(`Node.js ${engines.replace('>=', '')} or later`);
  });

  it('should give the two commands and the quickstart in the first screens of the README', () => {
    const readme = read('README.md');
    const at = (text: string): number => readme.split('\n').findIndex((l) => l.includes(text));
    expect(at('npm ci && npm start')).toBeGreaterThan(0);
    expect(at('npm ci && npm start')).toBeLessThan(50);
    expect(at('    npm test')).toBeLessThan(50);
    expect(at('## Quickstart with your tenant')).toBeLessThan(80);
    expect(at('## Deploy')).toBeLessThan(150);
  });
});
