import { publicBaseUrl } from './public-url';

describe(publicBaseUrl.name, () => {
  const forwarded = {
    host: '10.0.0.5:3000',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'api.example.com, lb',
  };

  it('should be PUBLIC_URL whenever it is set', () => {
    expect(publicBaseUrl({ publicUrl: 'https://p.example/idp', trustProxy: true }, forwarded)).toBe(
      'https://p.example/idp',
    );
  });

  it('should be http:// and the Host header, ignoring X-Forwarded-* without TRUST_PROXY', () => {
    expect(publicBaseUrl({ publicUrl: undefined, trustProxy: false }, forwarded)).toBe(
      'http://10.0.0.5:3000',
    );
  });

  it('should take the first X-Forwarded-Proto and X-Forwarded-Host with TRUST_PROXY', () => {
    expect(publicBaseUrl({ publicUrl: undefined, trustProxy: true }, forwarded)).toBe(
      'https://api.example.com',
    );
    expect(
      publicBaseUrl(
        { publicUrl: undefined, trustProxy: true },
        { host: 'h:1', 'x-forwarded-proto': 'gopher' },
      ),
    ).toBe('http://h:1');
  });

  it('should give nothing for a missing Host or one that is not a host name', () => {
    const config = { publicUrl: undefined, trustProxy: false };
    expect(publicBaseUrl(config, {})).toBeUndefined();
    for (const host of ['a b', 'evil.example/x', 'u@h', 'h>x', '[::1', 'h:99999999']) {
      expect(publicBaseUrl(config, { host })).toBeUndefined();
    }
    expect(publicBaseUrl(config, { host: '[::1]:3000' })).toBe('http://[::1]:3000');
  });
});
