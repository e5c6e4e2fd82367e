import { Writable } from 'node:stream';
import { createRootLogger } from './root-logger';
import { scrub, serializeError } from './redaction';

describe('redaction', () => {
  describe('scrub', () => {
    it('should remove every credential key at any depth, in any case, and keep the rest', () => {
      const input = {
        ok: 1,
        access_token: 'a',
        headers: { Authorization: 'Bearer b', Cookie: 'c', accept: 'json', 'Set-Cookie': ['d'] },
        nested: { deeper: { list: [{ refresh_token: 'e', keep: true }], client_secret: 'f' } },
        body: { id_token: 'g', subject_token: 'h', accessToken: 'i', appsecret_proof: 'j' },
      };
      expect(scrub(input)).toEqual({
        ok: 1,
        headers: { accept: 'json' },
        nested: { deeper: { list: [{ keep: true }] } },
        body: {},
      });
    });

    it('should leave the logged object unchanged and return it as is when nothing is sensitive', () => {
      const input = { headers: { authorization: 'Bearer x' } };
      scrub(input);
      expect(input.headers.authorization).toBe('Bearer x');
      const clean = { a: { b: [1, { c: 2 }] } };
      expect(scrub(clean)).toBe(clean);
    });

    it('should reduce errors to type, message, code, stack and cause', () => {
      const error = Object.assign(new Error('failed', { cause: new TypeError('inner') }), {
        code: 'E_X',
        config: { headers: { authorization: 'Bearer leaked' } },
      });
      const safe = serializeError(error);
      expect(safe).toMatchObject({
        type: 'Error',
        message: 'failed',
        code: 'E_X',
        cause: { type: 'TypeError' },
      });
      expect(JSON.stringify(safe)).not.toContain('leaked');
    });
  });

  describe('createRootLogger', () => {
    const capture = (): { lines: string[]; destination: Writable } => {
      const lines: string[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      return { lines, destination };
    };

    it('should write JSON lines with a level label and nothing sensitive, wherever it is logged', () => {
      const { lines, destination } = capture();
      const logger = createRootLogger({ level: 'debug', pretty: false }, destination);
      logger.info(
        {
          req: { id: '1', method: 'GET', url: '/x?access_token=q', headers: { authorization: 'Bearer z' } },
          err: Object.assign(new Error('boom'), { token: { access_token: 'secret-1' } }),
          data: { a: { b: { c: { d: { refresh_token: 'secret-2' } } } } },
        },
        'line',
      );
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]);
      expect(line).toMatchObject({ level: 'info', msg: 'line', req: { id: '1', method: 'GET', path: '/x' } });
      expect(lines[0]).not.toMatch(/secret-1|secret-2|Bearer|access_token/);
    });

    it('should write nothing below LOG_LEVEL', () => {
      const { lines, destination } = capture();
      const logger = createRootLogger({ level: 'warn', pretty: false }, destination);
      logger.info('quiet');
      logger.warn('loud');
      expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['loud']);
    });

    it('should write human-readable lines with LOG_PRETTY, still without secrets', async () => {
      const { lines, destination } = capture();
      const logger = createRootLogger({ level: 'info', pretty: true }, destination);
      logger.info(
        { headers: { authorization: 'Bearer pretty-secret' }, route: '/v1/identities' },
        'pretty line',
      );
      await new Promise((resolve) => setImmediate(resolve));
      const text = lines.join('');
      expect(text).toContain('pretty line');
      expect(text).not.toMatch(/^\{/);
      expect(text).not.toContain('pretty-secret');
    });
  });
});
