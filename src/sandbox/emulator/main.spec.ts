import { parseArgs } from './main';

describe('main parseArgs', () => {
  it('reads flags before environment variables', () => {
    const options = parseArgs(
      [
        '--tenant-port',
        '4010',
        '--github-port=4012',
        '--redirect-uris',
        'http://127.0.0.1:1/cb, http://127.0.0.1:2/cb',
      ],
      {
        EMULATOR_TENANT_PORT: '9999',
        EMULATOR_GOOGLE_PORT: '4011',
        EMULATOR_FACEBOOK_APP_SECRET: 'fixed',
      },
    );
    expect(options.ports).toEqual({ tenant: 4010, google: 4011, github: 4012, facebook: undefined });
    expect(options.allowedRedirectUris).toEqual(['http://127.0.0.1:1/cb', 'http://127.0.0.1:2/cb']);
    expect(options.secrets?.facebookAppSecret).toBe('fixed');
    expect(options.host).toBeUndefined();
  });

  it('rejects unknown options and bad ports', () => {
    expect(() => parseArgs(['--nope', '1'], {})).toThrow('unknown option --nope');
    expect(() => parseArgs(['--tenant-port', 'x'], {})).toThrow('not a port');
    expect(() => parseArgs([], { EMULATOR_GITHUB_PORT: '70000' })).toThrow('not a port');
  });
});
