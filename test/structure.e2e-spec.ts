/**
 * The code base's size rules, kept by a test: no file in src/ over 250 lines and no function over 50
 * (spec files and the sandbox, a development tool, excepted). A failure lists every offender.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { REPO_ROOT } from './support/sandbox-process';

const MAX_FILE_LINES = 250;
const MAX_FUNCTION_LINES = 50;
const SRC = join(REPO_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === join(SRC, 'sandbox') ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** `file:line name (n lines)` for every function-like node with a body longer than the rule. */
function longFunctions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const lines = last - first + 1;
      const name = node.name?.getText() ?? '(anonymous)';
      if (lines > MAX_FUNCTION_LINES)
        found.push(`${relative(REPO_ROOT, file)}:${first + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('source size rules', () => {
  const files = sourceFiles(SRC).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

  it(`should keep every file in src/ within ${MAX_FILE_LINES} lines`, () => {
    const offenders = files
      .filter(({ text }) => lineCount(text) > MAX_FILE_LINES)
      .map(({ file, text }) => `${relative(REPO_ROOT, file)} (${lineCount(text)} lines)`);
    expect(offenders).toEqual([]);
  });

  it(`should keep every function in src/ within ${MAX_FUNCTION_LINES} lines`, () => {
    const offenders = files.flatMap(({ file, text }) => longFunctions(file, text));
    expect(offenders).toEqual([]);
  });
});
