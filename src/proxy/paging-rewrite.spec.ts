import { rewriteJsonPaging } from './paging-rewrite';

describe(rewriteJsonPaging.name, () => {
  const routes = [
    { baseUrl: 'https://graph.facebook.com', routePrefix: 'https://proxy.example/v1/idp/facebook/api/' },
  ];
  const rewrite = (text: string): string =>
    rewriteJsonPaging(Buffer.from(text), routes, ['appsecret_proof']).toString('utf8');

  it('should rewrite paging.next and paging.previous without the token or the proof, escapes and all', () => {
    const body =
      '{"data":[{"id":"1"}],"paging":{"cursors":{"after":"QVF"},' +
      '"next":"https:\\/\\/graph.facebook.com\\/v19.0\\/me\\/friends?access_token=EAAB&limit=2&appsecret_proof=p&after=QVF",' +
      '"previous":"https://graph.facebook.com/v19.0/me/friends?access_token=EAAB&before=QVE"}}';
    expect(JSON.parse(rewrite(body))).toEqual({
      data: [{ id: '1' }],
      paging: {
        cursors: { after: 'QVF' },
        next: 'https://proxy.example/v1/idp/facebook/api/v19.0/me/friends?limit=2&after=QVF',
        previous: 'https://proxy.example/v1/idp/facebook/api/v19.0/me/friends?before=QVE',
      },
    });
  });

  it('should keep every other byte of the body as sent', () => {
    const body =
      '{ "id" : 12345678901234567890, "paging" : { "next" : "https://graph.facebook.com/x?after=1" } }';
    expect(rewrite(body)).toBe(
      '{ "id" : 12345678901234567890, "paging" : { "next" : "https://proxy.example/v1/idp/facebook/api/x?after=1" } }',
    );
  });

  it('should leave bodies without paging URLs into an allowed root unchanged', () => {
    for (const body of [
      'not json',
      '[1,2]',
      '{"paging":{"next":"https://evil.example/x?access_token=EAAB"}}',
      '{"data":{"paging":{"next":"https://graph.facebook.com/nested"}}}',
      '{"paging":{"next":42}}',
    ]) {
      expect(rewrite(body)).toBe(body);
    }
  });
});
