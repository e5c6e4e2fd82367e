import { Writable } from 'node:stream';
import { ContextLogger, useRootLogger } from './context-logger';
import { createNestLogger, createRootLogger } from './root-logger';
import { Logger } from '@nestjs/common';

describe(ContextLogger.name, () => {
  const capture = (level: string): { lines: string[]; root: ReturnType<typeof createRootLogger> } => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return { lines, root: createRootLogger({ level: level as 'info', pretty: false }, destination) };
  };

  afterEach(() => {
    useRootLogger(undefined);
    Logger.overrideLogger(false);
  });

  it("should write the same line as Nest's Logger routed to pino, scrubbed", () => {
    const { lines, root } = capture('info');
    Logger.overrideLogger(createNestLogger(root));
    new Logger('Audit').log({ requestId: 'r1', headers: { authorization: 'Bearer x' } }, 'proxied IdP call');
    useRootLogger(root);
    new ContextLogger('Audit').info(
      { requestId: 'r1', headers: { authorization: 'Bearer x' } },
      'proxied IdP call',
    );
    const [viaNest, direct] = lines.map((line) => {
      const { time, ...rest } = JSON.parse(line) as Record<string, unknown>;
      expect(typeof time).toBe('string');
      return rest;
    });
    expect(direct).toEqual(viaNest);
    expect(direct).toMatchObject({
      level: 'info',
      context: 'Audit',
      requestId: 'r1',
      msg: 'proxied IdP call',
    });
    expect(lines.join('')).not.toContain('Bearer');
  });

  it('should write nothing below the level, and say so', () => {
    const { lines, root } = capture('warn');
    useRootLogger(root);
    const logger = new ContextLogger('Upstream');
    expect(logger.enabled('info')).toBe(false);
    expect(logger.enabled('warn')).toBe(true);
    logger.info({ a: 1 }, 'quiet');
    logger.debug({ a: 1 }, 'quieter');
    logger.warn({ a: 1 }, 'loud');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['loud']);
  });

  it("should follow the last app's logger", () => {
    const first = capture('info');
    const second = capture('info');
    const logger = new ContextLogger('Upstream');
    useRootLogger(first.root);
    logger.info({}, 'one');
    useRootLogger(second.root);
    logger.info({}, 'two');
    expect([first.lines.length, second.lines.length]).toEqual([1, 1]);
  });
});
